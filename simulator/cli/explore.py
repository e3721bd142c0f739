"""`tariffsim explore`: the live teaching page (optional extra `tariffsim[explore]`)."""

from __future__ import annotations

from pathlib import Path

import click

from simulator.cli.common import SCENARIO_PATH, friendly

EXTRA_HINT = "tariffsim explore needs the explore extra: pip install 'tariffsim[explore]'"


@click.command()
@click.argument("scenarios", type=SCENARIO_PATH, nargs=-1)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8050, show_default=True, help="Local port (0: any free one)."
)
@click.option("--no-browser", is_flag=True, help="Print the address but do not open a browser.")
@click.option("--trade", type=click.Path(path_type=Path), help="Use this trade-flow table instead of each scenario's.")
@click.option(
    "--save-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder where 'Save as scenario' writes its YAML files.",
)
@friendly
def explore(scenarios: tuple[Path, ...], port: int, no_browser: bool, trade: Path | None, save_dir: Path) -> None:
    """Open a local page to move rates, tick exemptions and watch the figures change.

    Scenarios named here come first in the page's list, then every bundled one.

    \b
    Examples:
      tariffsim explore
      tariffsim explore scenarios/exempt_chips.yaml --port 8060 --no-browser
    """
    try:
        from simulator.explore.app import build
        from simulator.explore.serve import free_port, port_is_free, serve
    except ImportError:
        raise click.ClickException(EXTRA_HINT) from None
    from simulator.scenario.load import bundled_scenarios

    if trade is not None and not trade.exists():
        raise click.BadParameter(f"no such trade-flow table {trade}", param_hint="--trade")
    if port == 0:
        port = free_port()
    elif not port_is_free(port):
        raise click.BadParameter(
            f"port {port} is in use; pick another, or --port 0 for any free one", param_hint="--port"
        )
    choices = {str(p): str(p) for p in scenarios}
    for name, _ in bundled_scenarios():
        choices.setdefault(name, name)
    if not scenarios:  # the teaching example first
        choices = {"exempt_chips": "exempt_chips", **choices}
    app = build(choices, trade, save_dir.resolve())
    serve(app, port, open_browser=not no_browser, say=click.echo)
