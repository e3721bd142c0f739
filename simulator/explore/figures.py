"""The explorer's headline figures: each with its exact value for tests, and the words beside them."""

from __future__ import annotations

from shiny import ui

from simulator.data.statutory import base_label
from simulator.engine.evaluate import Result
from simulator.output.result import estimate_line
from simulator.units import pct, usd

FIGURES = (
    ("effective_rate", "Effective rate", pct),
    ("effective_rate_without_exemptions", "Without exemptions", pct),
    ("duty_usd", "Duty", usd),
    ("exempted_value_usd", "Exempted value", usd),
    ("duty_relief_usd", "Duty relief", usd),
)


def diversion_line(result: Result) -> str:
    """With a trade response: how far imports moved, and with substitution, what moved between partners."""
    t = result.totals
    if "trade_change_usd" not in t:
        return ""
    out = f"imports {usd(t['baseline_import_value_usd'])} to {usd(t['import_value_usd'])}"
    if "trade_diversion_usd" in t:
        frame = result.by_partner.sort_values("trade_diversion_usd")
        moved = result.diverted
        lost, won = frame.iloc[0], frame.iloc[-1]
        out += (
            f"; diversion moves {usd(moved)} between partners (most from {lost['partner_name']}, "
            f"{usd(lost['trade_diversion_usd'])}; most to {won['partner_name']}, +{usd(won['trade_diversion_usd'])})"
        )
    return out


def figure_cards(result: Result, pinned: Result | None) -> ui.Tag:
    """The headline figures; each carries its exact value in data-value, so a test can check it."""
    cards = []
    for key, label, fmt in FIGURES:
        value = result.totals[key]
        delta = ""
        if pinned is not None:
            diff = value - pinned.totals[key]
            sign = "+" if diff >= 0 else "−"
            delta = (
                f"{sign}{fmt(abs(diff))} vs pinned"
                if key.endswith("usd")
                else f"{sign}{abs(diff) * 100:.1f} pts vs pinned"
            )
        cards.append(
            ui.div(
                ui.div(label, class_="label"),
                ui.div(fmt(value), class_="value", id=f"fig-{key}", data_value=repr(value)),
                ui.div(delta, class_="delta"),
                class_="figure",
            )
        )
    when = f" on {result.date:%d %b %Y}" if result.date else ""
    line, s = estimate_line(result, with_range=True), result.scenario
    base = base_label(s.base, s.importer, str(s.trade or ""))  # no trade: the bundled table
    return ui.div(
        ui.p(f"{s.name} ({s.label}{when}; base: {base})", class_="scenario-line"),
        ui.div(*cards, class_="figures"),
        ui.p(f"Estimates: {line}.", class_="estimates", id="estimates") if line else ui.TagList(),
        ui.p(f"Trade response: {moved}.", class_="scenario-line", id="diversion")
        if (moved := diversion_line(result))
        else ui.TagList(),
    )
