"""Commands that vary a scenario: sweep a rate, rank exemptions."""

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
@friendly
def published_command(output: Path | None) -> None:
    """Set tariffsim's figures beside published ones (PIIE, CRS, RAND, Bloomberg) at the same dates.

    \b
    Example:
      tariffsim published -o docs/validation.md
    """
    from simulator.analysis.published import published_comparisons
    from simulator.output.published import to_markdown

    emit(to_markdown(published_comparisons()), output)
