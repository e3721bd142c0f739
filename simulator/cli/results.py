"""Commands that evaluate scenarios and report: run, compare, report."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from simulator.cli.common import (
    CHART_FORMAT_OPTION,
    CHARTS_OPTION,
    DATE,
    OUTPUT_OPTION,
    SCENARIO_PATH,
    ProgressBar,
    emit,
    friendly,
    plural,
)
from simulator.output import FORMATS
from simulator.scenario.load import load_scenario

if TYPE_CHECKING:
    from simulator.engine.evaluate import Result
    from simulator.scenario.model import Scenario

SCHEDULER_TIMEOUT_S = 5
MAX_DRAWS = 1_000_000  # each draw holds a row of totals; a million is about 100 MB


@click.command()
@click.argument("scenario", type=SCENARIO_PATH)
@click.option("--date", "when", type=DATE, help="Rates in force on this date (default: the last change date).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "tidy", "xlsx"]),
    default="table",
    show_default=True,
    help="Output format; tidy: long CSV (scenario, date, breakdown, item, measure, value) that stacks across "
    "runs; xlsx: a workbook, one sheet per table (needs -o FILE and tariffsim[xlsx]).",
)
@OUTPUT_OPTION
@CHARTS_OPTION
@CHART_FORMAT_OPTION
@click.option("--trade", type=click.Path(path_type=Path), help="Use this trade-flow table instead of the scenario's.")
@click.option(
    "--by",
    type=click.Choice(["category", "partner"]),
    default="category",
    show_default=True,
    help="The breakdown of the table, CSV and Markdown (JSON holds both): by product category or by partner.",
)
@click.option(
    "--engine",
    type=click.Choice(["pandas", "dask"]),
    default="pandas",
    show_default=True,
    help="dask: run partition by partition over a Parquet dataset (needs tariffsim[dask]).",
)
@click.option("--year", type=int, help="The year to use when the trade table holds several (a year column).")
@click.option("--scheduler", help="With --engine dask: address of a dask distributed scheduler (default: local).")
@click.option(
    "--draws",
    type=click.IntRange(min=1, max=MAX_DRAWS),
    help=f"Draw which uncertain exemptions are granted N times (at most {MAX_DRAWS:,}: percentiles settle long before).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed for --draws, 0 or more (same seed, same numbers).",
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
    by: str,
    engine: str,
    scheduler: str | None,
    year: int | None,
    draws: int | None,
    seed: int,
) -> None:
    """Apply a scenario to its trade table and report duty and exempted value.

    \b
    Examples:
      tariffsim run scenarios/exempt_chips.yaml
      tariffsim run scenarios/exempt_131.yaml --format json --charts out/
      tariffsim run paths/us_ieepa_all_partners_2025 --by partner
    """
    from simulator.engine.evaluate import simulate  # pandas only when a command computes
    from simulator.output.result import render

    workbook_target(fmt, output)
    loaded = load_scenario(scenario, trade=trade)
    if engine == "dask":
        if draws is not None:
            raise click.UsageError("--draws runs on the pandas engine; drop --engine dask")
        result = run_dask(loaded, when, scheduler, year)
    else:
        result = simulate(loaded, date=when, year=year)
    text = render(result, fmt, by) if fmt != "xlsx" else ""
    uncertain = [x.name for x in loaded.exemptions if x.probability < 1]
    if uncertain and draws is None:
        click.echo(
            f"note: {plural(len(uncertain), 'uncertain exemption')} ({', '.join(uncertain[:5])}"
            f"{', ...' if len(uncertain) > 5 else ''}); this run grants them all. --draws 10000 shows the spread.",
            err=True,
        )
    sampled = None
    if draws is not None:
        from simulator.analysis.draws import draw

        with ProgressBar("drawing") as progress:
            sampled = draw(loaded, draws, seed, when=when, progress=progress)
        text = with_draws(text, fmt, sampled) if fmt != "xlsx" else ""
    if fmt == "xlsx":
        from simulator.output.workbook import result_sheets, write_workbook

        sheets = result_sheets(result)
        if sampled is not None:
            sheets["uncertainty"] = sampled.percentiles().reset_index(names="measure")
        assert output is not None
        write_workbook(output, sheets)
        click.echo(f"wrote {output}", err=True)
    else:
        emit(text, output, result.warnings, fmt)
    if charts_dir is not None:
        from simulator.output.charts import plot_draws, save, write_charts  # matplotlib only when drawing

        paths = write_charts(result, charts_dir, chart_format, prefix=f"{scenario.stem}_")
        if sampled is not None:
            paths.append(save(plot_draws(sampled), charts_dir / f"{scenario.stem}_draws.{chart_format}"))
        for path in paths:
            click.echo(f"wrote {path}", err=True)


def run_dask(scenario: Scenario, when: date | None, scheduler: str | None, year: int | None) -> Result:
    from simulator.engine.dask_runner import simulate_dask

    if scenario.trade is None:
        raise click.UsageError("--engine dask needs a Parquet dataset: pass --trade PATH or set trade: in the scenario")
    if scheduler is None:
        return simulate_dask(scenario, scenario.trade, date=when, year=year)
    from distributed import Client

    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise click.ClickException(
            f"cannot reach the dask scheduler at {scheduler} within {SCHEDULER_TIMEOUT_S} s "
            f"({exc.__class__.__name__}); check the address (tcp://HOST:8786) or leave out --scheduler to run locally"
        ) from None
    with client:
        return simulate_dask(scenario, scenario.trade, date=when, client=client, year=year)


def with_draws(text: str, fmt: str, sampled: Any) -> str:
    """Add the uncertainty report to a run's output (CSV becomes one row per draw)."""
    from simulator.output.analyses import draws_dict, draws_table
    from simulator.output.formats import csv_text

    if fmt == "json":
        data = json.loads(text)
        data["uncertainty"] = draws_dict(sampled)
        return json.dumps(data, indent=2) + "\n"
    if fmt == "csv":
        return csv_text(sampled.samples)
    if fmt == "tidy":  # the draws' percentiles as more measures of the total
        import pandas as pd

        p = sampled.percentiles().reset_index(names="key").melt(id_vars="key", var_name="stat")
        head = pd.read_csv(io.StringIO(text), nrows=1)
        extra = pd.DataFrame(
            {
                "scenario": head["scenario"].iloc[0],
                "date": head["date"].iloc[0] if head["date"].notna().iloc[0] else "",
                "breakdown": "total",
                "item": "Total",
                "measure": p["key"] + "_" + p["stat"],
                "value": p["value"],
            }
        )
        return text + csv_text(extra).split("\n", 1)[1]
    table = draws_table(sampled)
    return text + ("\n## Uncertainty\n\n```\n" + table + "```\n" if fmt == "markdown" else "\n" + table)


