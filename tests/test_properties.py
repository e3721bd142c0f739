"""Invariants of the duty arithmetic, checked on random tables and scenarios (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import simulate
from simulator.data.validate import validate_flows
from simulator.scenario.model import Exemption, Layer, Scenario, Schedule, Selector

CATEGORIES = ["A", "B", "C"]
CODES = ["0201", "1201", "8542", "854231", "854232", "8471", "85", "271129"]
PREFIXES = ["02", "12", "85", "8542", "854231", "8471", "27", "2711"]
rates = st.floats(min_value=0, max_value=3, allow_nan=False)
shares = st.floats(min_value=0, max_value=1, allow_nan=False)


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(3, 12))  # every category appears, so selectors naming one are valid
    return validate_flows(
        pd.DataFrame(
            {
                "exporter": ["USA"] * n,
                "importer": ["CHN"] * n,
                "hs": draw(st.lists(st.sampled_from(CODES), min_size=n, max_size=n)),
                "category": CATEGORIES + draw(st.lists(st.sampled_from(CATEGORIES), min_size=n - 3, max_size=n - 3)),
                # no subnormals: half of 5e-324 is 0, so "splitting a row in halves" would not be exact
                "value_usd": draw(
                    st.lists(st.floats(0, 1e9, allow_nan=False, allow_subnormal=False), min_size=n, max_size=n)
                ),
                "base_rate": draw(st.lists(st.floats(0, 0.5, allow_nan=False), min_size=n, max_size=n)),
            }
        )
    )


@st.composite
def selectors(draw: st.DrawFn, *, allow_all: bool) -> Selector:
    cats = tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=2)))
    hs = tuple(draw(st.lists(st.sampled_from(PREFIXES), max_size=2)))
    if not allow_all and not cats and not hs:
        hs = (draw(st.sampled_from(PREFIXES)),)
    return Selector(cats, hs, (), tuple(draw(st.lists(st.sampled_from(PREFIXES), max_size=1))))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n_layers = draw(st.integers(1, 3))
    layers = tuple(
        Layer(f"l{i}", Schedule.constant(draw(rates)), draw(selectors(allow_all=True))) for i in range(n_layers)
    )
    exemptions = tuple(
        Exemption(
            f"e{i}",
            draw(selectors(allow_all=False)),
            layers=draw(st.one_of(st.none(), st.just((f"l{draw(st.integers(0, n_layers - 1))}",)))),
            share=Schedule.constant(draw(shares)),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    return Scenario(name="p", importer="CHN", exporter="USA", layers=layers, exemptions=exemptions)


def totals(scenario: Scenario, flows: pd.DataFrame) -> dict[str, float]:
    return simulate(scenario, flows).totals


@settings(max_examples=150, deadline=None)
@given(tables(), scenarios())
def test_basic_bounds(flows: pd.DataFrame, scenario: Scenario) -> None:
    result = simulate(scenario, flows)
    t = result.totals
    tol = 1e-9 * max(1.0, t["import_value_usd"])
    assert t["duty_usd"] >= t["base_duty_usd"] - tol
    assert t["duty_usd"] <= t["duty_without_exemptions_usd"] + tol
    assert 0 <= t["exempted_value_usd"] <= t["import_value_usd"] + tol
    assert t["duty_relief_usd"] >= -tol
    for key in ("import_value_usd", "duty_usd", "exempted_value_usd", "duty_relief_usd", "base_duty_usd"):
        assert result.by_category[key].sum() == pytest.approx(t[key], rel=1e-9, abs=1e-3)
    assert result.by_layer["duty_usd"].sum() == pytest.approx(t["duty_usd"], rel=1e-9, abs=1e-3)


@settings(max_examples=100, deadline=None)
@given(tables(), scenarios(), selectors(allow_all=True))
def test_zero_rate_layer_changes_nothing(flows: pd.DataFrame, scenario: Scenario, sel: Selector) -> None:
    extra = replace(scenario, layers=(*scenario.layers, Layer("zero", Schedule.constant(0.0), sel)))
    before, after = totals(scenario, flows), totals(extra, flows)
    for key in before:
        assert after[key] == pytest.approx(before[key], rel=1e-12, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(tables(), scenarios(), selectors(allow_all=False), shares)
def test_more_exemptions_never_raise_duty(flows: pd.DataFrame, scenario: Scenario, sel: Selector, share: float) -> None:
    extra = replace(scenario, exemptions=(*scenario.exemptions, Exemption("more", sel, share=Schedule.constant(share))))
    assert totals(extra, flows)["duty_usd"] <= totals(scenario, flows)["duty_usd"] * (1 + 1e-12) + 1e-6


@settings(max_examples=100, deadline=None)
@given(tables(), scenarios())
def test_exempting_everything_leaves_the_base_rate(flows: pd.DataFrame, scenario: Scenario) -> None:
    everything = Exemption("all", Selector(tuple(CATEGORIES)), share=Schedule.constant(1.0))
    t = totals(replace(scenario, exemptions=(everything,)), flows)
    assert t["duty_usd"] == pytest.approx(t["base_duty_usd"], rel=1e-12, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(tables(), scenarios(), st.randoms(use_true_random=False))
def test_row_order_and_splitting_rows_do_not_matter(flows: pd.DataFrame, scenario: Scenario, rnd: object) -> None:
    order = np.random.default_rng(len(flows)).permutation(len(flows))
    shuffled = flows.iloc[order].reset_index(drop=True)
    halves = pd.concat([flows.assign(value_usd=flows["value_usd"] / 2)] * 2, ignore_index=True)
    base = totals(scenario, flows)
    for other in (totals(scenario, shuffled), totals(scenario, halves)):
        for key in base:
            assert other[key] == pytest.approx(base[key], rel=1e-9, abs=1e-3)


@settings(max_examples=100, deadline=None)
@given(tables(), scenarios(), st.floats(0, 1), st.floats(0, 1))
def test_duty_falls_as_a_share_rises(flows: pd.DataFrame, scenario: Scenario, a: float, b: float) -> None:
    low, high = sorted((a, b))
    sel = Selector(("A",), ("85",))

    def with_share(s: float) -> Scenario:
        return replace(scenario, exemptions=(*scenario.exemptions, Exemption("x", sel, share=Schedule.constant(s))))

    assert (
        totals(with_share(high), flows)["duty_usd"] <= totals(with_share(low), flows)["duty_usd"] * (1 + 1e-12) + 1e-6
    )


@settings(max_examples=60, deadline=None)
@given(tables(), st.lists(st.tuples(st.dates(), rates), min_size=1, max_size=4, unique_by=lambda x: x[0]), st.dates())
def test_dated_scenario_equals_constant_rate_in_force(flows: pd.DataFrame, steps: list, when: object) -> None:
    schedule = Schedule(tuple(sorted(steps)))
    dated = Scenario("d", "CHN", "USA", (Layer("l", schedule),), ())
    constant = Scenario("c", "CHN", "USA", (Layer("l", Schedule.constant(schedule.at(when))),), ())  # type: ignore[arg-type]
    a, b = simulate(dated, flows, date=when).totals, simulate(constant, flows).totals  # type: ignore[arg-type]
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-12, abs=1e-6)


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="0123456789", max_size=12),  # every length of plain codes, 11 and 12 digits too
            st.text(alphabet="0123456789١٢²a \n\x00", max_size=12),  # other digits, spaces, NULs, newlines
        ),
        max_size=20,
    )
)
def test_hs_shapes_agree_with_the_patterns(words: list[str]) -> None:
    """The HS-code checks by str methods say what HS_PATTERN and ODD_HS say, text by text."""
    from simulator.data.columns import HS_PATTERN, ODD_HS
    from simulator.data.validate import hs_shapes

    ok, odd = hs_shapes(pd.Series(words, dtype=object))
    assert ok.tolist() == [HS_PATTERN.fullmatch(w) is not None for w in words]
    assert odd.tolist() == [ODD_HS.fullmatch(w) is not None for w in words]


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 0.5, 1.0, 3.0, 10.0, 11.0, -0.0, -1e-300])
)


@settings(max_examples=300)
@given(
    st.lists(numbers, min_size=1, max_size=8),
    st.lists(numbers, min_size=1, max_size=8),
    st.lists(numbers, min_size=1, max_size=8),
)
def test_number_checks_shortcut_changes_nothing(value: list[float], base: list[float], elasticity: list[float]) -> None:
    """Float columns are passed on a minimum and a maximum when nothing can be flagged; with that
    shortcut off, every table is refused with the same message or accepted with the same numbers."""
    from simulator.data import validate

    n = min(len(value), len(base), len(elasticity))
    raw = pd.DataFrame(
        {
            "exporter": ["USA"] * n,
            "importer": ["CHN"] * n,
            "hs": ["8542"] * n,
            "category": ["Chips"] * n,
            "value_usd": value[:n],
            "base_rate": base[:n],
            "elasticity": elasticity[:n],
        }
    )

    def outcome() -> object:
        try:
            out = validate_flows(raw.copy())
        except Exception as exc:  # the message is what is compared
            return (type(exc).__name__, str(exc))
        return out[["value_usd", "base_rate", "elasticity"]].to_numpy().tolist()

    fast = outcome()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "_clean", lambda col, number: False)
        slow = outcome()
    assert repr(fast) == repr(slow)


digit_codes = st.text(alphabet="0123456789", min_size=2, max_size=10)
some_prefixes = st.lists(st.text(alphabet="0123456789", min_size=1, max_size=10), max_size=4)
some_categories = st.lists(st.sampled_from(["A", "B", "C", "Z"]), max_size=2)


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(digit_codes, st.sampled_from(["A", "B", "C"])), min_size=1, max_size=30, unique_by=lambda x: x[0]
    ),
    st.lists(st.tuples(some_categories, some_prefixes, some_categories, some_prefixes), max_size=6),
)
def test_selector_matching_is_startswith(keys: list[tuple[str, str]], rules: list[tuple]) -> None:
    """All selectors matched at once select, each, exactly the keys in one of their categories or
    starting with one of their prefixes, minus the excepted ones (every key when they name nothing);
    and the matcher knows which prefixes start any code."""
    from simulator.engine.keys import Matcher

    codes = [c for c, _ in keys]
    categories = ("A", "B", "C")
    matcher = Matcher(np.array(codes), np.array([categories.index(c) for _, c in keys]), categories)
    selectors = [
        Selector(categories=tuple(c), hs=tuple(h), except_categories=tuple(xc), except_hs=tuple(xh))
        for c, h, xc, xh in rules
    ]

    def covers(sel: Selector, code: str, category: str) -> bool:
        named = sel.covers_all or category in sel.categories or any(code.startswith(p) for p in sel.hs)
        return named and not (category in sel.except_categories or any(code.startswith(p) for p in sel.except_hs))

    hit = matcher.match_all(selectors)
    assert hit.shape == (len(keys), len(selectors))
    assert hit.T.tolist() == [[covers(sel, c, cat) for c, cat in keys] for sel in selectors]
    prefixes = {p for _, h, _, xh in rules for p in (*h, *xh)}
    assert matcher.matching(prefixes) == {p for p in prefixes if any(c.startswith(p) for c in codes)}


@settings(max_examples=150, deadline=None)
@given(
    tables(),
    scenarios(),
    st.lists(st.lists(rates, min_size=3, max_size=3), min_size=1, max_size=4),
    st.lists(st.lists(shares, min_size=3, max_size=3), min_size=1, max_size=4),
)
def test_batches_with_alike_keys_merged_equal_one_evaluation_each(
    flows: pd.DataFrame, scenario: Scenario, rate_rows: list[list[float]], share_rows: list[list[float]]
) -> None:
    """Sweeps and draws merge keys that behave alike before evaluating B variants; each variant's
    totals must equal evaluating that variant's scenario on its own, key by key."""
    from simulator.engine.batch import batch_totals
    from simulator.engine.evaluate import totals_at
    from simulator.engine.prepare import prepare

    prepared = prepare(scenario, flows)
    n = min(len(rate_rows), len(share_rows))
    layer_rates = np.array([r[: len(scenario.layers)] for r in rate_rows[:n]])
    exemption_shares = np.array([s[: len(scenario.exemptions)] for s in share_rows[:n]]).reshape(n, -1)
    batch = batch_totals(prepared, layer_rates, exemption_shares)
    for b in range(n):
        variant = replace(
            scenario,
            layers=tuple(
                replace(x, rate=Schedule.constant(float(r)))
                for x, r in zip(scenario.layers, layer_rates[b], strict=True)
            ),
            exemptions=tuple(
                replace(x, share=Schedule.constant(float(s)))
                for x, s in zip(scenario.exemptions, exemption_shares[b], strict=True)
            ),
        )
        single = totals_at(replace(prepared, scenario=variant), None)
        # merging keys changes the order of summation; relief is a difference of two such sums
        scale = 1e-12 * max(1.0, single["import_value_usd"], single["duty_without_exemptions_usd"])
        for key, value in single.items():
            assert batch[key][b] == pytest.approx(value, rel=1e-12, abs=scale), key


