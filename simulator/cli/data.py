"""Commands for trade tables: check one (flows), import Comtrade or BACI files."""

from __future__ import annotations

from pathlib import Path

import click

from simulator.cli.common import friendly, plural
from simulator.units import usd


@click.command()
@click.argument("table", type=click.Path(dir_okay=False, path_type=Path), required=False)
@friendly
def flows(table: Path | None) -> None:
    """Check a trade-flow table and summarise it by direction (default: the bundled table).

    \b
    Example:
      tariffsim flows my_flows.csv
    """
    from simulator.data.load import load_flows  # pandas only when a command computes

    frame = load_flows(table)
    summary = frame.groupby(["importer", "exporter"]).agg(
        lines=("hs", "size"), categories=("category", "nunique"), value_usd=("value_usd", "sum")
    )
    summary = summary.reset_index()
    values = summary["value_usd"].to_numpy(dtype=float)
    for i, value in enumerate(values):
        imp, exp, lines, cats = (summary[c].iloc[i] for c in ("importer", "exporter", "lines", "categories"))
        click.echo(f"{imp} from {exp}: {plural(lines, 'line')}, {plural(cats, 'category')}, {usd(value)}")


@click.group()
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
    help="HS prefix -> category map (default: the bundled map).",
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
    from simulator.data.imports import import_trade

    report = import_trade(
        source, files, out, country_codes=country_codes, categories=categories, tariffs=tariffs, year=year, flow=flow
    )
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"wrote {report.path}: {plural(report.rows, 'line')}, {plural(report.directions, 'direction')}, {usd(report.value_usd)} in all"
    )
