"""Resolve a scenario against a trade-flow table once: everything that does not depend on the date."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.bundled import BUNDLED_LABEL, bundled_parts
from simulator.collector import collector_paused
from simulator.data.load import check_readable, load_flows
from simulator.data.statutory import with_base
from simulator.data.validate import estimate_rows, validate_flows
from simulator.engine.allocation import EstimateGroups
from simulator.engine.keys import (
    KeyIndex,
    Matcher,
    ShareScales,
    classes,
    codes_of,
    codes_present,
    layers_reached,
    match_pairs,
    packed,
    present_codes,
    row_classes,
)
from simulator.engine.partners import (
    Cells,
    LazyCells,
    chapter_lines,
    partner_rules,
    partner_warnings,
    partners_apart,
    table_partner_warnings,
)
from simulator.engine.rates import LineRates, Rules, TableIndex, line_rates, stack, table_factors
from simulator.engine.response import line_elasticities, line_substitutions
from simulator.errors import Problem, ScenarioError, did_you_mean, short
from simulator.scenario.model import Exemption, Layer, Scenario


@dataclass(frozen=True)
class Prepared:
    """A scenario resolved against a table: everything that does not depend on the date.

    K distinct (hs, category, partner) keys, L layers, E exemptions. A scenario naming one exporter
    has one partner, so its keys are its (hs, category) pairs, as before partners existed.
    """

    scenario: Scenario
    flows: pd.DataFrame  # the rows of this direction, validated
    key_hs: np.ndarray  # (K,) str
    key_category: np.ndarray  # (K,) int index into categories
    categories: tuple[str, ...]
    key_partner: np.ndarray  # (K,) int index into partners
    partners: tuple[str, ...]  # the exporters of this direction
    keys: KeyIndex  # rows -> keys
    value: np.ndarray  # (K,) sum of value_usd
    base_duty: np.ndarray  # (K,) sum of value_usd * base_rate
    cover: np.ndarray  # (K, L) bool: layer covers key
    match: np.ndarray  # (K, E) bool: exemption matches key
    waives: np.ndarray  # (E, L) bool: exemption waives layer
    source: str
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the data cannot tell (not a mistake in the scenario)
    merged: bool = False  # its alike keys are merged already
    key_class: np.ndarray | None = None  # when merged: the class of each key it was prepared with
    elasticity: np.ndarray | None = None  # (N,) per row, when the scenario has a `response:` block
    substitution: np.ndarray | None = None  # (N,) per row, when the response diverts trade between partners
    product: np.ndarray | None = None  # (N,) the row's product (HS code), among which partners compete
    tables: dict[int, TableIndex] = field(default_factory=dict)  # layer index -> its rate table, resolved
    rules: Rules = field(default_factory=Rules)
    all_in: np.ndarray | None = None  # (L,) bool: the layer's rate is an all-in level; None: no layer is
    # the waived shares found for the latest vectors of exemption shares (evaluate.waived_share); not copied by replace
    waived: dict[bytes, np.ndarray] = field(default_factory=dict, init=False, compare=False, repr=False)
    partner_keys: bool = True  # the partner is part of the key (else `cells` spreads keys over partners)
    lazy_cells: LazyCells | None = None
    match_scale: ShareScales | None = None  # share factors of the exemptions with share tables; None: 1
    estimated: np.ndarray | None = None  # (K,) value on lines the table marks as estimates (source estimate_*)
    estimate_groups: EstimateGroups | None = None  # where estimated values sum to a real total (allocation)

    @property
    def cells(self) -> Cells | None:
        """(key, partner) sums when the partner is not part of the key and there are several partners;
        built on first use and shared with the merged preparation, so a run that never asks for results
        by partner never pays for them."""
        return self.lazy_cells.get() if self.lazy_cells is not None else None

    @property
    def tops_up(self) -> bool:
        """Whether a layer or a table row is all-in, so that each key's base rate matters."""
        return self.all_in is not None or any(t.table.all_in for t in self.tables.values())

    @property
    def base_matters(self) -> np.ndarray:
        """(K,) bool: some all-in layer or table row can reach the key, so its base rate changes its duty."""
        out = np.zeros(len(self.value), bool)
        if self.all_in is not None:
            out |= self.cover[:, self.all_in].any(axis=1)
        for index in self.tables.values():
            table = index.table
            if table.all_in:
                flagged = {(hs, table.partner_of(i)) for i, (hs, _, _) in enumerate(table.rows) if table.all_in[i]}
                group_all_in = np.array([g in flagged for g in index.groups_of] + [False])
                out |= group_all_in[index.patterns].any(axis=1)[index.pattern]
        return out

    @property
    def key_base(self) -> np.ndarray:
        """(K,) the key's base rate; exact per line when an all-in layer made the base part of the key."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.nan_to_num(self.base_duty / self.value)

    def lines(self, when: date | None, layers: np.ndarray | None = None) -> LineRates:
        return table_factors(self.cover, self.tables, when, self.all_in, layers)

    def rates(self, rates: np.ndarray, when: date | None, layers: np.ndarray | None = None) -> np.ndarray:
        """R[..., k, l]: the rate of layer l on key k for layer rates (L,) or (B, L) at `when` (with
        `layers`, indices from `rates.in_play`, only theirs). Flat layers give their rate where they
        cover a key; table layers the table's rate there (scaled by the layer's rate); then stacking."""
        raw, subject_to = self.unstacked(rates, when, layers)
        return stack(raw, self.rules if layers is None else self.rules.within(layers), subject_to)

    def unstacked(
        self, rates: np.ndarray, when: date | None, layers: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The rates before any stacking rule, and which keys are subject to each layer (None: rate > 0)."""
        cover, rates = (self.cover, rates) if layers is None else (self.cover[:, layers], rates[..., layers])
        if not self.tables and self.all_in is None:
            return cover * rates[..., None, :], None
        return line_rates(self.lines(when, layers), rates, self.key_base)

    @cached_property
    def matched(self) -> tuple[np.ndarray, np.ndarray]:
        """(key, exemption) of every match, key-major; once per preparation (a path is evaluated at
        each change date)."""
        return match_pairs(self.match)

    @cached_property
    def alike(self) -> Prepared:
        """This preparation with keys that behave alike at every date merged, their values summed.

        Without a trade response a key's duty is its value and base duty times what its layers'
        cover, its tables' rows, its exemptions and shares make of them; keys that share all of
        these, and their category and partner, can be evaluated as one. A partner's lines fall into
        a few such classes (its tables' rows are the same for all its goods), so the all-partner
        table's 200,000 keys evaluate as far fewer. With a response each line responds to its own
        rates and nothing is merged.
        """
        if self.responds or self.merged or len(self.value) < 2:
            return self
        return self._merged

    @cached_property
    def rule_classes(self) -> tuple[Prepared, np.ndarray]:
        """The keys merged by their rules alone, and each key's class (its index there). With a trade
        response values cannot be merged, but rates and waived shares depend on the rules only, so a
        date's rates are found once per class and gathered to the keys."""
        merged = self._merge(identity=False) if len(self.value) >= 2 else replace(self, merged=True)
        cls = merged.key_class if merged.key_class is not None else np.arange(len(self.value))
        return merged, cls

    @cached_property
    def _merged(self) -> Prepared:
        return self._merge(identity=True)

    def _merge(self, *, identity: bool) -> Prepared:
        """Keys merged when they agree in every rule (and, with `identity`, in category and partner too,
        so that results by category and partner can be summed from the merged keys). Category and partner
        are not rules: every rule that tells them apart is in cover, match or the tables."""
        columns: list[np.ndarray] = [self.key_category, self.key_partner] if identity else []
        columns.append(row_classes(packed(self.cover, self.match)))  # every flag at once
        columns += list(self.match_scale.values.T) if self.match_scale is not None else []
        columns += [t.pattern for t in self.tables.values()]
        columns += [np.where(self.base_matters, self.key_base, -1.0)] if self.tops_up else []
        cls = classes(columns)
        n = int(cls.max()) + 1
        if n == len(cls):
            return replace(self, merged=True)
        first = np.full(n, len(cls))
        np.minimum.at(first, cls, np.arange(len(cls)))
        return replace(
            self,
            key_hs=self.key_hs[first],
            key_category=self.key_category[first],
            key_partner=self.key_partner[first],
            value=np.bincount(cls, weights=self.value, minlength=n),
            base_duty=np.bincount(cls, weights=self.base_duty, minlength=n),
            estimated=np.bincount(cls, weights=self.estimated, minlength=n) if self.estimated is not None else None,
            estimate_groups=self.estimate_groups.remap(cls) if self.estimate_groups is not None else None,
            cover=np.asfortranarray(self.cover[first]),  # read a layer at a time at every date
            match=self.match[first],
            match_scale=self.match_scale.taken(first) if self.match_scale is not None else None,
            tables={j: replace(t, pattern=t.pattern[first]) for j, t in self.tables.items()},
            keys=KeyIndex(cls, np.arange(n), None, cls),  # rows here are the original keys
            merged=True,
            key_class=cls,
        )

    def shared_first(self) -> Prepared:
        """This preparation with what threads evaluating it side by side all read found first (the
        classes of keys with the same rules, their matches, each row's key), so none builds it twice."""
        ruled = self.rule_classes[0] if self.responds else self
        ruled.matched  # noqa: B018  (cached properties: reading them is what finds them)
        if self.responds:
            self.row_key  # noqa: B018
        return ruled

    @property
    def responds(self) -> bool:
        return self.elasticity is not None

    @property
    def row_key(self) -> np.ndarray:
        """(N,) the key of each row; built on first use (plain runs never need it)."""
        return self.keys.row_key


