"""Say in plain words what a scenario does to a table: for teaching, and for checking a list.

Most mistakes in scenario files are selectors that match something other than what was meant, so
every rule is reported with the lines and value it actually matches.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from simulator.data.partners import groups, name_of
from simulator.engine.evaluate import date_for, rates_at
from simulator.engine.prepare import Prepared, prepare
from simulator.errors import SimulatorError
from simulator.scenario.load import load_scenario
from simulator.scenario.model import Exemption, Layer, RateTable, Scenario, Schedule, Selector
from simulator.units import pct, usd

TOP_LINES = 5


def describe_schedule(schedule: Schedule) -> str:
    """A rate or share in words.

    >>> describe_schedule(Schedule.constant(1.25))
    '125%'
    >>> from datetime import date
    >>> describe_schedule(Schedule(((date(2025, 4, 10), 0.84), (date(2025, 4, 12), 1.25))))
    '0% until 2025-04-09, 84% from 2025-04-10, 125% from 2025-04-12'
    """
    if not schedule.is_dated:
        return _p(schedule.steps[0][1])
    first = schedule.steps[0][0]
    assert first is not None
    parts = [f"0% until {date.fromordinal(first.toordinal() - 1).isoformat()}"]
    parts += [f"{_p(v)} from {d.isoformat()}" for d, v in schedule.steps if d is not None]
    return ", ".join(parts)


def describe_selector(sel: Selector) -> str:
    """A selector in words.

    >>> describe_selector(Selector(categories=("Soybeans",), hs=("8542",), except_hs=("854232",)))
    "category 'Soybeans' or HS 8542, except HS 854232"
    """
    if sel.covers_all:
        what = "every line"
    else:
        bits = []
        if sel.categories:
            bits.append(_named("category", "categories", sel.categories, quote=True))
        own = sel.hs[: len(sel.hs) - sel.listed] if sel.hs_lists else sel.hs
        if own:
            bits.append("HS " + ", ".join(own))
        if sel.hs_lists:
            bits.append(f"the {sel.listed} HS code{'s' if sel.listed != 1 else ''} of {', '.join(sel.hs_lists)}")
        what = " or ".join(bits)
    excepts = []
    if sel.except_categories:
        excepts.append(_named("category", "categories", sel.except_categories, quote=True))
    if sel.except_hs:
        excepts.append("HS " + ", ".join(sel.except_hs))
    who = f" from {_partners(sel.partners)}" if sel.partners else ""
    if sel.except_partners:
        excepts.append(f"from {_partners(sel.except_partners)}")
    return what + who + (", except " + " or ".join(excepts) if excepts else "")


def _partners(entries: tuple[str, ...]) -> str:
    """Codes and groups, the groups with their members: 'USMCA (CAN, MEX), JPN'."""
    table = groups()
    return ", ".join(f"{e} ({', '.join(table[e])})" if e in table and len(table[e]) <= 6 else e for e in entries)


def describe_table(table: RateTable, what: str) -> str:
    """A rate or share table in words: its rows, and what its optional columns do."""
    extra = []
    if table.partners:
        named = sorted({p for p in table.partners if p})
        extra.append(f"{len(named)} partner{'s' if len(named) != 1 else ''} named, their rows before general ones")
    if table.shares:
        extra.append("dutiable shares of value")
    if table.all_in:
        extra.append(f"{sum(table.all_in)} all-in row{'s' if sum(table.all_in) != 1 else ''}")
    more = f"; {'; '.join(extra)}" if extra else ""
    return f"{what} by HS code from {Path(table.source).name} ({len(table.rows)} rows, longest prefix wins{more})"


def explain(scenario: Scenario, when: date | str | None = None) -> str:
    """The whole explanation as text."""
    prepared = prepare(scenario, reduce=False)  # it counts the table's lines
    when = date_for(scenario, when)
    flows = prepared.flows
    total_value = float(prepared.value.sum())
    out = [
        f"{scenario.name}",
        f"{scenario.importer} levies duties on imports from {scenario.exporter or 'every exporter'}.",
    ]
    out.append(
        f"Trade table: {prepared.source.rsplit('/', 1)[-1]}: {len(flows)} lines of this direction, {usd(total_value)} a year."
    )
    out += ["", *_inheritance(scenario)] if scenario.extends else []

    out += ["", "Layers (added to each line's base rate, which is never waived)"]
    if not scenario.layers:
        out.append("  none: only the base rates apply")
    rates_now = prepared.rates(rates_at(scenario, when), when)
    before_now, subject_now = prepared.unstacked(rates_at(scenario, when), when)  # before the stacking rules
    for i, layer in enumerate(scenario.layers):
        rows = prepared.cover[:, i]
        if layer.table is not None:
            out.append(f"  {layer.name}: {describe_table(layer.table, 'rates')} on {describe_selector(layer.selector)}")
            rows = rows & (before_now[:, i] > 0)
            on = f" on {when.isoformat()}" if when else ""
            out.append(
                f"    in force{on} on {_matched(prepared, rows, total_value)}, {_weighted(prepared, rates_now[:, i], rows)}"
            )
        else:
            out.append(
                f"  {layer.name}: {describe_schedule(layer.rate)}{_on(layer.rate, when)} on {describe_selector(layer.selector)}"
            )
            out.append(f"    matches {_matched(prepared, rows, total_value)}")
        out += [f"    {line}" for line in _by_partner(prepared, rows)]
        if layer.description:
            out.append(f"    note: {' '.join(layer.description.split())}")

    out += ["", "Exemptions (the largest share among those matching a line applies, per layer)"]
    if not scenario.exemptions:
        out.append("  none")
    for e, ex in enumerate(scenario.exemptions):
        rows = prepared.match[:, e]
        waived = ", ".join(ex.layers) if ex.layers else "every layer"
        share = describe_schedule(ex.share) + _on(ex.share, when)
        likely = f"; probability {pct(ex.probability)}" if ex.probability < 1 else ""
        out.append(f"  {ex.name}: waives {share} of {waived} on {describe_selector(ex.selector)}{likely}")
        if ex.share_table is not None:
            out.append(
                f"    times each line's share: {describe_table(ex.share_table, 'shares')}; 0 where no row matches"
            )
        out.append(f"    matches {_matched(prepared, rows, total_value)}")
        if prepared.match_scale is not None and ex.share_table is not None:
            scaled = float((prepared.value * prepared.match_scale.column(e))[rows].sum())
            out.append(
                f"    of which its share table exempts up to {usd(scaled)} ({ex.share.max():.0%} of that at most)"
            )
        out += [f"    {line}" for line in _by_partner(prepared, rows)]
        out += [f"      {line}" for line in _top_lines(prepared, rows)]
        covered = (prepared.cover[rows][:, prepared.waives[e]]).any()
        if rows.any() and not covered:
            out.append("    ! none of its lines is covered by a layer it waives: it exempts nothing")
        if ex.description:
            out.append(f"    note: {' '.join(ex.description.split())}")

    if scenario.stacking:
        on = f" on {when.isoformat()}" if when else ""
        out += ["", f"Stacking (how layers combine where they meet){on}"]
        before = before_now
        subject_to = before > 0 if subject_now is None else subject_now
        index = {x.name: j for j, x in enumerate(scenario.layers)}
        for rule in scenario.stacking:
            cols = [index[o] for o in rule.others]
            if rule.kind == "yields_to":
                bites = (before[:, index[rule.layer]] > 0) & subject_to[:, cols].any(axis=1)
            else:
                bites = (before[:, cols] > 0).sum(axis=1) >= 2
            out.append(f"  {rule.sentence()}")
            out.append(f"    applies to {_matched(prepared, bites, total_value)}")
            if rule.description:
                out.append(f"    note: {' '.join(rule.description.split())}")
    if scenario.response is not None:
        r = scenario.response
        out += ["", "Trade response (imports fall as the tariff rises; see simulator/response.py)"]
        default = (
            f"elasticity {r.elasticity:g} on every line"
            if r.elasticity is not None
            else ("elasticity from the table's elasticity column, else the default")
        )
        out.append(f"  {default}" + "".join(f"; {cat}: {value:g}" for cat, value in r.categories))
    overlaps = _overlaps(scenario, prepared)
    if overlaps:
        out += ["", "Overlapping exemptions (on shared lines the largest share wins; they never add up)"]
        out += [f"  {line}" for line in overlaps]
    if prepared.warnings:
        out += ["", "Warnings", *[f"  ! {w}" for w in prepared.warnings]]
    return "\n".join(out) + "\n"


def _weighted(prepared: Prepared, rate: np.ndarray, keys: np.ndarray) -> str:
    """The trade-weighted rate over the keys where a table layer is in force (after stacking)."""
    value = prepared.value[keys]
    if not value.sum():
        return "no trade"
    return f"trade-weighted rate {pct(float((rate[keys] * value).sum() / value.sum()))} after stacking"


def _matched(prepared: Prepared, keys: np.ndarray, total: float) -> str:
    lines = int(np.bincount(prepared.row_key, minlength=len(keys))[keys].sum())
    value = float(prepared.value[keys].sum())
    share = value / total if total else 0.0
    estimated = float(prepared.estimated[keys].sum()) if prepared.estimated is not None else 0.0
    said = f", {pct(estimated / value)} of it on estimated lines" if estimated > 0 and value > 0 else ""
    groups = prepared.estimate_groups
    if said and groups is not None:  # what the same chapter totals allow the matched lines to hold
        moved, low, high = groups.bounds(keys[groups.key].astype(float))
        if high - low > 0.5:
            said += f"; any split of their chapters' real totals allows {usd(value - moved + low)} to {usd(value - moved + high)}"
    return f"{lines} line{'s' if lines != 1 else ''}, {usd(value)} ({pct(share)} of imports{said})"


PARTNERS_LISTED = 6


def _by_partner(prepared: Prepared, keys: np.ndarray) -> list[str]:
    """With several partners: the value a rule matches from each of the largest, then the rest."""
    if len(prepared.partners) < 2 or not keys.any():
        return []
    if prepared.cells is not None:  # the partner is not part of the key: the key's value by partner
        cells = prepared.cells
        weights = cells.value * keys[cells.key]
        value = np.bincount(cells.partner, weights=weights, minlength=len(prepared.partners))
    else:
        value = np.bincount(prepared.key_partner[keys], weights=prepared.value[keys], minlength=len(prepared.partners))
    order = [i for i in np.argsort(-value, kind="stable") if value[i] > 0]
    listed = ", ".join(f"{name_of(prepared.partners[i])} {usd(float(value[i]))}" for i in order[:PARTNERS_LISTED])
    rest = order[PARTNERS_LISTED:]
    more = f", {len(rest)} other partners {usd(float(value[rest].sum()))}" if rest else ""
    return [f"from {len(order)} partner{'s' if len(order) != 1 else ''}: {listed}{more}"]


def _top_lines(prepared: Prepared, keys: np.ndarray) -> list[str]:
    rows = prepared.flows[keys[prepared.row_key]]
    if rows.empty:
        return []
    top = rows.sort_values("value_usd", ascending=False).head(TOP_LINES)
    several = len(prepared.partners) > 1
    out = [
        (
            f"{r.hs} {getattr(r, 'description', '') or ''} ({r.category})"
            + (f" from {r.exporter}" if several else "")
            + f" {usd(float(r.value_usd))}"
        ).replace("  ", " ")
        for r in top.itertuples()
    ]
    if len(rows) > TOP_LINES:
        out.append(f"... and {len(rows) - TOP_LINES} more")
    return out


def _overlaps(scenario: Scenario, prepared: Prepared) -> list[str]:
    out = []
    ex = scenario.exemptions
    for a in range(len(ex)):
        for b in range(a + 1, len(ex)):
            both = prepared.match[:, a] & prepared.match[:, b]
            shared_layers = (prepared.waives[a] & prepared.waives[b]).any()
            if both.any() and shared_layers:
                out.append(
                    f"{ex[a].name} and {ex[b].name} both match {_matched(prepared, both, float(prepared.value.sum()))}"
                )
    return out


def _inheritance(scenario: Scenario) -> list[str]:
    parent_path = scenario.extends[0]
    out = [
        f"Extends {parent_path.name}"
        + (f" (and through it {', '.join(p.name for p in scenario.extends[1:])})" if len(scenario.extends) > 1 else "")
    ]
    try:
        parent = load_scenario(parent_path)
    except SimulatorError:
        return [*out, "  (the parent is not a complete scenario on its own, so changes are not listed)"]
    for kind, mine, theirs in (
        ("layer", scenario.layers, parent.layers),
        ("exemption", scenario.exemptions, parent.exemptions),
    ):
        old = {x.name: x for x in theirs}
        for item in mine:
            if item.name not in old:
                out.append(f"  adds {kind} {item.name}")
            elif _bare(item) != _bare(old[item.name]):
                out.append(f"  replaces {kind} {item.name}")
    out += [f"  removes {name}" for name in scenario.removed]
    if len(out) == 1:
        out.append("  changes nothing but the name and description")
    return out


def _bare(item: Layer | Exemption) -> Layer | Exemption:
    """The rule without where it was written, so inherited and restated rules compare equal."""
    return replace(item, where="", selector=replace(item.selector, where=""))


def _named(one: str, many: str, names: tuple[str, ...], *, quote: bool) -> str:
    shown = [f"'{n}'" if quote else n for n in names]
    return f"{one if len(names) == 1 else many} {', '.join(shown)}"


def _on(schedule: Schedule, when: date | None) -> str:
    return f" (on {when.isoformat()}: {_p(schedule.at(when))})" if schedule.is_dated and when is not None else ""


def _p(x: float) -> str:
    return f"{x * 100:g}%"
