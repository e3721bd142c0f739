"""The duty engine: pure functions from (scenario, trade flows, date) to a Result.

For a trade line with value V and base rate b, layers l with rates r_l covering it, and
exemptions e matching it with shares s_e:

    duty = V * (b + sum_l r_l * (1 - S_l)),   S_l = max over e waiving l of s_e

The largest share wins: overlapping exemptions never add up beyond 100%. The base rate is never
waived. Exempted value = V * max over layers in force (r_l > 0) covering the line of S_l.

Rules are resolved once per distinct (HS code, category, partner) key into small boolean matrices;
everything per row is a gather or a weighted bincount, so cost is linear in rows and nearly
flat in the number of selectors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

import numpy as np
import pandas as pd

from simulator.data.partners import name_of
from simulator.engine.allocation import estimate_notes, range_notes, ranges
from simulator.engine.parallel import remember
from simulator.engine.partners import reaches
from simulator.engine.prepare import Cells, Prepared, prepare
from simulator.engine.rates import in_play, over_layers
from simulator.engine.respond import responded_keys, responded_terms, shifts, summed_terms
from simulator.errors import FlowsError, Problem
from simulator.scenario.model import Scenario
from simulator.scenario.scalars import as_date

TOTAL_KEYS = (
    "import_value_usd",
    "duty_usd",
    "effective_rate",
    "exempted_value_usd",
    "exempted_share",
    "duty_relief_usd",
    "base_duty_usd",
    "duty_without_exemptions_usd",
    "effective_rate_without_exemptions",
    "estimated_share",
)
LAYER_KEYS = ("duty_usd", "exempted_value_usd", "duty_relief_usd")
BASE_LAYER = "base_rate"


@dataclass(frozen=True)
class Result:
    """What a scenario does at one date; numbers in USD and fractions."""

    scenario: Scenario
    date: date | None
    totals: dict[str, float]
    by_category: pd.DataFrame
    by_layer: pd.DataFrame
    duty_by_category_layer: pd.DataFrame
    timeline: pd.DataFrame
    warnings: tuple[str, ...] = ()
    source: str = ""
    timeline_start: dict[str, float] = field(default_factory=dict)  # totals the day before the first change
    notes: tuple[str, ...] = ()  # what the data cannot tell, said beside the figures
    partner_count: int = 1
    # builds by_partner on first use: spread over partners, it can cost more than the run that asked
    partner_table: Callable[[], pd.DataFrame] = field(default=pd.DataFrame, repr=False, compare=False)
    # trade diverted from whom to whom, with substitution between partners (engine.respond.shifts)
    shift_table: Callable[[], pd.DataFrame] = field(default=pd.DataFrame, repr=False, compare=False)
    # (low, high) of totals over every split of the estimated lines' real totals (engine.allocation)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def partners(self) -> int:
        return self.partner_count

    @cached_property
    def shifts(self) -> pd.DataFrame:
        return self.shift_table()

    @property
    def diverted(self) -> float:
        """Trade moved between partners by diversion: what the partners that gain by it gain (0 without)."""
        if "trade_diversion_usd" not in self.totals:
            return 0.0
        return float(self.by_partner["trade_diversion_usd"].clip(lower=0).sum())

    @cached_property
    def by_partner(self) -> pd.DataFrame:
        """The keys of by_category, per exporter, with `partner` (code) and `partner_name`."""
        return self.partner_table()

    def largest_partners(self, top: int) -> pd.DataFrame:
        """The `top` largest partners by import value, then the others as one row (partner ''), their
        sums added and their rates recomputed from the sums."""
        frame = self.by_partner
        if len(frame) <= top:
            return frame
        rest = frame.iloc[top:]
        sums = [np.asarray(rest[k].sum()) for k in ("import_value_usd", "base_duty_usd", "duty_usd")]
        sums += [np.asarray(rest[k].sum()) for k in ("duty_without_exemptions_usd", "exempted_value_usd")]
        responds = "baseline_import_value_usd" in rest
        extra = (
            [np.asarray(rest[k].sum()) for k in ("baseline_import_value_usd", "import_value_without_exemptions_usd")]
            if responds
            else []
        )
        other: dict[str, object] = {"partner": "", "partner_name": f"{len(rest)} other partners"}
        table_value = rest["baseline_import_value_usd"] if extra else rest["import_value_usd"]
        estimated = np.asarray((rest["estimated_share"] * table_value).sum())
        other |= {k: float(v) for k, v in summarize(*sums, *extra, estimated=estimated).items()}
        return pd.concat([frame.head(top), pd.DataFrame([other])], ignore_index=True)


def simulate(
    scenario: Scenario, flows: pd.DataFrame | None = None, date: date | str | None = None, *, year: int | None = None
) -> Result:
    """Apply a scenario to a trade-flow table at a date.

    `flows` defaults to the scenario's `trade:` table or the bundled one. `date` defaults to the
    last date on which anything changes (None for an undated scenario). The timeline holds the
    totals at every change date. `year` picks one year of a table that holds several.
    """
    prepared = prepare(scenario, flows, year=year)
    return evaluate(prepared, date_for(scenario, date, "date"))


def estimated_total(prepared: Prepared) -> float:
    return float(prepared.estimated.sum()) if prepared.estimated is not None else 0.0


def date_for(scenario: Scenario, when: object = None, name: str = "when") -> date | None:
    """The date asked for (see as_date), else the scenario's last change date (None if undated)."""
    dates = scenario.change_dates
    return asked if (asked := as_date(when, name)) is not None else (dates[-1] if dates else None)