@collector_paused()  # 47 ms of the world path's 0.8 s preparation was the collector's
def prepare(
    scenario: Scenario, flows: pd.DataFrame | None = None, *, reduce: bool = True, year: int | None = None
) -> Prepared:
    """Resolve every selector once per distinct (HS code, category, partner) key of the scenario's direction.

    A Parquet dataset is read reduced to one row per line key when `reduce` (the numbers are the same;
    only a count of the table's lines, as `explain` gives, needs the lines themselves). `year` picks
    one year of a table that holds several (see data.load).
    """
    given = ""
    needed: tuple[str, ...] = ("exporter", "importer", "hs", "category", "value_usd", "base_rate", "source")
    needed += ("elasticity",) if scenario.response is not None else ()
    needed += ("description",) if not reduce else ()  # explain lists lines by name
    if flows is None and scenario.trade is None:
        parts = bundled_parts((scenario.importer, scenario.exporter))
        source = str(parts[0]) if len(parts) == 1 else BUNDLED_LABEL
        flows = load_flows(None, columns=needed, direction=(scenario.importer, scenario.exporter), year=year)
    elif flows is None:
        path = scenario.trade
        assert path is not None
        source = str(path)
        flows = _reduced(scenario, path, year) if reduce else None
        if flows is None:
            flows = load_flows(path, columns=needed, direction=(scenario.importer, scenario.exporter), year=year)
    else:
        given = _blank_base_rates(flows)
        flows, source = _validated(flows), str(scenario.trade or "<DataFrame>")
    rows = with_base(
        _direction(scenario, flows, source), scenario.base, scenario.importer, str(scenario.source or source)
    )
    hs_index, hs_codes = codes_of(rows["hs"])
    cat_index, cat_names = codes_of(rows["category"])
    partner_index, partner_codes = codes_of(rows["exporter"])
    base_rows = rows["base_rate"].to_numpy(dtype=float)
    # The partner is part of the key where a rule can tell partners apart (or lines respond one by one);
    # otherwise lines of one code and category behave alike from every partner, and by_partner comes from
    # the key's rates spread over its partners (`cells`), not from a million keys.
    by_partner_keys = partner_rules(scenario) or scenario.response is not None
    components = [(hs_index, len(hs_codes)), (cat_index, len(cat_names))]
    components += [(partner_index, len(partner_codes))] if by_partner_keys else []
    if scenario.tops_up:  # a top-up depends on each line's own base rate, so lines with other base rates stay apart
        base_index, base_values = pd.factorize(base_rows)
        components.append((base_index, max(len(base_values), 1)))
    keys = KeyIndex.build(components)
    split = keys.split()
    hs_used, hs_of_key = present_codes(split[0], len(hs_codes))  # integer codes: no string sort per key
    hs_distinct = hs_codes[hs_used]
    key_hs = hs_distinct[hs_of_key]
    used, key_category = present_codes(split[1], len(cat_names))  # categories of this direction only
    categories = cat_names[used]
    value_rows = rows["value_usd"].to_numpy(dtype=float)
    value = keys.sum(value_rows)
    base_duty = keys.sum(value_rows * base_rows)
    marked = estimate_rows(rows)
    estimated_rows = value_rows * marked if marked is not None else None  # most tables mark no line
    estimated = keys.sum(estimated_rows) if estimated_rows is not None else np.zeros(len(value))
    if by_partner_keys:
        present_partners, key_partner = present_codes(split[2], len(partner_codes))
    else:
        present_partners = codes_present(partner_index, len(partner_codes))
        key_partner = np.zeros(len(value), np.intp)
    partners = tuple(partner_codes[present_partners].tolist())

    known = set(categories.tolist())
    problems: list[Problem] = []
    warnings: list[str] = [given] if given else []
    matcher = Matcher(hs_distinct, key_category, tuple(categories.tolist()), key_partner, partners, hs_of_key)
    rules: list[Layer | Exemption] = [*scenario.layers, *scenario.exemptions]
    warnings += partner_warnings(scenario, rules, set(partners), source)
    found = matcher.matching({p for rule in rules for p in (*rule.selector.hs, *rule.selector.except_hs)})
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
        written = sel.hs[: len(sel.hs) - sel.listed]
        listed = sel.hs[len(sel.hs) - sel.listed :] if sel.listed else ()
        if listed and not any(p in found for p in listed):
            warnings.append(
                f"{rule.name}: no code of {', '.join(sel.hs_lists)} matches a line of {scenario.label} in {Path(source).name}"
            )
        for prefix in (*written, *sel.except_hs):
            if prefix not in found:
                warnings.append(
                    f"{rule.name}: HS prefix '{prefix}' matches no line of {scenario.label} in {Path(source).name}"
                )
    if problems:
        raise ScenarioError(problems)
    layer_index = {layer.name: i for i, layer in enumerate(scenario.layers)}
    cover = matcher.match_all([x.selector for x in scenario.layers])
    match = matcher.match_all([x.selector for x in scenario.exemptions])
    waives = np.zeros((len(scenario.exemptions), len(scenario.layers)), bool)
    waived = [(e, layer_index[t]) for e, ex in enumerate(scenario.exemptions) for t in ex.layers or ()]
    waives[[e for e, ex in enumerate(scenario.exemptions) if ex.layers is None]] = True  # no list: every layer
    if waived:  # one assignment: one per exemption took half a millisecond for 131
        waives[tuple(np.array(waived).T)] = True
    reaches = layers_reached(cover, match)
    idle: list[bool] = np.asarray(match.any(axis=0) & ~(reaches & waives).any(axis=1)).tolist()
    warnings += [
        f"{ex.name}: its lines are not covered by any layer it waives, so it exempts nothing"
        for ex, i in zip(scenario.exemptions, idle, strict=True)
        if i
    ]
    elasticity = substitution = None
    if scenario.response is not None:
        row_categories = categories[key_category[keys.row_key]]
        elasticity = line_elasticities(scenario.response, rows, row_categories, known)
        substitution = line_substitutions(scenario.response, row_categories)
    tables = {
        j: TableIndex.build(layer.table, hs_distinct, key_partner, partners, hs_of_key)
        for j, layer in enumerate(scenario.layers)
        if layer.table is not None
    }
    shared = [(e, ex.share_table) for e, ex in enumerate(scenario.exemptions) if ex.share_table is not None]
    match_scale = None
    if shared:  # a line no row of the table names: nothing exempted
        indexes = [TableIndex.build(table, hs_distinct, key_partner, partners, hs_of_key) for _, table in shared]
        values = np.column_stack([np.nan_to_num(index.rates_at(None)) for index in indexes])
        match_scale = ShareScales(tuple(e for e, _ in shared), values)
    for layer in scenario.layers:
        if layer.table is not None and layer.table.partners:
            warnings += table_partner_warnings(layer.name, layer.table.partners, set(partners), scenario, source)
    for e, table in shared:
        warnings += table_partner_warnings(scenario.exemptions[e].name, table.partners, set(partners), scenario, source)
    notes = tuple(chapter_lines(scenario, hs_distinct, hs_of_key, value, keys, rows))
    layer_all_in = np.array([layer.all_in for layer in scenario.layers], bool)
    return Prepared(
        key_partner=key_partner,
        partners=partners,
        partner_keys=by_partner_keys,
        lazy_cells=(
            LazyCells(
                lambda: Cells.build(keys, partner_index, len(partner_codes), value_rows, base_rows, estimated_rows)
            )
            if not by_partner_keys and len(partners) > 1
            else None
        ),
        all_in=layer_all_in if layer_all_in.any() else None,
        match_scale=match_scale,
        tables=tables,
        rules=Rules.of(scenario),
        elasticity=elasticity,
        substitution=substitution,
        product=hs_index if substitution is not None else None,
        scenario=scenario,
        flows=rows,
        key_hs=key_hs,
        key_category=key_category,
        categories=tuple(categories.tolist()),
        keys=keys,
        value=value,
        base_duty=base_duty,
        estimated=estimated,
        estimate_groups=EstimateGroups.build(keys, rows, estimated_rows) if estimated_rows is not None else None,
        cover=cover,
        match=match,
        waives=waives,
        source=source,
        warnings=tuple(warnings),
        notes=notes,
    )


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