def _table_rows(prefixes: list[str], rates: st.SearchStrategy[float], most: int) -> st.SearchStrategy[list]:
    """Rate-table rows (prefix, from, rate, partner) for the rate-table property tests."""
    day = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
    row = st.tuples(st.sampled_from(prefixes), st.one_of(st.none(), day), rates, st.sampled_from([None, "CAN", "MEX"]))
    return st.lists(row, min_size=1, max_size=most)


_WHEN = st.one_of(st.none(), st.dates(min_value=date(2023, 6, 1), max_value=date(2027, 6, 1)))


@settings(max_examples=200, deadline=None)
@given(rows=_table_rows(["", "84", "8471", "85", "8542"], st.floats(0, 2), 30), when=_WHEN)
def test_rows_in_force_found_at_once_match_the_tables_own_reading(
    rows: list[tuple[str, date | None, float, str | None]], when: date | None
) -> None:
    """The engine's vectorised lookup against RateTable.entries_at, a plain loop over the rows."""
    from simulator.engine.rates import TableIndex
    from simulator.scenario.model import RateTable

    table = RateTable("t", tuple((h, d, r) for h, d, r, _ in rows), partners=tuple(p for *_, p in rows))
    index = TableIndex.build(table, np.array(["847130"]), np.zeros(1, np.intp), ("CAN",))
    found = index.rows.in_force(when)
    expected = table.entries_at(when)
    assert {g: int(i) for g, i in zip(index.groups_of, found, strict=True) if i >= 0} == expected


