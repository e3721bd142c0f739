"""Commands for trade tables: check one (flows), import Comtrade or BACI files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from simulator.cli.common import friendly, plural
from simulator.data.columns import is_estimate
from simulator.units import pct, usd

if TYPE_CHECKING:
    import pandas as pd


@click.command()
@click.argument("table", type=click.Path(path_type=Path), required=False)
@friendly
def flows(table: Path | None) -> None:
    """Check a trade-flow table and summarise it by direction (default: the bundled table).

    \b
    Example:
      tariffsim flows my_flows.csv
    """
    from simulator.data.load import load_flows  # pandas only when a command computes
    from simulator.data.partners import name_of

    frame = load_flows(table)
    for line in _summary(frame, name_of):
        click.echo(line)


FLOWS_LISTED = 10  # partners listed by name under an importer with many


def _summary(frame: pd.DataFrame, name_of: Callable[[str], str]) -> list[str]:
    """Per importer: its lines, categories and value; with many partners, the largest by name, then
    the table's sources (which lines are statistics and which estimates)."""
    out = []
    stats = {"lines": ("hs", "size"), "categories": ("category", "nunique"), "value_usd": ("value_usd", "sum")}
    for importer, part in frame.groupby("importer", observed=True, sort=True):
        by_partner = part.groupby("exporter", observed=True).agg(**stats).sort_values("value_usd", ascending=False)
        lines, cats, value = len(part), part["category"].nunique(), float(part["value_usd"].sum())
        if len(by_partner) == 1:
            out.append(
                f"{importer} from {by_partner.index[0]}: {plural(lines, 'line')}, {plural(cats, 'category')}, {usd(value)}"
            )
        else:
            out.append(
                f"{importer} from {len(by_partner)} partners: {plural(lines, 'line')}, {plural(cats, 'category')}, {usd(value)}"
            )
            for code, row in by_partner.head(FLOWS_LISTED).iterrows():
                share = float(row["value_usd"]) / value if value else 0.0
                out.append(
                    f"  {code} {name_of(str(code))}: {plural(int(row['lines']), 'line')}, {usd(float(row['value_usd']))} ({pct(share)})"
                )
            if len(by_partner) > FLOWS_LISTED:
                rest = by_partner.iloc[FLOWS_LISTED:]
                out.append(f"  {len(rest)} other partners: {usd(float(rest['value_usd'].sum()))}")
        if "source" in part.columns:
            sources = (
                part.groupby("source", observed=True)["value_usd"]
                .agg(["size", "sum"])
                .sort_values("sum", ascending=False)
            )
            listed = "; ".join(
                f"{name} {plural(int(r['size']), 'line')} {usd(float(r['sum']))}" for name, r in sources.iterrows()
            )
            out.append(f"  sources: {listed}")
            estimated = float(sources[[is_estimate(n) for n in sources.index]]["sum"].sum())
            if estimated > 0:
                out.append(
                    f"  estimated: {pct(estimated / value)} of the value ({usd(estimated)}) rests on estimated "
                    "lines; results say so beside every figure that uses them"
                )
    return out


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