def _reduced(scenario: Scenario, path: Path, year: int | None) -> pd.DataFrame | None:
    """The Parquet dataset summed per line key (see data.reduce), or None to read it whole. The reducer
    sums every exporter together, so a scenario whose rules or response tell partners apart reads it
    whole (summed, a partner rule would match no line and the duty would silently be nought)."""
    if not (path.is_dir() or path.suffix.lower() in (".parquet", ".pq")):
        return None
    if partners_apart(scenario):
        return None
    try:
        from simulator.data.reduce import read_reduced
    except ImportError:
        return None
    check_readable(path, "trade-flow table")
    try:
        lines = read_reduced(path, scenario.importer, scenario.exporter, scenario.lines_apart, year)
    except Exception:  # no pyarrow, or not a readable dataset: load_flows says what is wrong
        return None
    return validate_flows(lines, str(path)) if lines is not None else None


def _blank_base_rates(flows: pd.DataFrame) -> str:
    """A warning when a DataFrame's base_rate has NaN: read as 0%, as a blank CSV cell is, but said."""
    if "base_rate" not in flows.columns or not pd.api.types.is_numeric_dtype(flows["base_rate"]):
        return ""
    values = flows["base_rate"].to_numpy(dtype=float, na_value=np.nan)
    if len(values) and not np.isnan(values.min()):  # numpy's minimum is NaN where any value is: one pass
        return ""
    blank = int(np.isnan(values).sum())
    if not blank:
        return ""
    return (
        f"{blank:,} row{'s' if blank != 1 else ''} of the DataFrame {'have' if blank != 1 else 'has'} no base_rate "
        "(NaN), read as 0% as a blank CSV cell is; fill them if the lines pay a base duty"
    )


def _validated(flows: pd.DataFrame) -> pd.DataFrame:
    """A DataFrame from the Python API gets the same checks as a file: float columns can hold NaN, inf,
    negative values or percents as easily as text can. Checking is per distinct value, so cheap."""
    return validate_flows(flows, "<DataFrame>")
