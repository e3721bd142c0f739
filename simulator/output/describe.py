"""Each chart said in words, from the same numbers: alt text for the report's images.

A screen-reader user, or anyone whose images did not load, gets what the chart shows, not its name.
"""

from __future__ import annotations

from collections.abc import Callable

from simulator.analysis.compare import Comparison
from simulator.engine.evaluate import BASE_LAYER, Result
from simulator.units import pct, usd


def _relief(r: Result) -> str:
    t = r.totals
    return (
        f"Two bars of annual duty: {usd(t['duty_without_exemptions_usd'])} "
        f"({pct(t['effective_rate_without_exemptions'])}) without the exemptions, {usd(t['duty_usd'])} "
        f"({pct(t['effective_rate'])}) with them; the exemptions waive {usd(t['duty_relief_usd'])} a year."
    )


def _effective_rate(r: Result) -> str:
    cats = r.by_category
    top = cats.sort_values("effective_rate", ascending=False).iloc[0]
    said = (
        f"Effective tariff rate of {len(cats)} categories, {pct(r.totals['effective_rate'])} overall; "
        f"highest {top['category']} at {pct(top['effective_rate'])}."
    )
    cut = cats.assign(cut=cats["effective_rate_without_exemptions"] - cats["effective_rate"])
    cut = cut[cut["cut"] > 1e-9].sort_values("cut", ascending=False).head(3)
    if len(cut):
        said += " The exemptions lower most: " + "; ".join(
            f"{c['category']} from {pct(c['effective_rate_without_exemptions'])} to {pct(c['effective_rate'])}"
            for _, c in cut.iterrows()
        )
        said += "."
    return said


def _exempted_value(r: Result) -> str:
    t = r.totals
    most = r.by_category.sort_values("exempted_value_usd", ascending=False).head(3)
    most = most[most["exempted_value_usd"] > 0]
    said = f"Import value by category, split into exempted and dutiable: {usd(t['exempted_value_usd'])} of {usd(t['import_value_usd'])} exempted"
    if len(most):
        said += ", most in " + "; ".join(f"{c['category']} {usd(c['exempted_value_usd'])}" for _, c in most.iterrows())
    return said + "."


def _duty_by_layer(r: Result) -> str:
    layers = r.duty_by_category_layer.sum(axis=0)
    parts = "; ".join(
        f"{'base rate' if name == BASE_LAYER else name} {usd(float(v))}" for name, v in layers.items() if v > 0
    )
    top = r.duty_by_category_layer.sum(axis=1).sort_values(ascending=False)
    return (
        f"Duty by category, stacked by layer, {usd(r.totals['duty_usd'])} in all: {parts}. "
        f"Most duty: {top.index[0]} {usd(float(top.iloc[0]))}."
    )


def _timeline(r: Result) -> str:
    steps = ", ".join(f"{row['date']:%d %b} {pct(row['effective_rate'])}" for _, row in r.timeline.iterrows())
    lo, hi = r.timeline["exempted_value_usd"].min(), r.timeline["exempted_value_usd"].max()
    return f"Effective rate from each change date: {steps}. Exempted value between {usd(lo)} and {usd(hi)}."


def _partner_rates(r: Result) -> str:
    p = r.by_partner
    top = p.head(5)
    listed = "; ".join(
        f"{row['partner_name']} {pct(row['effective_rate'])} on {usd(row['import_value_usd'])}"
        for _, row in top.iterrows()
    )
    high = p[p["import_value_usd"] > 0].sort_values("effective_rate", ascending=False).iloc[0]
    return (
        f"Effective tariff rate by partner, {len(p)} partners, {pct(r.totals['effective_rate'])} overall. "
        f"Largest partners: {listed}. Highest rate: {high['partner_name']} at {pct(high['effective_rate'])}."
    )


def _diversion(r: Result) -> str:
    p = r.by_partner.sort_values("trade_diversion_usd")
    losers = "; ".join(
        f"{x['partner_name']} {usd(x['trade_diversion_usd'])}"
        for _, x in p.head(3).iterrows()
        if x["trade_diversion_usd"] < 0
    )
    gainers = "; ".join(
        f"{x['partner_name']} +{usd(x['trade_diversion_usd'])}"
        for _, x in p.iloc[::-1].head(5).iterrows()
        if x["trade_diversion_usd"] > 0
    )
    return (
        f"Trade diverted between partners by their relative tariffs: {usd(r.diverted)} "
        f"a year moves. Losing most: {losers or 'none'}. Gaining most: {gainers or 'none'}. Diversion sums to zero; "
        f"the total change in imports, {usd(r.totals['trade_change_usd'])}, is all creation."
    )


RESULT_TEXT: dict[str, Callable[[Result], str]] = {
    "diversion": _diversion,
    "partner_rates": _partner_rates,
    "relief": _relief,
    "effective_rate": _effective_rate,
    "exempted_value": _exempted_value,
    "duty_by_layer": _duty_by_layer,
    "timeline": _timeline,
}


def describe(name: str, result: Result) -> str:
    """The chart `name` of `result` in a sentence or three."""
    return RESULT_TEXT[name](result)


def describe_comparison(name: str, c: Comparison) -> str:
    first = c.results[0].totals["duty_usd"]
    if name == "compare_duty":
        return "Annual duty: " + "; ".join(
            f"[{i + 1}] {r.scenario.name} {usd(r.totals['duty_usd'])} ({pct(r.totals['effective_rate'])}"
            + (
                f", {'+' if r.totals['duty_usd'] >= first else '-'}{usd(abs(r.totals['duty_usd'] - first))} vs [1])"
                if i
                else ")"
            )
            for i, r in enumerate(c.results)
        )
    if name == "compare_rates":
        spread = (c.rates.max(axis=1) - c.rates.min(axis=1)).sort_values(ascending=False).head(3)
        said = "Effective rate by category, one bar per scenario. Largest differences: " + "; ".join(
            f"{cat}: " + ", ".join(f"[{i + 1}] {pct(float(c.rates.loc[cat].iloc[i]))}" for i in range(len(c.labels)))
            for cat in spread.index
        )
        return said + "."
    parted = [
        f"[{i + 2}] parts from [1] on {d:%d %b %Y}" for i, lab in enumerate(c.labels[1:]) if (d := c.parting.get(lab))
    ]
    last = c.timeline[c.timeline["date"] == c.timeline["date"].max()]
    ends = ", ".join(f"[{i + 1}] {pct(float(v))}" for i, v in enumerate(last["effective_rate"]))
    return (
        "Effective rate along each path, as steps at the change dates; "
        + ("; ".join(parted) + "; " if parted else "")
        + f"at the last date: {ends}."
    )