@settings(max_examples=200, deadline=None)
@given(
    rows=_table_rows(
        ["", "84", "8471", "847130", "85", "8542", "01"], st.one_of(st.floats(0, 2), st.just(float("nan"))), 40
    ),
    when=_WHEN,
)
def test_each_keys_rate_is_the_longest_prefix_its_partner_or_everyone_has_in_force(
    rows: list[tuple[str, date | None, float, str | None]], when: date | None
) -> None:
    """TableIndex, built from arrays, against a plain reading of the rows: for each key, from the longest
    prefix down, the key's own partner's row in force, else a row naming no partner; an `end` (NaN) row
    in force is no row."""
    import math

    from simulator.engine.rates import TableIndex
    from simulator.scenario.model import RateTable

    rows = [(h, d if d is not None or r == r else date(2025, 1, 1), r, p) for h, d, r, p in rows]  # `end` needs a date
    table = RateTable("t", tuple((h, d, r) for h, d, r, _ in rows), partners=tuple(p for *_, p in rows))
    codes = np.array(["847130", "847150", "854231", "010121", "9999"])
    partners = ("CAN", "MEX", "USA")
    key_hs, key_partner = np.repeat(np.arange(len(codes)), 3), np.tile(np.arange(3), len(codes))
    found = TableIndex.build(table, codes, key_partner, partners, key_hs).at(when)[0]
    entries = table.entries_at(when)

    def expected(code: str, partner: str) -> float:
        for length in range(len(code), -1, -1):
            for who in (partner, None):
                i = entries.get((code[:length], who))
                if i is not None and not math.isnan(table.rows[i][2]):
                    return table.rows[i][2]
        return math.nan

    want = [expected(str(codes[h]), partners[p]) for h, p in zip(key_hs, key_partner, strict=True)]
    np.testing.assert_array_equal(found, np.array(want))


