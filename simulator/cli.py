"""The `tariffsim` command: parse options, call the library, render. No arithmetic here."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from simulator import __version__
from simulator.atomic import write_text
from simulator.compare import compare
from simulator.engine import prepare, simulate
from simulator.errors import SimulatorError
from simulator.flows import SCENARIOS, load_flows
from simulator.loader import load_scenario
from simulator.report import COMPARE_RENDERERS, FORMATS, render, usd

F = TypeVar("F", bound=Callable[..., Any])


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2025-04-12", param, ctx)


DATE = DateType()
SCENARIO_PATH = click.Path(dir_okay=False, path_type=Path)


def friendly(func: F) -> F:
    """Turn library errors into clean messages with exit code 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SimulatorError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}") from None

    return wrapper  # type: ignore[return-value]


def emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tariffsim")
def cli() -> None:
    """Simulate tariff layers and exemptions on a trade-flow table.

    \b
    Example:
      tariffsim run scenarios/exempt_chips.yaml
    """


@cli.command()
@click.argument("scenario", type=SCENARIO_PATH)
@click.option("--date", "when", type=DATE, help="Rates in force on this date (default: the last change date).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format.")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout."
)
@click.option(
    "--charts", "charts_dir", type=click.Path(file_okay=False, path_type=Path), help="Also draw the charts into DIR."
)
@click.option(
    "--chart-format", type=click.Choice(["png", "svg"]), default="png", show_default=True, help="Chart file format."
)
@friendly
def run(
    scenario: Path, when: date | None, fmt: str, output: Path | None, charts_dir: Path | None, chart_format: str
) -> None:
    """Apply a scenario to its trade table and report duty and exempted value.

    \b
    Examples:
      tariffsim run scenarios/exempt_chips.yaml
      tariffsim run scenarios/exempt_131.yaml --format json --charts out/
    """
    result = simulate(load_scenario(scenario), date=when)
    emit(render(result, fmt), output)
    if charts_dir is not None:
        from simulator.charts import write_charts  # matplotlib only when drawing

        for path in write_charts(result, charts_dir, chart_format, prefix=f"{scenario.stem}_"):
            click.echo(f"wrote {path}", err=True)


@cli.command(name="compare")
@click.argument("scenarios", type=SCENARIO_PATH, nargs=-1, required=True)
@click.option(
    "--date", "when", type=DATE, help="Rates in force on this date (default: the latest change date of any scenario)."
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format.")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout."
)
@click.option(
    "--charts", "charts_dir", type=click.Path(file_okay=False, path_type=Path), help="Also draw the charts into DIR."
)
@click.option(
    "--chart-format", type=click.Choice(["png", "svg"]), default="png", show_default=True, help="Chart file format."
)
@friendly
def compare_command(
    scenarios: tuple[Path, ...],
    when: date | None,
    fmt: str,
    output: Path | None,
    charts_dir: Path | None,
    chart_format: str,
) -> None:
    """Compare scenarios side by side, with each one's difference from the first and their paths over time.

    \b
    Example:
      tariffsim compare scenarios/paths/china_on_us_escalation.yaml scenarios/paths/china_on_us_deescalation.yaml
    """
    comparison = compare([load_scenario(path) for path in scenarios], date=when)
    emit(COMPARE_RENDERERS[fmt](comparison), output)
    if charts_dir is not None:
        from simulator.charts import write_comparison_charts  # matplotlib only when drawing

        for path in write_comparison_charts(comparison, charts_dir, chart_format):
            click.echo(f"wrote {path}", err=True)


@cli.command()
@click.argument("scenarios", type=SCENARIO_PATH, nargs=-1, required=True)
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The HTML file to write."
)
@click.option(
    "--date", "when", type=DATE, help="Rates in force on this date (default: each scenario's last change date)."
)
@click.option("--title", default="", help="Page title (default: the scenario name, or a generic one for several).")
@friendly
def report(scenarios: tuple[Path, ...], out: Path, when: date | None, title: str) -> None:
    """Write one self-contained HTML page (charts inline, readable offline) for one or more scenarios.

    \b
    Example:
      tariffsim report scenarios/china_125.yaml scenarios/exempt_131.yaml --out report.html
    """
    from simulator.html import to_html  # matplotlib only when drawing

    results = [simulate(load_scenario(path), date=when) for path in scenarios]
    write_text(out, to_html(results, title=title))
    click.echo(f"wrote {out}", err=True)


@cli.command()
@click.argument("scenarios", type=SCENARIO_PATH, nargs=-1, required=True)
@friendly
def validate(scenarios: tuple[Path, ...]) -> None:
    """Check scenario files (and their categories against the trade table); report all problems.

    \b
    Example:
      tariffsim validate scenarios/*.yaml
    """
    failed = 0
    for path in scenarios:
        try:
            prepared = prepare(load_scenario(path))
        except SimulatorError as exc:
            failed += 1
            click.echo(f"FAIL {path}\n{exc}", err=True)
            continue
        s = prepared.scenario
        counts = f"{_plural(len(s.layers), 'layer')}, {_plural(len(s.exemptions), 'exemption')}"
        click.echo(f"ok   {path}: {s.name} ({counts})")
        for warning in prepared.warnings:
            click.echo(f"     warning: {warning}")
    if failed:
        raise click.ClickException(f"{failed} of {len(scenarios)} scenario(s) failed validation")


@cli.command(name="list")
@friendly
def list_scenarios() -> None:
    """List the bundled scenarios, one line each.

    \b
    Example:
      tariffsim list
    """
    for path in sorted(SCENARIOS.rglob("*.yaml")):
        try:
            name = load_scenario(path).name
        except SimulatorError:
            name = "(does not validate)"
        click.echo(f"{path.relative_to(SCENARIOS.parent)}  {name}")


@cli.command()
@click.argument("table", type=click.Path(dir_okay=False, path_type=Path), required=False)
@friendly
def flows(table: Path | None) -> None:
    """Check a trade-flow table and summarise it by direction (default: the bundled table).

    \b
    Example:
      tariffsim flows seeds/trade_flows_2024.csv
    """
    frame = load_flows(table)
    summary = frame.groupby(["importer", "exporter"]).agg(
        lines=("hs", "size"), categories=("category", "nunique"), value_usd=("value_usd", "sum")
    )
    summary = summary.reset_index()
    values = summary["value_usd"].to_numpy(dtype=float)
    for i, value in enumerate(values):
        imp, exp, lines, cats = (summary[c].iloc[i] for c in ("importer", "exporter", "lines", "categories"))
        click.echo(f"{imp} from {exp}: {lines} lines, {cats} categories, {usd(value)}")


@cli.command(name="explain")
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
    from simulator.explain import explain

    click.echo(explain(load_scenario(scenario), when), nl=False)


@cli.command()
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout."
)
def schema(output: Path | None) -> None:
    """Print the JSON Schema of scenario files, for editors (YAML language server).

    \b
    Example:
      tariffsim schema > docs/scenario.schema.json
    """
    from simulator.json_schema import schema_json

    emit(schema_json(), output)


@cli.command()
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
    from simulator.starter import write_starter

    path = write_starter(name, parent=parent, force=force)
    click.echo(f"wrote {path}; check it with: tariffsim validate {path}", err=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def main() -> None:
    cli(prog_name="tariffsim")


if __name__ == "__main__":  # pragma: no cover
    main()