@click.command(name="compare")
@click.argument("scenarios", type=SCENARIO_PATH, nargs=-1, required=True)
@click.option(
    "--date", "when", type=DATE, help="Rates in force on this date (default: the latest change date of any scenario)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "xlsx"]),
    default="table",
    show_default=True,
    help="Output format; xlsx: a workbook, one sheet per table (needs -o FILE and tariffsim[xlsx]).",
)
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
    from simulator.analysis.compare import compare
    from simulator.output.comparison import COMPARE_RENDERERS

    if charts_dir is not None:
        charted(scenarios, "--charts")
    workbook_target(fmt, output)
    comparison = compare([load_scenario(path) for path in scenarios], date=when)
    warnings = [f"[{i + 1}] {w}" for i, r in enumerate(comparison.results) for w in r.warnings]
    if fmt == "xlsx":
        from simulator.output.workbook import comparison_sheets, write_workbook

        assert output is not None
        write_workbook(output, comparison_sheets(comparison))
        click.echo(f"wrote {output}", err=True)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
    else:
        emit(COMPARE_RENDERERS[fmt](comparison), output, warnings, fmt)
    if charts_dir is not None:
        from simulator.output.charts import write_comparison_charts  # matplotlib only when drawing

        stems = [Path(str(path)).with_suffix("").name for path in scenarios]
        for path in write_comparison_charts(comparison, charts_dir, chart_format, stems):
            click.echo(f"wrote {path}", err=True)


def workbook_target(fmt: str, output: Path | None) -> None:
    """A workbook is binary: it goes to a file, never to the terminal."""
    if fmt == "xlsx" and (output is None or str(output) == "-"):
        raise click.UsageError("--format xlsx writes a workbook file: add -o FILE.xlsx")


MAX_CHARTED = 8  # one colour each in the palette; past that a legend or a bar group cannot be read


def charted(scenarios: tuple[Path, ...], what: str) -> None:
    if len(scenarios) > MAX_CHARTED:
        raise click.UsageError(
            f"{what} draws at most {MAX_CHARTED} scenarios side by side ({len(scenarios)} given: their charts could "
            "not be read); compare fewer, or leave charts out and read the tables of `tariffsim compare`"
        )


@click.command()
@click.argument("scenarios", type=SCENARIO_PATH, nargs=-1, required=True)
@click.option(
    "--output",
    "-o",
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML file to write ('-' is stdout).",
)
@click.option(
    "--date",
    "when",
    type=DATE,
    help="Rates in force on this date (default: the last change date; several scenarios share one date).",
)
@click.option("--title", default="", help="Page title (default: the scenario name, or a generic one for several).")
@friendly
def report(scenarios: tuple[Path, ...], out: Path, when: date | None, title: str) -> None:
    """Write one self-contained HTML page (charts inline, readable offline) for one or more scenarios.

    \b
    Example:
      tariffsim report scenarios/china_125.yaml scenarios/exempt_131.yaml -o report.html
    """
    from simulator.analysis.compare import compare
    from simulator.engine.evaluate import simulate
    from simulator.output.page import to_html  # matplotlib only when drawing

    charted(scenarios, "report")
    loaded = [load_scenario(path) for path in scenarios]
    with ProgressBar("drawing charts") as progress:  # two images a chart, about 0.2 s each
        if len(loaded) == 1:
            page = to_html([simulate(loaded[0], date=when)], title=title, progress=progress)
        else:  # one date for all, as `compare` does, so the page compares like with like
            comparison = compare(loaded, date=when)
            page = to_html(comparison.results, title=title, comparison=comparison, progress=progress)
    emit(page, out)
