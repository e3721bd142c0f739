"""Commands for writing scenarios: validate, list, explain, schema, new."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from simulator.cli.common import (
    DATE,
    OUTPUT_OPTION,
    SCENARIO_PATH,
    emit,
    friendly,
    plural,
)
from simulator.errors import SimulatorError
from simulator.scenario.load import bundled_scenarios, load_scenario


@click.command()
@click.argument("scenarios", type=SCENARIO_PATH, nargs=-1, required=True)
@friendly
def validate(scenarios: tuple[Path, ...]) -> None:
    """Check scenario files (and their categories against the trade table); report all problems.

    \b
    Example:
      tariffsim validate scenarios/*.yaml
    """
    from simulator.engine.prepare import prepare  # pandas only when a command computes

    failed = 0
    for path in scenarios:
        try:
            prepared = prepare(load_scenario(path))
        except SimulatorError as exc:
            failed += 1
            click.echo(f"FAIL {path}\n{exc}", err=True)
            continue
        s = prepared.scenario
        counts = f"{plural(len(s.layers), 'layer')}, {plural(len(s.exemptions), 'exemption')}"
        click.echo(f"ok   {path}: {s.name} ({counts})")
        for warning in prepared.warnings:
            click.echo(f"     warning: {warning}")
    if failed:
        raise click.ClickException(f"{failed} of {plural(len(scenarios), 'scenario')} failed validation")


@click.command(name="list")
@click.option("--partners", is_flag=True, help="List the partner codes a scenario may name, and the groups.")
@click.option("--groups", is_flag=True, help="List the partner groups (EU, USMCA...) and their members.")
@friendly
def list_scenarios(partners: bool, groups: bool) -> None:
    """List the bundled scenarios by the name that run, compare and the rest accept; or partners and groups.

    \b
    Examples:
      tariffsim list
      tariffsim list --groups
      tariffsim list --partners
    """
    from simulator.data import partners as known

    if groups or partners:
        for group, members in known.groups().items():
            note = known.group_notes().get(group, "")
            click.echo(f"{group:<9} {' '.join(members)}" + (f"\n{'':<9} {note}" if note and groups else ""))
    if partners:
        click.echo("")
        for code, name in known.names().items():
            inside = known.inside().get(code, "")
            click.echo(f"{code}  {name}" + (f"  ({inside})" if inside else ""))
    if groups or partners:
        return
    listed = bundled_scenarios()
    width = max(len(name) for name, _ in listed)
    for name, path in listed:
        try:
            title = load_scenario(path).name
        except SimulatorError:
            title = "(does not validate)"
        click.echo(f"{name:<{width}}  {title}")


@click.command(name="explain")
@click.argument("scenario", type=SCENARIO_PATH)
@click.option(
    "--date", "when", type=DATE, help="Also say what is in force on this date (default: the last change date)."
)
@friendly
def explain_command(scenario: Path, when: date | None) -> None:
    """Say in plain words what each layer and exemption does and which lines it matches.

    \b
    Example:
      tariffsim explain scenarios/exempt_131.yaml
    """
    from simulator.analysis.explain import explain

    click.echo(explain(load_scenario(scenario), when), nl=False)


@click.command()
@OUTPUT_OPTION
def schema(output: Path | None) -> None:
    """Print the JSON Schema of scenario files, for editors (YAML language server).

    \b
    Example:
      tariffsim schema > simulator/bundled/scenarios/scenario.schema.json
    """
    from simulator.scenario.json_schema import schema_json

    emit(schema_json(), output)


@click.command()
@click.argument("name")
@click.option("--extends", "parent", type=click.Path(dir_okay=False, path_type=Path), help="Start from this scenario.")
@click.option("--force", is_flag=True, help="Overwrite NAME.yaml if it exists.")
@friendly
def new(name: str, parent: Path | None, force: bool) -> None:
    """Write a commented starter scenario NAME.yaml in the current directory.

    \b
    Examples:
      tariffsim new my_exemptions
      tariffsim new softer --extends scenarios/china_125.yaml
    """
    from simulator.scenario.starter import write_starter

    path = write_starter(name, parent=parent, force=force)
    click.echo(f"wrote {path}; check it with: tariffsim validate {path}", err=True)


@click.command(name="sources")
@click.argument("keys", nargs=-1)
@friendly
def sources_command(keys: tuple[str, ...]) -> None:
    """Print the sources scenarios and reports cite by [key]: publisher, document, address.

    \b
    Examples:
      tariffsim sources
      tariffsim sources eo-14257 cbp-csms-64724565
    """
    from simulator.errors import Problem, ProblemsError, did_you_mean
    from simulator.output.bibliography import sources

    known = sources()
    wanted = [k.strip("[]") for k in keys]
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise ProblemsError([Problem(k, f"no such source{did_you_mean(k, list(known))}") for k in unknown])
    shown = dict.fromkeys(known[k] for k in (wanted or known))
    for source in shown:
        click.echo(f"[{', '.join(source.keys)}] {source.text}\n")