@settings(max_examples=150, deadline=None)
@given(
    base=st.floats(0, 0.3),
    rate=st.floats(0.01, 3),
    share=st.floats(0, 1),
    elasticity=st.floats(-5, 0),
    values=st.lists(st.floats(1, 1e9), min_size=1, max_size=4),
)
def test_a_line_taxed_at_r_shows_r_without_exemptions_whatever_the_response(
    base: float, rate: float, share: float, elasticity: float, values: list[float]
) -> None:
    """The counterfactual without exemptions responds to its own rates: its duty over its own imports."""
    from simulator.scenario.model import Response

    n = len(values)
    flows = pd.DataFrame(
        {
            "exporter": ["USA"] * n,
            "importer": ["CHN"] * n,
            "hs": [f"85{i:02d}" for i in range(n)],
            "category": ["Chips"] * n,
            "value_usd": values,
            "base_rate": [base] * n,
        }
    )
    scenario = Scenario(
        name="p",
        importer="CHN",
        exporter="USA",
        layers=(Layer(name="r", rate=Schedule.constant(rate)),),
        exemptions=(Exemption(name="e", selector=Selector(hs=("85",)), share=Schedule.constant(share)),),
        response=Response(elasticity=elasticity),
    )
    result = simulate(scenario, flows)
    for row in (result.totals, *result.by_category.to_dict(orient="records")):
        assert row["effective_rate_without_exemptions"] == pytest.approx(base + rate, rel=1e-9)


