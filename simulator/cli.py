"""The `tariffsim` command: parse options, call the library, render. No arithmetic here."""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from simulator import __version__
from simulator.atomic import write_text
from simulator.compare import compare
from simulator.engine import Result, prepare, simulate
from simulator.errors import SimulatorError
from simulator.flows import SCENARIOS, load_flows
from simulator.loader import load_scenario
from simulator.report import COMPARE_RENDERERS, FORMATS, csv_text, render, usd
from simulator.schema import Scenario

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
# options shared by several commands, declared once
FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format."
)
OUTPUT_OPTION = click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout."
)
CHARTS_OPTION = click.option(
    "--charts", "charts_dir", type=click.Path(file_okay=False, path_type=Path), help="Also draw the charts into DIR."
)
CHART_FORMAT_OPTION = click.option(
    "--chart-format", type=click.Choice(["png", "svg"]), default="png", show_default=True, help="Chart file format."
)


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
@FORMAT_OPTION
@OUTPUT_OPTION
@CHARTS_OPTION
@CHART_FORMAT_OPTION
@click.option("--trade", type=click.Path(path_type=Path), help="Use this trade-flow table instead of the scenario's.")
@click.option(
    "--engine",
    type=click.Choice(["pandas", "dask"]),
    default="pandas",
    show_default=True,
    help="dask: run partition by partition over a Parquet dataset (needs tariffsim[dask]).",
)
@click.option("--scheduler", help="With --engine dask: address of a dask distributed scheduler (default: local).")
@click.option("--draws", type=click.IntRange(min=1), help="Draw which uncertain exemptions are granted N times.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Random seed for --draws (same seed, same numbers)."
)
@friendly
def run(
    scenario: Path,
    when: date | None,
    fmt: str,
    output: Path | None,
    charts_dir: Path | None,
    chart_format: str,
    trade: Path | None,
    engine: str,
    scheduler: str | None,
    draws: int | None,
    seed: int,
) -> None:
    """Apply a scenario to its trade table and report duty and exempted value.

    \b
    Examples:
      tariffsim run scenarios/exempt_chips.yaml
      tariffsim run scenarios/exempt_131.yaml --format json --charts out/
    """
    loaded = load_scenario(scenario)
    if trade is not None:
        loaded = replace(loaded, trade=trade)
    if engine == "dask":
        if draws is not None:
            raise click.UsageError("--draws runs on the pandas engine; drop --engine dask")
        result = run_dask(loaded, when, scheduler)
    else:
        result = simulate(loaded, date=when)
    text = render(result, fmt)
    sampled = None
    if draws is not None:
        from simulator.uncertainty import draw

        with ProgressBar("drawing") as progress:
            sampled = draw(loaded, draws, seed, when=when, progress=progress)
        text = with_draws(text, fmt, sampled)
    emit(text, output)
    if charts_dir is not None:
        from simulator.charts import plot_draws, save, write_charts  # matplotlib only when drawing

        paths = write_charts(result, charts_dir, chart_format, prefix=f"{scenario.stem}_")
        if sampled is not None:
            paths.append(save(plot_draws(sampled), charts_dir / f"{scenario.stem}_draws.{chart_format}"))
        for path in paths:
            click.echo(f"wrote {path}", err=True)


def run_dask(scenario: Scenario, when: date | None, scheduler: str | None) -> Result:
    from simulator.distributed import simulate_dask

    if scenario.trade is None:
        raise click.UsageError("--engine dask needs a Parquet dataset: pass --trade PATH or set trade: in the scenario")
    if scheduler is None:
        return simulate_dask(scenario, scenario.trade, date=when)
    from distributed import Client

    with Client(scheduler) as client:
        return simulate_dask(scenario, scenario.trade, date=when, client=client)


def with_draws(text: str, fmt: str, sampled: Any) -> str:
    """Add the uncertainty report to a run's output (CSV becomes one row per draw)."""
    from simulator.render import draws_dict, draws_table

    if fmt == "json":
        data = json.loads(text)
        data["uncertainty"] = draws_dict(sampled)
        return json.dumps(data, indent=2) + "\n"
    if fmt == "csv":
        return csv_text(sampled.samples)
    table = draws_table(sampled)
    return text + ("\n## Uncertainty\n\n```\n" + table + "```\n" if fmt == "markdown" else "\n" + table)


