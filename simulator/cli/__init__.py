"""The `tariffsim` command: parse options, call the library, render. No arithmetic here.

Each module holds the commands of one kind; this one assembles the group.
"""

from __future__ import annotations

import click

from simulator import __version__
from simulator.cli.analyses import lines_command, published_command, rank_command, sweep_command
from simulator.cli.authoring import explain_command, list_scenarios, new, schema, sources_command, validate
from simulator.cli.common import quiet_exit_on_closed_pipe
from simulator.cli.data import data, flows
from simulator.cli.explore import explore
from simulator.cli.results import compare_command, report, run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tariffsim")
def cli() -> None:
    """Simulate tariff layers and exemptions on a trade-flow table.

    \b
    Example:
      tariffsim run scenarios/exempt_chips.yaml
    """


for command in (
    run,
    compare_command,
    report,
    validate,
    list_scenarios,
    flows,
    sweep_command,
    rank_command,
    lines_command,
    explain_command,
    schema,
    new,
    data,
    published_command,
    sources_command,
    explore,
):
    cli.add_command(command)


def main() -> None:
    try:
        cli(prog_name="tariffsim")
    except BrokenPipeError:
        quiet_exit_on_closed_pipe()