@given(
    space=st.integers(0, 12),
    rows=st.integers(0, 20_000),
    missing=st.lists(st.integers(0, 11), max_size=3),
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from(["int8", "int16", "intp"]),
)
def test_codes_present_is_a_full_count(space: int, rows: int, missing: list[int], seed: int, dtype: str) -> None:
    """keys.codes_present (a sample, then a full count unless the sample holds every code) finds what
    counting every row finds: with every code present, with a few absent, and with one code only in
    rows the sample skips."""
    import numpy as np

    from simulator.engine.keys import codes_present

    rng = np.random.default_rng(seed)
    allowed = np.setdiff1d(np.arange(space), missing)
    codes = rng.choice(allowed, rows).astype(dtype) if len(allowed) and rows else np.zeros(0, dtype)
    if len(codes) > 2 and len(allowed) > 1:  # the last code only once, in a row off the sample's stride
        codes[codes == allowed[-1]] = allowed[0]
        codes[1] = allowed[-1]
    expected = np.flatnonzero(np.bincount(codes, minlength=space))
    np.testing.assert_array_equal(codes_present(codes, space), expected)


@given(
    codes=st.lists(st.integers(0, 40), max_size=60),
    extra=st.integers(0, 5),
    dtype=st.sampled_from(["intp", "int64", "int32", "int16", "int8"]),
)
def test_present_codes_is_numpys_unique(codes: list[int], extra: int, dtype: str) -> None:
    """keys.present_codes (marks or a bincount, by the codes' width) gives what
    np.unique(..., return_inverse=True) (a sort) gives."""
    import numpy as np

    from simulator.engine.keys import present_codes

    array = np.array(codes, dtype=dtype)
    present, inverse = present_codes(array, 41 + extra)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    np.testing.assert_array_equal(present, expected)
    np.testing.assert_array_equal(inverse, expected_inverse.ravel())


