"""Commands that vary a scenario or open it up: sweep a rate, rank exemptions, list its lines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from simulator.cli.common import (
    CHART_FORMAT_OPTION,
    CHARTS_OPTION,
    DATE,
    FORMAT_OPTION,
    OUTPUT_OPTION,
    SCENARIO_PATH,
    ProgressBar,
    emit,
    friendly,
    percent_option,
)
from simulator.output import TABLE_FORMATS
from simulator.scenario.load import load_scenario

MAX_STEPS = 100_001


@click.command(name="sweep")
@click.argument("scenario", type=SCENARIO_PATH)
@click.option("--layer", help="The layer whose rate is swept (may be left out when the scenario has one layer).")
@click.option("--from", "low", default="0%", show_default=True, help="First rate, with a percent sign.")
@click.option("--to", "high", default="200%", show_default=True, help="Last rate, with a percent sign.")
@click.option(
    "--steps",
    type=click.IntRange(min=2, max=MAX_STEPS),
    default=101,
    show_default=True,
    help=f"Number of rates (at most {MAX_STEPS:,}: finer than 0.01 percentage point on a 0-1000% range).",
)
@click.option("--date", "when", type=DATE, help="Other rates as in force on this date (default: the last change date).")
@FORMAT_OPTION
@OUTPUT_OPTION
@CHARTS_OPTION
@CHART_FORMAT_OPTION
@friendly
def sweep_command(
    scenario: Path,
    layer: str | None,
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
    from simulator.analysis.sweep import sweep, swept
    from simulator.output.analyses import render_sweep

    lo, hi = percent_option(low, "--from"), percent_option(high, "--to")
    if lo > hi:
        raise click.BadParameter(f"--from {low} is above --to {high}", param_hint="--from")
    loaded = load_scenario(scenario)
    if layer is None:
        names = [x.name for x in loaded.layers]
        if len(names) != 1:
            raise click.UsageError(f"{loaded.name} has {len(names)} layers; name one with --layer ({', '.join(names)})")
        layer = names[0]
    with ProgressBar("sweeping") as progress:
        table = sweep(loaded, layer, lo, hi, steps, when=when, progress=progress)
    moved = swept(loaded, layer)
    emit(render_sweep(table, fmt, loaded.name, layer, moved), output)
    if charts_dir is not None:
        from simulator.output.charts import plot_sweep, save

        path = save(
            plot_sweep(table, title=loaded.name, layer=layer, swept=moved),
            charts_dir / f"{scenario.stem}_sweep_{layer}.{chart_format}",
        )
        click.echo(f"wrote {path}", err=True)


@click.command(name="rank")
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
    from simulator.analysis.rank import rank
    from simulator.output.analyses import render_ranking

    emit(render_ranking(rank(load_scenario(scenario), when=when), fmt, top), output)


@click.command(name="published")
@OUTPUT_OPTION
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the world path beside the Budget Lab tracker to this PNG or SVG (linked from the page).",
)
@friendly
def published_command(output: Path | None, chart: Path | None) -> None:
    """Set tariffsim's figures beside published ones (PIIE, CRS, RAND, Bloomberg, the Budget Lab) at the same dates.

    \b
    Example:
      tariffsim published -o docs/validation.md --chart docs/validation_tracker.png
    """
    from simulator.analysis.published import published_comparisons
    from simulator.analysis.tracker import tracker_comparison
    from simulator.output.published import validation_page

    tracker = tracker_comparison()
    link = None
    if chart is not None:
        from simulator.output.chart_style import save
        from simulator.output.tracker_chart import plot_tracker

        save(plot_tracker(tracker), chart)
        click.echo(f"wrote {chart}", err=True)
        link = chart.name if output is None or str(output) == "-" else _relative(chart, output)
    emit(validation_page(published_comparisons(), tracker, link), output)


def _relative(target: Path, page: Path) -> str:
    """The chart's address as the page links it: relative to the page's folder where it can be."""
    import os

    try:
        return Path(os.path.relpath(target.resolve(), page.resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows
        return target.resolve().as_uri()


@click.command(name="lines")
@click.argument("scenario", type=SCENARIO_PATH)
@click.option("--date", "when", type=DATE, help="Rates in force on this date (default: the last change date).")
@click.option("--exempted", is_flag=True, help="Only lines with an exempted value.")
@click.option("--category", "categories", multiple=True, help="Only this category (repeat for several).")
@click.option("--partner", "partners", multiple=True, help="Only this partner, an ISO code (repeat for several).")
@click.option("--hs", "hs", multiple=True, help="Only lines under this HS prefix, e.g. 8542 (repeat for several).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(TABLE_FORMATS),
    help="csv, parquet or xlsx (default: from the --output file's extension, else csv).",
)
@OUTPUT_OPTION
@click.option("--trade", type=click.Path(path_type=Path), help="Use this trade-flow table instead of the scenario's.")
@friendly
def lines_command(
    scenario: Path,
    when: date | None,
    exempted: bool,
    categories: tuple[str, ...],
    partners: tuple[str, ...],
    hs: tuple[str, ...],
    fmt: str | None,
    output: Path | None,
    trade: Path | None,
) -> None:
    """Every line of a scenario at a date: value, each layer's rate and waived share, the exemptions
    that match, exempted value, duty and relief. Largest relief first.

    \b
    Examples:
      tariffsim lines exempt_131 --exempted -o exempted_lines.csv
      tariffsim lines paths/us_ieepa_all_partners_2025 --partner VNM --category Smartphones -o vietnam.xlsx
    """
    from simulator.analysis.lines import lines
    from simulator.output.formats import csv_text
    from simulator.output.workbook import write_table

    fmt = fmt or (output.suffix.lower().lstrip(".") if output is not None else "csv")
    if fmt not in TABLE_FORMATS:
        raise click.BadParameter(f"cannot tell the format of {output}; add --format csv, parquet or xlsx")
    loaded = load_scenario(scenario, trade=trade)
    table = lines(loaded, when, exempted=exempted, categories=categories, partners=partners, hs=hs)
    if output is None or str(output) == "-":
        if fmt != "csv":
            raise click.UsageError(f"{fmt} is a binary format; write it to a file with -o FILE.{fmt}")
        click.echo(csv_text(table), nl=False)
    else:
        write_table(output, table, fmt)
        click.echo(f"wrote {output}: {len(table):,} lines", err=True)
    if table.empty:
        click.echo("note: no line matches the filters given", err=True)
