"""The duty engine: pure functions from (scenario, trade flows, date) to a Result.

For a trade line with value V and base rate b, layers l with rates r_l covering it, and
exemptions e matching it with shares s_e:

    duty = V * (b + sum_l r_l * (1 - S_l)),   S_l = max over e waiving l of s_e

The largest share wins: overlapping exemptions never add up beyond 100%. The base rate is never
waived. Exempted value = V * max over layers in force (r_l > 0) covering the line of S_l.

Rules are resolved once per distinct (HS code, category) pair into small boolean matrices;
everything per row is a gather or a weighted bincount, so cost is linear in rows and nearly
flat in the number of selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.errors import Problem, ScenarioError, did_you_mean, short
from simulator.flows import BUNDLED, load_flows, validate_flows
from simulator.response import line_elasticities, responded_value
from simulator.schema import Exemption, Layer, Scenario, Selector

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
)
LAYER_KEYS = ("duty_usd", "exempted_value_usd", "duty_relief_usd")
BASE_LAYER = "base_rate"
DENSE_SPACE = 1 << 20  # key-code spaces up to this size (or 4x the rows) use dense bincounts


@dataclass(frozen=True)
class Prepared:
    """A scenario resolved against a table: everything that does not depend on the date.

    K distinct (hs, category) keys, L layers, E exemptions.
    """

    scenario: Scenario
    flows: pd.DataFrame  # the rows of this direction, validated
    key_hs: np.ndarray  # (K,) str
    key_category: np.ndarray  # (K,) int index into categories
    categories: tuple[str, ...]
    keys: KeyIndex  # rows -> keys
    value: np.ndarray  # (K,) sum of value_usd
    base_duty: np.ndarray  # (K,) sum of value_usd * base_rate
    cover: np.ndarray  # (K, L) bool: layer covers key
    match: np.ndarray  # (K, E) bool: exemption matches key
    waives: np.ndarray  # (E, L) bool: exemption waives layer
    source: str
    warnings: tuple[str, ...] = ()
    elasticity: np.ndarray | None = None  # (N,) per row, when the scenario has a `response:` block

    @property
    def responds(self) -> bool:
        return self.elasticity is not None

    @property
    def row_key(self) -> np.ndarray:
        """(N,) the key of each row; built on first use (plain runs never need it)."""
        return self.keys.row_key


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


def simulate(scenario: Scenario, flows: pd.DataFrame | None = None, date: date | None = None) -> Result:
    """Apply a scenario to a trade-flow table at a date.

    `flows` defaults to the scenario's `trade:` table or the bundled one. `date` defaults to the
    last date on which anything changes (None for an undated scenario). The timeline holds the
    totals at every change date.
    """
    prepared = prepare(scenario, flows)
    when = date if date is not None else default_date(scenario)
    return evaluate(prepared, when)


def default_date(scenario: Scenario) -> date | None:
    dates = scenario.change_dates
    return dates[-1] if dates else None


def prepare(scenario: Scenario, flows: pd.DataFrame | None = None) -> Prepared:
    """Resolve every selector once per distinct (HS code, category) key of the scenario's direction."""
    if flows is None:
        path = scenario.trade or BUNDLED
        flows, source = load_flows(path), str(path)
    else:
        flows, source = _validated(flows), str(scenario.trade or "<DataFrame>")
    rows = _direction(scenario, flows, source)
    hs_index, hs_codes = _codes(rows["hs"])
    cat_index, cat_names = _codes(rows["category"])
    keys = KeyIndex.build(hs_index, cat_index, len(cat_names))
    pairs = keys.present
    key_hs = hs_codes[pairs // len(cat_names)]
    used, key_category = np.unique(pairs % len(cat_names), return_inverse=True)  # categories of this direction only
    categories = cat_names[used]
    value_rows = rows["value_usd"].to_numpy(dtype=float)
    value = keys.sum(value_rows)
    base_duty = keys.sum(value_rows * rows["base_rate"].to_numpy(dtype=float))

    known = set(categories.tolist())
    problems: list[Problem] = []
    warnings: list[str] = []
    matcher = _Matcher(key_hs, key_category, tuple(categories.tolist()))
    rules: list[Layer | Exemption] = [*scenario.layers, *scenario.exemptions]
    for rule in rules:
        sel = rule.selector
        for cat in (*sel.categories, *sel.except_categories):
            if cat not in known:
                problems.append(
                    Problem(
                        sel.where,
                        f"unknown category {short(cat)} for {scenario.label} in {Path(source).name}{did_you_mean(cat, known)}",
                    )
                )
        for prefix in (*sel.hs, *sel.except_hs):
            if not matcher.prefix_matches_any(prefix):
                warnings.append(
                    f"{rule.name}: HS prefix '{prefix}' matches no line of {scenario.label} in {Path(source).name}"
                )
    if problems:
        raise ScenarioError(problems)
    layer_index = {layer.name: i for i, layer in enumerate(scenario.layers)}
    cover = (
        np.column_stack([matcher.match(x.selector) for x in scenario.layers])
        if scenario.layers
        else np.zeros((len(pairs), 0), bool)
    )
    match = (
        np.column_stack([matcher.match(x.selector) for x in scenario.exemptions])
        if scenario.exemptions
        else np.zeros((len(pairs), 0), bool)
    )
    waives = np.zeros((len(scenario.exemptions), len(scenario.layers)), bool)
    for e, ex in enumerate(scenario.exemptions):
        targets = ex.layers if ex.layers is not None else tuple(layer_index)
        waives[e, [layer_index[t] for t in targets]] = True
    # (E, L): does any of the exemption's lines fall under the layer?
    reaches = np.zeros(waives.shape, bool)
    for j in range(cover.shape[1]):
        reaches[:, j] = match[cover[:, j]].any(axis=0)
    idle: list[bool] = np.asarray(match.any(axis=0) & ~(reaches & waives).any(axis=1)).tolist()
    warnings += [
        f"{ex.name}: its lines are not covered by any layer it waives, so it exempts nothing"
        for ex, i in zip(scenario.exemptions, idle, strict=True)
        if i
    ]
    elasticity = None
    if scenario.response is not None:
        row_categories = categories[key_category[keys.row_key]]
        elasticity = line_elasticities(scenario.response, rows, row_categories, known)
    return Prepared(
        elasticity=elasticity,
        scenario=scenario,
        flows=rows,
        key_hs=key_hs,
        key_category=key_category,
        categories=tuple(categories.tolist()),
        keys=keys,
        value=value,
        base_duty=base_duty,
        cover=cover,
        match=match,
        waives=waives,
        source=source,
        warnings=tuple(warnings),
    )


def rates_at(scenario: Scenario, when: date | None) -> np.ndarray:
    return np.array([x.rate.at(when) for x in scenario.layers], dtype=float)


def shares_at(scenario: Scenario, when: date | None) -> np.ndarray:
    return np.array([x.share.at(when) for x in scenario.exemptions], dtype=float)


def waived_share(prepared: Prepared, shares: np.ndarray) -> np.ndarray:
    """S[..., k, l]: the largest share among exemptions matching key k that waive layer l.

    `shares` is (E,) or batched (B, E); the result is (K, L) or (B, K, L).
    """
    if shares.ndim == 1:
        if not len(shares):
            return np.zeros(prepared.cover.shape)
        weights = prepared.waives * shares[:, None]  # (E, L): share each exemption grants on each layer
        out = np.zeros(prepared.cover.shape)
        key, ex = np.nonzero(prepared.match)  # cost follows the matches, not keys x exemptions
        for j in range(weights.shape[1]):
            column = np.zeros(len(out))
            np.maximum.at(column, key, weights[ex, j])
            out[:, j] = column
        return out
    out = np.zeros((*shares.shape[:-1], *prepared.cover.shape))
    for e in range(prepared.match.shape[1]):
        mask = prepared.match[:, e][:, None] & prepared.waives[e][None, :]
        if mask.any() and shares[..., e].any():
            np.maximum(out, shares[..., e, None, None] * mask, out=out)
    return out


def key_arrays(prepared: Prepared, rates: np.ndarray, shares: np.ndarray) -> dict[str, np.ndarray]:
    """Per-key and per-layer amounts at given rates (L,) and shares (E,).

    With a trade response, values (and so everything levied on them) are the responded V1; the
    counterfactual without exemptions ("gross") responds to its own, higher, rates.
    """
    s = waived_share(prepared, shares)
    value, base_duty = prepared.value, prepared.base_duty
    gross_value, gross_base = value, base_duty
    if prepared.elasticity is not None:
        rate_cover = prepared.cover * rates  # (K, L)
        value, base_duty = _responded(prepared, (rate_cover * (1 - s)).sum(axis=1))
        gross_value, gross_base = _responded(prepared, rate_cover.sum(axis=1))
    in_force = rates > 0
    layer_duty = prepared.cover * value[:, None] * rates * (1 - s)
    gross = prepared.cover * gross_value[:, None] * rates
    net_gross = prepared.cover * value[:, None] * rates  # at the responded value, for per-layer relief
    return {
        "value": value,
        "base_duty": base_duty,
        "layer_duty": layer_duty,
        "layer_relief": net_gross - layer_duty,
        "layer_exempted": prepared.cover * value[:, None] * s * in_force,
        "exempted": value * (prepared.cover * s * in_force).max(axis=1, initial=0.0),
        "duty": base_duty + layer_duty.sum(axis=1),
        "gross": gross_base + gross.sum(axis=1),
    }


def _responded(prepared: Prepared, additional: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-key responded value and base duty, given each key's additional duty rate (K,)."""
    assert prepared.elasticity is not None
    rows = prepared.flows
    v0 = rows["value_usd"].to_numpy(dtype=float)
    t0 = rows["base_rate"].to_numpy(dtype=float)
    v1 = responded_value(v0, t0, additional[prepared.row_key], prepared.elasticity)
    k = len(prepared.value)
    return np.bincount(prepared.row_key, weights=v1, minlength=k), np.bincount(
        prepared.row_key, weights=v1 * t0, minlength=k
    )


RESPONSE_KEYS = ("baseline_import_value_usd", "trade_change_usd")


def summarize(
    value: np.ndarray,
    base: np.ndarray,
    duty: np.ndarray,
    gross: np.ndarray,
    exempted: np.ndarray,
    baseline: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
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
            "effective_rate_without_exemptions": np.nan_to_num(gross / np.where(value > 0, value, np.nan)),
        }
    if baseline is not None:  # with a trade response: what the table held, and how far trade moved
        out["baseline_import_value_usd"] = baseline
        out["trade_change_usd"] = value - baseline
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
    )


def totals_at(prepared: Prepared, when: date | None) -> dict[str, float]:
    a = key_arrays(prepared, rates_at(prepared.scenario, when), shares_at(prepared.scenario, when))
    return {k: float(v) for k, v in _reduce(prepared, a, lambda x: np.asarray(x.sum())).items()}


def evaluate(prepared: Prepared, when: date | None) -> Result:
    """The full report at one date, plus the timeline of totals at every change date."""
    scenario = prepared.scenario
    a = key_arrays(prepared, rates_at(scenario, when), shares_at(scenario, when))
    n_cat = len(prepared.categories)

    def by_cat(x: np.ndarray) -> np.ndarray:
        return np.bincount(prepared.key_category, weights=x, minlength=n_cat)

    by_category = pd.DataFrame({"category": list(prepared.categories), **_reduce(prepared, a, by_cat)})
    by_category = by_category.sort_values(["import_value_usd", "category"], ascending=[False, True], ignore_index=True)
    totals = {k: float(v) for k, v in _reduce(prepared, a, lambda x: np.asarray(x.sum())).items()}

    layer_names = [x.name for x in scenario.layers]
    by_layer = pd.DataFrame(
        {
            "layer": [BASE_LAYER, *layer_names],
            "duty_usd": [a["base_duty"].sum(), *a["layer_duty"].sum(axis=0)],
            "exempted_value_usd": [0.0, *a["layer_exempted"].sum(axis=0)],
            "duty_relief_usd": [0.0, *a["layer_relief"].sum(axis=0)],
        }
    )
    per_layer = np.column_stack(
        [by_cat(a["base_duty"]), *[by_cat(a["layer_duty"][:, i]) for i in range(len(layer_names))]]
    )
    duty_by_category_layer = pd.DataFrame(
        per_layer, index=pd.Index(prepared.categories, name="category"), columns=[BASE_LAYER, *layer_names]
    )
    duty_by_category_layer = duty_by_category_layer.loc[by_category["category"]]

    timeline = pd.DataFrame(
        [{"date": d, **totals_at(prepared, d)} for d in scenario.change_dates], columns=["date", *TOTAL_KEYS]
    )
    dates = scenario.change_dates
    start = totals_at(prepared, dates[0] - timedelta(days=1)) if dates and dates[0] > date.min else {}
    return Result(
        timeline_start=start,
        scenario=scenario,
        date=when,
        totals=totals,
        by_category=by_category,
        by_layer=by_layer,
        duty_by_category_layer=duty_by_category_layer,
        timeline=timeline,
        warnings=prepared.warnings,
        source=prepared.source,
    )


class _Matcher:
    """Selector matching over K distinct keys via lookup tables: O(K) per selector, no string work.

    For each prefix length the keys' codes are cut and factorised once; a selector then becomes
    a boolean lookup table over those few uniques, gathered to the keys.
    """

    def __init__(self, hs: np.ndarray, category: np.ndarray, categories: tuple[str, ...]) -> None:
        self.hs = pd.Series(hs, dtype=object)
        self.category = category
        self.category_index = {c: i for i, c in enumerate(categories)}
        self._cuts: dict[int, tuple[np.ndarray, dict[str, int]]] = {}

    def _cut(self, length: int) -> tuple[np.ndarray, dict[str, int]]:
        if length not in self._cuts:
            cut = self.hs.where(self.hs.str.len() >= length).str[:length]
            codes, uniques = pd.factorize(cut)  # too-short codes become -1
            self._cuts[length] = (codes, {str(u): i for i, u in enumerate(uniques)})
        return self._cuts[length]

    def _prefixes(self, prefixes: tuple[str, ...]) -> np.ndarray:
        hit = np.zeros(len(self.hs), bool)
        for length in sorted({len(p) for p in prefixes}):
            codes, index = self._cut(length)
            lut = np.zeros(len(index) + 1, bool)  # last slot answers code -1
            lut[[index[p] for p in prefixes if len(p) == length and p in index]] = True
            hit |= lut[codes]
        return hit

    def _categories(self, names: tuple[str, ...]) -> np.ndarray:
        lut = np.zeros(len(self.category_index), bool)
        lut[[self.category_index[c] for c in names if c in self.category_index]] = True
        return lut[self.category]

    def prefix_matches_any(self, prefix: str) -> bool:
        return prefix in self._cut(len(prefix))[1]

    def match(self, sel: Selector) -> np.ndarray:
        if sel.covers_all:
            hit = np.ones(len(self.hs), bool)
        else:
            hit = self._categories(sel.categories) | self._prefixes(sel.hs)
        if sel.except_categories or sel.except_hs:
            hit &= ~(self._categories(sel.except_categories) | self._prefixes(sel.except_hs))
        return hit


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes per row and the distinct values; free for the categoricals load_flows returns."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), np.asarray(column.cat.categories, dtype=str)
    codes, uniques = pd.factorize(column)
    return codes, np.asarray(uniques, dtype=str)


@dataclass(frozen=True)
class KeyIndex:
    """Which distinct (hs, category) key each row belongs to, and per-key sums in one pass.

    Keys are combined codes hs * n_cat + category. When that code space is small (the usual case)
    sums are dense bincounts over the codes themselves, with no per-row lookup; otherwise rows are
    hash-factorised.
    """

    pair: np.ndarray  # (N,) combined code of each row
    present: np.ndarray  # (K,) combined codes of the keys, sorted
    lookup: np.ndarray | None  # (space,) combined code -> key, when dense
    factorized: np.ndarray | None  # (N,) row -> key, when not dense

    @staticmethod
    def build(hs_index: np.ndarray, cat_index: np.ndarray, n_cat: int) -> KeyIndex:
        pair = hs_index.astype(np.int64) * n_cat + cat_index
        space = (int(hs_index.max(initial=0)) + 1) * n_cat
        if space <= max(4 * len(pair), DENSE_SPACE):
            present = np.flatnonzero(np.bincount(pair, minlength=space))
            lookup = np.zeros(space, dtype=np.intp)
            lookup[present] = np.arange(len(present))
            return KeyIndex(pair, present, lookup, None)
        factorized, uniques = pd.factorize(pair, sort=True)
        return KeyIndex(pair, np.asarray(uniques), None, factorized)

    def sum(self, weights: np.ndarray) -> np.ndarray:
        """(K,) the sum of a per-row quantity over each key's rows."""
        if self.lookup is not None:
            return np.bincount(self.pair, weights=weights, minlength=len(self.lookup))[self.present]
        assert self.factorized is not None
        return np.bincount(self.factorized, weights=weights, minlength=len(self.present))

    @cached_property
    def row_key(self) -> np.ndarray:
        if self.lookup is not None:
            return self.lookup[self.pair]
        assert self.factorized is not None
        return self.factorized


def _direction(scenario: Scenario, flows: pd.DataFrame, source: str) -> pd.DataFrame:
    mask = flows["importer"] == scenario.importer
    if scenario.exporter is not None:
        mask &= flows["exporter"] == scenario.exporter
    if not mask.any():
        pairs = flows[["importer", "exporter"]].drop_duplicates().head(8)
        have = ", ".join(f"{i} from {e}" for i, e in pairs.itertuples(index=False)) or "no rows at all"
        message = (
            f"no line of {Path(source).name} has importer {scenario.importer}"
            + (f" and exporter {scenario.exporter}" if scenario.exporter else "")
            + f"; the table has: {have}"
        )
        raise ScenarioError([Problem(str(scenario.source or "<scenario>"), message)])
    return flows.loc[mask].reset_index(drop=True) if not bool(mask.all()) else flows


def _validated(flows: pd.DataFrame) -> pd.DataFrame:
    looks_clean = (
        {"exporter", "importer", "hs", "category", "value_usd", "base_rate"} <= set(flows.columns)
        and flows["value_usd"].dtype == float
        and flows["base_rate"].dtype == float
        and not pd.api.types.is_numeric_dtype(flows["hs"])
    )
    return flows if looks_clean else validate_flows(flows, "<DataFrame>")