class ProgressBar:
    """A progress bar on stderr for long sweeps and draws, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.stack = contextlib.ExitStack()
        self.bar: Any = None

    def __enter__(self) -> ProgressBar | None:
        return self if sys.stderr.isatty() else None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = self.stack.enter_context(click.progressbar(length=total, label=self.label, file=sys.stderr))
        self.bar.update(done)

    def __exit__(self, *exc: object) -> None:
        self.stack.close()


@cli.command(name="compare")
@click.argument("scenarios", type=SCENARIO_PATH, nargs=-1, required=True)
@click.option(
    "--date", "when", type=DATE, help="Rates in force on this date (default: the latest change date of any scenario)."
)
@FORMAT_OPTION
@OUTPUT_OPTION
@CHARTS_OPTION
@CHART_FORMAT_OPTION
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


@cli.command(name="sweep")
@click.argument("scenario", type=SCENARIO_PATH)
@click.option("--layer", required=True, help="The layer whose rate is swept.")
@click.option("--from", "low", default="0%", show_default=True, help="First rate, with a percent sign.")
@click.option("--to", "high", default="200%", show_default=True, help="Last rate, with a percent sign.")
@click.option("--steps", type=click.IntRange(min=2), default=101, show_default=True, help="Number of rates.")
@click.option("--date", "when", type=DATE, help="Other rates as in force on this date (default: the last change date).")
@FORMAT_OPTION
@OUTPUT_OPTION
@CHARTS_OPTION
@CHART_FORMAT_OPTION
@friendly
def sweep_command(
    scenario: Path,
    layer: str,
    low: str,
    high: str,
    steps: int,
    when: date | None,
    fmt: str,
    output: Path | None,
    charts_dir: Path | None,
    chart_format: str,
) -> None:
    """Sweep one layer's rate: effective rate, duty, import value and exempted value at each rate.

    With a `response:` block in the scenario, imports fall as the rate rises and the duty curve peaks.

    \b
    Example:
      tariffsim sweep scenarios/china_125.yaml --layer retaliation --from 0% --to 200% --steps 101
    """
    from simulator.render import render_sweep
    from simulator.sweep import sweep

    lo, hi = percent_option(low, "--from"), percent_option(high, "--to")
    if lo > hi:
        raise click.BadParameter(f"--from {low} is above --to {high}", param_hint="--from")
    loaded = load_scenario(scenario)
    with ProgressBar("sweeping") as progress:
        table = sweep(loaded, layer, lo, hi, steps, when=when, progress=progress)
    emit(render_sweep(table, fmt, loaded.name, layer), output)
    if charts_dir is not None:
        from simulator.charts import plot_sweep, save

        path = save(
            plot_sweep(table, title=loaded.name, layer=layer),
            charts_dir / f"{scenario.stem}_sweep_{layer}.{chart_format}",
        )
        click.echo(f"wrote {path}", err=True)


def percent_option(text: str, name: str) -> float:
    value = text.strip()
    try:
        if not value.endswith("%"):
            raise ValueError
        number = float(value[:-1]) / 100
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a percentage; write e.g. 125%", param_hint=name) from None
    if not 0 <= number <= 10:
        raise click.BadParameter(f"{text} is outside 0%-1000%", param_hint=name)
    return number


@cli.command(name="rank")
@click.argument("scenario", type=SCENARIO_PATH)
@click.option("--date", "when", type=DATE, help="Rates in force on this date (default: the last change date).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="How many candidate categories.")
@FORMAT_OPTION
@OUTPUT_OPTION
@friendly
def rank_command(scenario: Path, when: date | None, top: int, fmt: str, output: Path | None) -> None:
    """Rank exemptions by what they are worth, and categories by what exempting them would bring.

    \b
    Example:
      tariffsim rank scenarios/exempt_131.yaml
    """
    from simulator.rank import rank
    from simulator.render import render_ranking

    emit(render_ranking(rank(load_scenario(scenario), when=when), fmt, top), output)


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
@OUTPUT_OPTION
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


@cli.group()
def data() -> None:
    """Bring your own trade data: convert UN Comtrade or CEPII BACI files into a trade-flow table.

    \b
    Example:
      tariffsim data import --from comtrade comtrade_2024.csv --out flows.parquet
    """


@data.command(name="import")
@click.option("--from", "source", type=click.Choice(["comtrade", "baci"]), required=True, help="The files' layout.")
@click.argument("files", type=click.Path(dir_okay=False, path_type=Path), nargs=-1, required=True)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The table to write: .csv or .parquet.",
)
@click.option(
    "--country-codes", type=click.Path(dir_okay=False, path_type=Path), help="BACI's country-codes file (BACI only)."
)
@click.option(
    "--categories",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HS prefix -> category map (default seeds/hs_categories.csv).",
)
@click.option(
    "--tariffs",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Base rates: hs prefix, base_rate[, importer, exporter].",
)
@click.option("--year", type=int, help="The year to keep when a file holds several.")
@click.option(
    "--flow", type=click.Choice(["M", "X"]), help="Comtrade: import (M) or export (X) flows; default M when present."
)
@friendly
def data_import(
    source: str,
    files: tuple[Path, ...],
    out: Path,
    country_codes: Path | None,
    categories: Path | None,
    tariffs: Path | None,
    year: int | None,
    flow: str | None,
) -> None:
    """Convert Comtrade CSV downloads or BACI files into a trade-flow table (.csv or .parquet).

    \b
    Examples:
      tariffsim data import --from comtrade TradeData_2024.csv --out flows.csv
      tariffsim data import --from baci BACI_HS17_Y2022_V202401.csv --country-codes country_codes_V202401.csv --out flows.parquet
    """
    from simulator.trade_data import import_trade

    report = import_trade(
        source, files, out, country_codes=country_codes, categories=categories, tariffs=tariffs, year=year, flow=flow
    )
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"wrote {report.path}: {report.rows:,} lines, {report.directions:,} directions, {usd(report.value_usd)} in all"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def main() -> None:
    cli(prog_name="tariffsim")


if __name__ == "__main__":  # pragma: no cover
    main()