@given(
    n=st.integers(0, 40),
    kinds=st.lists(st.sampled_from(["small", "negative", "wide", "float", "words"]), min_size=1, max_size=6),
    data=st.data(),
)
def test_classes_group_exactly_the_rows_that_agree_in_every_column(
    n: int, kinds: list[str], data: st.DataObject
) -> None:
    """keys.classes (group numbers taken as they are, other columns factorised, mixed radix) against the
    plain definition: two rows share a class exactly when every column holds the same value."""
    from simulator.engine.keys import classes

    draw = {
        "small": lambda: np.array(data.draw(st.lists(st.integers(-1, 3), min_size=n, max_size=n)), dtype=np.int32),
        "negative": lambda: np.array(data.draw(st.lists(st.integers(-5, -1), min_size=n, max_size=n)), dtype=np.int64),
        "wide": lambda: np.array(
            data.draw(st.lists(st.sampled_from([0, 1 << 40, -(1 << 40)]), min_size=n, max_size=n))
        ),
        "float": lambda: np.array(data.draw(st.lists(st.sampled_from([-1.0, 0.04, 0.2]), min_size=n, max_size=n))),
        "words": lambda: np.array(
            data.draw(st.lists(st.sampled_from([0, 1, 2**63]), min_size=n, max_size=n)), np.uint64
        ),
    }
    columns = [draw[k]() for k in kinds]
    got = classes(columns)
    rows = list(zip(*(c.tolist() for c in columns), strict=True)) if n else []
    for i in range(n):
        for j in range(n):
            assert (got[i] == got[j]) == (rows[i] == rows[j])


@given(
    flags=st.lists(st.lists(st.booleans(), min_size=140, max_size=140), min_size=1, max_size=4),
    picks=st.lists(st.integers(0, 3), max_size=30),
    width=st.sampled_from([0, 1, 9, 63, 64, 65, 70, 140]),
    collide=st.booleans(),
)
def test_row_classes_group_exactly_the_rows_that_are_equal(
    flags: list[list[bool]], picks: list[int], width: int, collide: bool
) -> None:
    """keys.packed and keys.row_classes against the plain definition: two keys share a code exactly when
    their flags (two matrices side by side) are all equal; and the same when every row's hash collides
    (the check must catch that and class the rows word by word)."""
    import simulator.engine.keys as keys

    rows = np.array([flags[i % len(flags)][:width] for i in picks], dtype=bool).reshape(len(picks), width)
    cut = width // 3
    words = keys.packed(rows[:, :cut], rows[:, cut:])
    assert words.shape == (len(picks), -(-(-(-cut // 8) + -(-(width - cut) // 8)) // 8))
    same = (lambda w: np.zeros(len(w), np.uint64)) if collide else keys._row_hash
    with mock.patch.object(keys, "_row_hash", same):
        got = keys.row_classes(words)
    for i in range(len(picks)):
        for j in range(len(picks)):
            assert (got[i] == got[j]) == (rows[i] == rows[j]).all()


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 8),
    st.lists(st.integers(0, 7), min_size=1, max_size=8, unique=True),
    st.lists(st.tuples(st.integers(0, 63), st.integers(0, 63)), max_size=40),
    st.integers(0, 2**32 - 1),
)
def test_share_scales_read_as_the_dense_matrix_they_replace(
    keys: int, exemptions: int, tabled: list[int], pairs: list[tuple[int, int]], seed: int
) -> None:
    """keys.ShareScales against the (K, E) matrix it replaces: ones, and each share-table exemption's
    column of factors. Every match's factor, every exemption's column and the rows of some keys agree;
    an exemption past the last (rank adds categories as exemptions) reads 1."""
    from simulator.engine.keys import ShareScales

    tabled = [e for e in tabled if e < exemptions] or [0]
    values = np.random.default_rng(seed).uniform(0, 1, (keys, len(tabled)))
    dense = np.ones((keys, exemptions + 2))
    dense[:, tabled] = values
    scales = ShareScales(tuple(tabled), values)
    key = np.array([k % keys for k, _ in pairs], np.intp)
    ex = np.array([e % (exemptions + 2) for _, e in pairs], np.intp)
    assert np.array_equal(scales.of(key, ex), dense[key, ex])
    for e in range(exemptions + 2):
        assert np.array_equal(scales.column(e), dense[:, e])
    rows, some = key[: keys // 2], ex[: keys // 2]  # the rows of some keys, and a match on each
    assert np.array_equal(scales.taken(rows).of(np.arange(len(rows)), some), dense[rows, some])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers()), min_size=1, max_size=40), st.integers(1, 5))