def rates_at(scenario: Scenario, when: date | None) -> np.ndarray:
    return np.array([x.rate.at(when) for x in scenario.layers], dtype=float)


def shares_at(scenario: Scenario, when: date | None) -> np.ndarray:
    return np.array([x.share.at(when) for x in scenario.exemptions], dtype=float)


def waived_share(prepared: Prepared, shares: np.ndarray) -> np.ndarray:
    """S[..., k, l]: the largest share among exemptions matching key k that waive layer l.

    `shares` is (E,) or batched (B, E); the result is (K, L) or (B, K, L). A path asks at every change
    date and its exemptions' shares change at few of them, so a preparation keeps what it found for
    the latest (E,) vectors of shares.
    """
    if shares.ndim == 1:
        found = prepared.waived.get(vector := shares.tobytes())
        if found is None:
            found = waived_share(prepared, shares[None, :])[0]
            found.setflags(write=False)  # shared by every date with these shares
            remember(prepared.waived, vector, found)
        return found
    out = np.zeros((*shares.shape[:-1], *prepared.cover.shape))
    # key-major matches: each key's are one run, reduced at once; cost follows the matches, not K x E
    key, ex = prepared.matched
    if len(key):
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        scale = prepared.match_scale
        scaled = shares[..., ex] * scale.of(key, ex) if scale is not None else shares[..., ex]
        granted = scaled[..., None] * prepared.waives[ex]  # (B, matches, L); shares are >= 0
        out[..., key[starts], :] = np.maximum.reduceat(granted, starts, axis=-2)
    return out


def key_arrays(
    prepared: Prepared, rates: np.ndarray, shares: np.ndarray, when: date | None = None
) -> dict[str, np.ndarray]:
    """Per-key amounts at given rates (L,) and shares (E,), with rate tables at `when`; per layer, for
    the layers in play (`live`): each key's duty, and over all keys the relief and exempted value.

    With a trade response, values (and so everything levied on them) are the responded V1; the
    counterfactual without exemptions ("gross") responds to its own, higher, rates.
    """
    r, s, live = class_rates(prepared, rates, shares, when)  # (K, live): rates after stacking, waived shares
    value, base_duty = prepared.value, prepared.base_duty
    gross_value, gross_base = value, base_duty
    created = None
    charged = r * (1 - s)
    additional = charged.sum(axis=1)
    if prepared.elasticity is not None:
        value, base_duty, created = responded_keys(prepared, additional)
        gross_value, gross_base, _ = responded_keys(prepared, r.sum(axis=1))
    waived = np.where(r > 0, s, 0.0)  # the share waived where the layer is in force
    return {
        "value": value,
        "base_duty": base_duty,
        "live": live,
        "layer_duty": value[:, None] * charged,  # (K, live)
        "layer_relief": value @ (r * s),  # (live,): what the exemptions waive, at the responded value
        "layer_exempted": value @ waived,  # (live,)
        "exempted": value * waived.max(axis=1, initial=0.0),
        "duty": base_duty + value * additional,
        "gross": gross_base + gross_value * r.sum(axis=1),
        "gross_value": gross_value,
        "additional": additional,
        **({"created": created} if created is not None and prepared.substitution is not None else {}),
    }


