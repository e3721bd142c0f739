"""Render sweeps, uncertainty draws and rankings: tables for people, JSON and CSV for programs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from simulator.analysis.draws import REPORTED, Draws
from simulator.analysis.rank import Ranking
from simulator.analysis.sweep import peak
from simulator.output.formats import csv_text, grid, records
from simulator.units import pct, usd

LABELS = {
    "effective_rate": "Effective rate",
    "duty_usd": "Duty",
    "exempted_value_usd": "Exempted value",
    "duty_relief_usd": "Duty relief",
    "import_value_usd": "Import value",
}
MAX_TABLE_ROWS = 21


def _money_or_rate(key: str, x: float) -> str:
    return pct(x) if "rate" in key or "share" in key else usd(x)


# --- sweeps -------------------------------------------------------------------------------------


def sweep_table(table: pd.DataFrame, title: str, layer: str, swept: str = "rate") -> str:
    top = peak(table)
    scaled = swept == "scale"
    of = " of the listed rates" if scaled else ""
    responds = "baseline_import_value_usd" in table
    every = max(1, -(-len(table) // MAX_TABLE_ROWS))
    shown = table.iloc[::every]
    if top.name not in shown.index:
        shown = pd.concat([shown, table.loc[[top.name]]]).sort_values("rate")
    header = [f"{layer} {swept}", "Eff. rate", "Duty", "Imports", "Exempted", ""]
    rows = [
        [
            pct(r.rate),
            pct(r.effective_rate),
            usd(r.duty_usd),
            usd(r.import_value_usd),
            usd(r.exempted_value_usd),
            "<- most duty" if i == top.name else "",
        ]
        for i, r in shown.iterrows()
    ]
    note = (
        "imports respond to the rate (trade response on)"
        if responds
        else "static: imports do not respond to the rate, so duty only rises; add a response: block to see it peak"
    )
    out = [
        title,
        (
            f"Sweep of layer {layer}'s table rates, scaled in {len(table)} steps from {pct(table['rate'].iloc[0])} to "
            f"{pct(table['rate'].iloc[-1])} of the rates listed (100% = as listed); {note}"
            if scaled
            else f"Sweep of layer {layer}: {len(table)} steps from {pct(table['rate'].iloc[0])} to "
            f"{pct(table['rate'].iloc[-1])}; {note}"
        ),
        "",
    ]
    out += grid(header, rows)
    out += [
        "",
        f"Most duty: {usd(top['duty_usd'])} at {pct(top['rate'])}{of} ({usd(top['import_value_usd'])} of imports left).",
    ]
    return "\n".join(out) + "\n"


def render_sweep(table: pd.DataFrame, fmt: str, title: str, layer: str, swept: str = "rate") -> str:
    """`swept` is "rate", or "scale" for a layer with a rate table (see analysis.sweep.swept)."""
    if fmt == "json":
        return (
            json.dumps(
                {
                    "scenario": title,
                    "layer": layer,
                    "swept": swept,
                    f"peak_{swept}": float(peak(table)["rate"]),
                    "steps": records(table.rename(columns={"rate": swept})),
                },
                indent=2,
            )
            + "\n"
        )
    if fmt == "csv":
        return csv_text(table.rename(columns={"rate": swept}))
    text = sweep_table(table, title, layer, swept)
    return "```\n" + text + "```\n" if fmt == "markdown" else text


# --- uncertainty draws ---------------------------------------------------------------------------


def draws_dict(draws: Draws) -> dict[str, Any]:
    p = draws.percentiles().to_dict(orient="index")
    granted = {name: float(draws.samples[f"granted:{name}"].mean()) for name in draws.uncertain}
    return {
        "draws": len(draws.samples),
        "seed": draws.seed,
        "uncertain_exemptions": [
            {"name": x.name, "probability": x.probability, "granted_share": granted[x.name]}
            for x in draws.scenario.exemptions
            if x.name in granted
        ],
        "percentiles": {k: {str(c): float(v) for c, v in p[k].items()} for k in REPORTED},
    }


def draws_table(draws: Draws) -> str:
    p = draws.percentiles().to_dict(orient="index")
    n = len(draws.samples)
    out = [f"Uncertain exemptions: {n:,} draws, seed {draws.seed}"]
    if not draws.uncertain:
        out.append("  no exemption has a probability below 100%, so every draw is the plain run")
    for x in draws.scenario.exemptions:
        if x.name in draws.uncertain:
            share = draws.samples[f"granted:{x.name}"].mean()
            out.append(f"  {x.name}: probability {pct(x.probability)}, granted in {pct(share)} of draws")
    rows = [[LABELS[k], *[_money_or_rate(k, float(p[k][c])) for c in ("p5", "p50", "p95", "mean")]] for k in REPORTED]
    return "\n".join([*out, "", *grid(["", "5th pct", "median", "95th pct", "mean"], rows)]) + "\n"


# --- rankings ------------------------------------------------------------------------------------


def ranking_dict(r: Ranking, top: int) -> dict[str, Any]:
    return {
        "scenario": r.scenario.name,
        "date": r.date.isoformat() if r.date else None,
        "total_relief_usd": r.total_relief,
        "exemptions": records(r.exemptions),
        "candidates": records(r.candidates.head(top)),
    }


def ranking_table(r: Ranking, top: int) -> str:
    when = f"rates of {r.date.isoformat()}" if r.date else "constant rates"
    out = [
        r.scenario.name,
        f"{r.scenario.label}, {when}; all exemptions together bring {usd(r.total_relief)} of duty relief",
        "",
    ]
    estimates = bool(len(r.exemptions)) and float(r.exemptions["matched_estimated_share"].max()) > 0
    estimates |= bool(len(r.candidates)) and float(r.candidates["estimated_share"].max()) > 0
    if len(r.exemptions):
        rows = [
            [
                str(x["exemption"]),
                usd(x["matched_value_usd"]),
                usd(x["alone_relief_usd"]),
                pct(x["share_of_relief"]),
                usd(x["dropping_costs_usd"]),
                *([pct(x["matched_estimated_share"])] if estimates else []),
            ]
            for x in records(r.exemptions)
        ]
        header = ["Exemption", "Matches", "Alone", "of all relief", "Dropping it costs"]
        out += ["What each exemption is worth", *grid(header + (["Estimated"] if estimates else []), rows)]
        out += ["  Alone: relief if only it were granted. Dropping it costs: extra duty if only it were withdrawn."]
        summed = float(r.exemptions["share_of_relief"].sum())
        if summed > 1.005:
            out += [
                f"  'of all relief' is Alone ÷ the relief of all exemptions together. It sums to {pct(summed)}, not 100%:",
                "  exemptions overlap (a line matched by two counts in both Alone figures, but is waived once together).",
            ]
        out += [""]
    candidates = [
        [str(x["category"]), usd(x["import_value_usd"]), pct(x["exempted_share"]), usd(x["relief_if_exempted_usd"])]
        + ([pct(x["estimated_share"])] if estimates else [])
        for x in records(r.candidates.head(top))
    ]
    out += [f"Next candidates: categories whose full exemption would bring the most extra relief (top {top})"]
    out += (
        grid(["Category", "Imports", "Exempt now", "Extra relief"] + (["Estimated"] if estimates else []), candidates)
        if candidates
        else ["  none: every category is already exempt"]
    )
    if estimates:
        out += [
            "  Estimated: the share of the value on estimated lines (chapter totals split by older shares);",
            "  `tariffsim explain` gives the range their chapters' real totals allow.",
        ]
    return "\n".join(out) + "\n"


def render_ranking(r: Ranking, fmt: str, top: int) -> str:
    if fmt == "json":
        return json.dumps(ranking_dict(r, top), indent=2) + "\n"
    if fmt == "csv":
        return csv_text(r.exemptions)
    text = ranking_table(r, top)
    return "```\n" + text + "```\n" if fmt == "markdown" else text


RENDER: dict[str, Callable[..., str]] = {"sweep": render_sweep, "rank": render_ranking}