def test_remember_keeps_the_latest_entries(puts: list[tuple[int, int]], most: int) -> None:
    """engine.parallel.remember against a plain replay: at most `most` entries, the one just put always
    among them, each holding the value last put for it, and the oldest dropped first."""
    from simulator.engine.parallel import remember

    cache: dict[int, int] = {}
    order: list[int] = []  # the replay: keys in the order they came in (a key put again keeps its place)
    last: dict[int, int] = {}
    for key, value in puts:
        assert remember(cache, key, value, most) == value
        order = (order if key in order else [*order, key])[-most:]
        last[key] = value
        assert cache == {k: last[k] for k in order} and list(cache) == order


def test_remember_beside_other_threads() -> None:
    """Two threads putting into one cache at once never fail, and leave at most `most` entries."""
    import threading

    from simulator.engine.parallel import remember

    cache: dict[int, int] = {}
    errors: list[BaseException] = []

    def put(start: int) -> None:
        try:
            for i in range(start, start + 20_000):
                remember(cache, i % 50, i, 3)
        except BaseException as exc:  # any failure, reported below
            errors.append(exc)

    workers = [threading.Thread(target=put, args=(n * 20_000,)) for n in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors and len(cache) <= 3


def _read_both(path: Path, shares: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """A table read as it is (column by column when plain) and row by row; a table each, or an error's text."""
    from simulator.errors import ScenarioError
    from simulator.scenario import tables

    def read() -> object:
        try:
            t = tables.read_rate_table(path, "t", shares=shares)
        except ScenarioError as exc:
            return str(exc)
        rows = tuple((h, d, "end" if r != r else r) for h, d, r in t.rows)  # NaN (an `end` row) compares equal
        return (t.source, rows, t.partners, t.shares, t.all_in)

    as_is = read()
    with monkeypatch.context() as m:
        m.setattr(tables, "_plain_table", lambda *_: None)
        return as_is, read()


_CELLS = {  # the first four of each column are good values; the rest make the fast reading give way
    "hs": ["0101", "8471", "847130", "", "85", "8542310000", "847", "8471x", " 85", "01"],
    "rate": ["0.25", "25%", "7.5%", "0", "end", "END", "nan", "-0.1", "12", "3", "1e-2", "", "inf", "0.2 "],
    "share": ["0.4", "40%", "1", "0", "", "1.2", "nan", "0.999999"],
    "from": ["", "2025-04-05", "2026-02-24", "2025-01-01", "2025-4-5", "2025-02-30"],
    "partner": ["", "CAN", "MEX", "CHN", "USMCA", "XXX", "can"],
    "all_in": ["", "yes", "no", "TRUE", "maybe"],
    "note": ["", "a note", "x", "y", "with, comma", 'a "quote"', "x\x00y"],
}
_PICK = st.one_of(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 13))


@settings(max_examples=500, deadline=None)
@given(
    shares=st.booleans(),
    extra=st.lists(st.sampled_from(["from", "partner", "share", "all_in", "note"]), unique=True, max_size=5),
    rows=st.lists(st.lists(_PICK, min_size=7, max_size=7), min_size=0, max_size=6),
    blank_line=st.sampled_from([False, False, False, True]),
)
def test_a_plain_table_read_by_columns_equals_the_row_by_row_reading(
    tmp_path_factory: pytest.TempPathFactory, shares: bool, extra: list[str], rows: list[list[int]], blank_line: bool
) -> None:
    """Column by column (the fast reading of plain tables) or row by row, the same table or the same
    error: bad cells, `end` rows, groups, repeated rows, quotes, padding and blank lines fall back."""
    monkeypatch = pytest.MonkeyPatch()
    allowed = ["partner", "note"] if shares else ["from", "partner", "share", "all_in", "note"]
    header = ["hs", "share" if shares else "rate", *[c for c in extra if c in allowed]]
    lines = [",".join(header)]
    for picks in rows:
        values = [
            _CELLS[name if not (shares and name == "share" and c == 1) else "share"] for c, name in enumerate(header)
        ]
        cells = [str(v[i % len(v)]) for v, i in zip(values, picks, strict=False)]
        lines.append(",".join(c if "," not in c and '"' not in c else f'"{c}"' for c in cells))
    if blank_line and len(lines) > 1:
        lines.insert(1, "")
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        fast, slow = _read_both(path, shares, monkeypatch)
    finally:
        monkeypatch.undo()
    assert fast == slow


def test_every_bundled_table_reads_the_same_by_columns_and_by_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.bundled import SCENARIOS

    read = 0
    for path in sorted(SCENARIOS.rglob("*.csv")):
        head = path.read_text(encoding="utf-8-sig").split("\n", 1)[0].split(",")
        if "hs" not in head or not ({"rate", "share"} & set(head)):
            continue
        fast, slow = _read_both(path, "rate" not in head, monkeypatch)
        assert fast == slow, path.name
        read += 1
    assert read >= 15


@pytest.mark.parametrize(
    "text",
    [
        "hs,rate\n0101,3\n0102,2\n0103,0.5\n",  # plain rates of 1 or more: percents without the sign
        "hs,rate,from\n0101,25%,2025-04-05\n0101,end,2026-02-24\n",  # an end row, dated
        "hs,rate\n0101,end\n",  # an end row needs a date
        "hs,rate,partner\n0101,25%,USMCA\n0102,10%,CAN\n",  # a group: a row for each member
        "hs,rate\n0101, 25%\n",  # padding, stripped row by row
        "hs,rate,share\n72,50%,\n73,50%,0.4\n",  # a blank dutiable share is all of the value
    ],
)
def test_tables_the_fast_reading_must_read_alike_or_leave(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    fast, slow = _read_both(path, False, monkeypatch)
    assert fast == slow


@given(
    cover=st.lists(st.lists(st.booleans(), min_size=3, max_size=3), max_size=25),
    match=st.lists(st.lists(st.booleans(), min_size=4, max_size=4), max_size=25),
)
def test_which_layers_an_exemption_reaches_found_from_its_matches(cover: list, match: list) -> None:
    """keys.layers_reached against its definition: some key the exemption matches is one the layer covers."""
    from simulator.engine.keys import layers_reached

    n = min(len(cover), len(match))
    c = np.array(cover[:n], bool).reshape(n, 3)
    m = np.array(match[:n], bool).reshape(n, 4)
    expected = np.array([[any(m[k, e] and c[k, j] for k in range(n)) for j in range(3)] for e in range(4)], bool)
    assert (layers_reached(c, m) == expected).all()