def class_rates(
    prepared: Prepared, rates: np.ndarray, shares: np.ndarray, when: date | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(K, live) rates after stacking and waived shares of the layers in play (`live`, indices); with a
    trade response, found once per class of keys with the same rules and gathered (the keys themselves
    cannot merge: their values respond)."""
    ruled, cls = prepared.rule_classes if prepared.responds else (prepared, None)
    r, s, live = live_rates(ruled, rates, waived_share(ruled, shares), when)
    return (r, s, live) if cls is None else (r[cls], s[cls], live)


def live_rates(
    prepared: Prepared, rates: np.ndarray, s: np.ndarray, when: date | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rates after stacking and the waived shares (..., K, live) of the layers in play at `when`
    (`live`, indices), from rates (L,) or (B, L) and waived shares (..., K, L); a layer out of play is 0
    everywhere. np.take keeps rows contiguous, where s[..., live] would lay them out column-major."""
    live = in_play(prepared.cover, prepared.tables, when, rates)
    return prepared.rates(rates, when, live), np.take(s, live, axis=-1), live


def layer_sums(
    prepared: Prepared, rates: np.ndarray, s: np.ndarray, when: date | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """over_layers of the layers in play at `when` only: the same figures on fewer columns."""
    r, s_live, _ = live_rates(prepared, rates, s, when)
    return over_layers(r, s_live)


RESPONSE_KEYS = ("baseline_import_value_usd", "trade_change_usd", "import_value_without_exemptions_usd")


def summarize(
    value: np.ndarray,
    base: np.ndarray,
    duty: np.ndarray,
    gross: np.ndarray,
    exempted: np.ndarray,
    baseline: np.ndarray | None = None,
    gross_value: np.ndarray | None = None,
    *,
    estimated: np.ndarray | None = None,
    created: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The totals keys from sums. `gross_value`: with a trade response, the imports that would flow
    without the exemptions (they respond to the higher rates too); the rate without exemptions is
    the duty without them over those imports, so a line taxed at r shows r. `estimated`: the table's
    value on lines it marks as estimates; `estimated_share` is its share of the table's value (before
    any response), the measure of how far a figure rests on estimates."""
    gross_value = value if gross_value is None else gross_value
    table_value = baseline if baseline is not None else value
    estimated = np.zeros_like(np.asarray(value, dtype=float)) if estimated is None else estimated
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(value > 0, value, np.nan)
        out = {
            "import_value_usd": value,
            "duty_usd": duty,
            "effective_rate": np.nan_to_num(duty / safe),
            "exempted_value_usd": exempted,
            "exempted_share": np.nan_to_num(exempted / safe),
            "duty_relief_usd": gross - duty,
            "base_duty_usd": base,
            "duty_without_exemptions_usd": gross,
            "effective_rate_without_exemptions": np.nan_to_num(gross / np.where(gross_value > 0, gross_value, np.nan)),
            "estimated_share": np.nan_to_num(estimated / np.where(table_value > 0, table_value, np.nan)),
        }
    if baseline is not None:  # with a trade response: what the table held, and how far trade moved
        out["baseline_import_value_usd"] = baseline
        out["trade_change_usd"] = value - baseline
        out["import_value_without_exemptions_usd"] = gross_value
    if baseline is not None and created is not None:  # trade change = creation (own price) + diversion (partners)
        out["trade_creation_usd"] = created - baseline
        out["trade_diversion_usd"] = value - created
    return out


def _reduce(
    prepared: Prepared, a: dict[str, np.ndarray], reduce: Callable[[np.ndarray], np.ndarray]
) -> dict[str, np.ndarray]:
    baseline = reduce(prepared.value) if prepared.responds else None
    return summarize(
        reduce(a["value"]),
        reduce(a["base_duty"]),
        reduce(a["duty"]),
        reduce(a["gross"]),
        reduce(a["exempted"]),
        baseline,
        reduce(a["gross_value"]) if prepared.responds else None,
        estimated=reduce(prepared.estimated) if prepared.estimated is not None else None,
        created=reduce(a["created"]) if "created" in a else None,
    )


def _by_partner(prepared: Prepared, a: dict[str, np.ndarray], cells: Cells | None) -> dict[str, np.ndarray]:
    """The totals keys per partner: summed over keys when the partner is part of the key, else spread
    from each key's rates over its (key, partner) cells (`cells` of the preparation before merging)."""
    n = len(prepared.partners)
    if cells is None:
        return _reduce(prepared, a, lambda x: np.bincount(prepared.key_partner, weights=x, minlength=n))
    cls = prepared.key_class[cells.key] if prepared.key_class is not None else cells.key
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(a["value"] > 0, a["value"], np.nan)
        added = np.nan_to_num((a["duty"] - a["base_duty"]) / value)[cls]
        gross = np.nan_to_num((a["gross"] - a["base_duty"]) / value)[cls]
        exempt = np.nan_to_num(a["exempted"] / value)[cls]

    def by(x: np.ndarray) -> np.ndarray:
        return np.bincount(cells.partner, weights=x, minlength=n)

    return summarize(
        by(cells.value),
        by(cells.base_duty),
        by(cells.base_duty + cells.value * added),
        by(cells.base_duty + cells.value * gross),
        by(cells.value * exempt),
        estimated=by(cells.estimated),
    )


def totals_at(prepared: Prepared, when: date | None) -> dict[str, float]:
    """The totals at one date (a step of the timeline): without a trade response, each key's additional
    rate, gross rate and exempted share weighted by its value, with no per-layer detail kept."""
    ruled = prepared.rule_classes[0] if prepared.responds else prepared
    rates = rates_at(prepared.scenario, when)
    return totals_of(prepared, layer_sums(ruled, rates, waived_share(ruled, shares_at(prepared.scenario, when)), when))


def totals_of(prepared: Prepared, found: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, float]:
    """The totals from each key's additional rate, gross rate and exempted share (`layer_sums`); with a
    trade response, of each class of keys with the same rules (`rule_classes`), gathered to the rows."""
    if prepared.responds:  # each line's value responds to its own rates: no per-layer arrays needed
        at = prepared.rule_classes[1][prepared.row_key]  # row -> class
        return responded_totals(prepared, responded_terms(prepared, *(x[at] for x in found)))
    additional, gross, exempt = found
    value, base = prepared.value, prepared.base_duty
    base_total = base.sum()
    out = summarize(
        value.sum(),
        base_total,
        base_total + additional @ value,
        base_total + gross @ value,
        exempt @ value,
        estimated=np.asarray(estimated_total(prepared)),
    )
    return {k: float(v) for k, v in out.items()}


def responded_totals(prepared: Prepared, terms: list[np.ndarray]) -> dict[str, float]:
    """`totals_of` with a trade response, from each row's terms (`respond.responded_terms`)."""
    sums, created = summed_terms(prepared, terms)
    out = summarize(*sums, estimated=np.asarray(estimated_total(prepared)), created=created)
    return {k: float(v) for k, v in out.items()}


def evaluate(prepared: Prepared, when: date | None, *, timeline: bool = True) -> Result:
    """The full report at one date, plus the timeline of totals at every change date.

    `timeline=False` leaves the timeline empty: the explorer shows one date and recomputes on every
    slider move, where the other dates would cost most of the time.
    """
    scenario = prepared.scenario
    prepared = prepared.alike  # keys that behave alike evaluated once (without a trade response)
    dates = scenario.change_dates if timeline else ()
    from simulator.engine.timeline import timeline_totals  # it builds on this module

    found = timeline_totals(prepared, dates)  # started, on threads
    a = key_arrays(prepared, rates_at(scenario, when), shares_at(scenario, when), when)
    n_cat = len(prepared.categories)

    def by_cat(x: np.ndarray) -> np.ndarray:
        return np.bincount(prepared.key_category, weights=x, minlength=n_cat)

    sums, names = _reduce(prepared, a, by_cat), prepared.categories  # largest first, ties by name; sorted in
    order = sorted(range(n_cat), key=lambda i: (-sums["import_value_usd"][i], names[i]))  # Python: sort_values 0.5 ms
    by_category = pd.DataFrame({"category": [names[i] for i in order], **{k: v[order] for k, v in sums.items()}})

    def by_partner() -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "partner": list(prepared.partners),
                "partner_name": [name_of(p) for p in prepared.partners],
                **_by_partner(prepared, a, prepared.cells),
            }
        )
        return frame.sort_values(["import_value_usd", "partner"], ascending=[False, True], ignore_index=True)

    totals = {k: float(v) for k, v in _reduce(prepared, a, lambda x: np.asarray(x.sum())).items()}
    if not all(math.isfinite(v) for v in totals.values()):  # the table checks make this unreachable; never print inf
        raise FlowsError([Problem(prepared.source, "the totals overflow; check the table's units (USD)")])

    layer_names = [x.name for x in scenario.layers]
    live = a["live"]

    def every_layer(x: np.ndarray) -> np.ndarray:  # (..., live) -> (..., L): 0 for layers out of play
        out = np.zeros((*x.shape[:-1], len(layer_names)))
        out[..., live] = x
        return out

    by_layer = pd.DataFrame(
        {
            "layer": [BASE_LAYER, *layer_names],
            "duty_usd": [a["base_duty"].sum(), *every_layer(a["layer_duty"].sum(axis=0))],
            "exempted_value_usd": [0.0, *every_layer(a["layer_exempted"])],
            "duty_relief_usd": [0.0, *every_layer(a["layer_relief"])],
        }
    )
    per_layer = np.zeros((n_cat, 1 + len(layer_names)))
    per_layer[:, 0] = by_cat(a["base_duty"])
    for i, j in enumerate(live):
        per_layer[:, 1 + j] = by_cat(a["layer_duty"][:, i])
    duty_by_category_layer = pd.DataFrame(
        per_layer[order], index=pd.Index([names[i] for i in order], name="category"), columns=[BASE_LAYER, *layer_names]
    )

    amounts = {
        "exempted_value_usd": a["exempted"],
        "duty_relief_usd": a["gross"] - a["duty"],
        "duty_usd": a["duty"],
        "base_duty_usd": a["base_duty"],
    }
    spans = ranges(prepared.estimate_groups, prepared.value, amounts, totals, prepared.responds)
    steps = pd.DataFrame([{"date": d, **t} for d, t in zip(dates, found, strict=True)], columns=["date", *TOTAL_KEYS])
    start = totals_at(prepared, dates[0] - timedelta(days=1)) if dates and dates[0] > date.min else {}
    return Result(
        timeline_start=start,
        scenario=scenario,
        date=when,
        totals=totals,
        by_category=by_category,
        partner_table=by_partner,
        shift_table=lambda: shifts(prepared, a["additional"]),
        partner_count=len(prepared.partners),
        by_layer=by_layer,
        duty_by_category_layer=duty_by_category_layer,
        timeline=steps,
        ranges=spans,
        warnings=prepared.warnings + scenario.beyond_record(when, lambda layer: reaches(layer, prepared.partners)),
        notes=prepared.notes + estimate_notes(totals, by_category) + range_notes(spans, prepared.estimate_groups),
        source=prepared.source,
    )
