"""Invalid scenario corpus: each bad file must produce a located, helpful message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import ScenarioError, load_scenario, simulate
from simulator.engine.prepare import prepare

OK_HEAD = "name: t\nimporter: CHN\nexporter: USA\ntrade: tiny.csv\n"

# (case id, yaml text, message fragments that must all appear)
INVALID: list[tuple[str, str, list[str]]] = [
    (
        "unknown top key",
        OK_HEAD + "layres: []\n",
        ["s.yaml:5: layres", "unknown key 'layres'", "did you mean 'layers'"],
    ),
    (
        "unknown layer key",
        OK_HEAD + "layers:\n  - {name: a, rate: 10%, hs_codes: ['85']}\n",
        ["layers[0].hs_codes", "did you mean 'hs'"],
    ),
    ("bare rate", OK_HEAD + "layers: [{name: a, rate: 125}]\n", ["layers[0].rate", "no percent sign", "write 125%"]),
    ("fraction rate", OK_HEAD + "layers: [{name: a, rate: 0.25}]\n", ["write 25% if 0.25 is a fraction"]),
    ("rate too high", OK_HEAD + "layers: [{name: a, rate: 1500%}]\n", ["rate 1500% is outside 0%–1000%"]),
    ("negative rate", OK_HEAD + "layers: [{name: a, rate: -5%}]\n", ["outside 0%"]),
    (
        "share over 100",
        OK_HEAD + "layers: [{name: a, rate: 10%}]\nexemptions: [{name: e, hs: ['85'], share: 120%}]\n",
        ["exemptions[0].share", "share 120% is outside 0%–100%"],
    ),
    (
        "hs as number",
        OK_HEAD + "layers: [{name: a, rate: 10%}]\nexemptions: [{name: e, hs: [8542]}]\n",
        ["exemptions[0].hs[0]", "8542' is a number to YAML", 'quote HS codes: "8542"'],
    ),
    (
        "hs octal",
        OK_HEAD + "layers: [{name: a, rate: 10%}]\nexemptions: [{name: e, hs: [0201]}]\n",
        ["'0201' is a number to YAML (YAML reads it as 129)", '"0201"'],
    ),
    (
        "hs bad digits",
        OK_HEAD + "layers: [{name: a, rate: 10%, hs: ['85a', '854']}]\n",
        ["'85a' is not an HS code", "'854' is not an HS code"],
    ),
    (
        # `\\d` takes any script's digits and `$` a trailing newline: both once slipped through as codes
        "hs trailing newline or non-ASCII digits",
        OK_HEAD + 'layers: [{name: a, rate: 10%, hs: ["8542\\n", "\\uFF18\\uFF15\\uFF14\\uFF12", "\\u0668\\u0665"]}]\n',
        ["layers[0].hs[0]", "layers[0].hs[1]", "layers[0].hs[2]", "is not an HS code"],
    ),
    ("importer with a newline", 'name: t\nimporter: "CHN\\n"\n', ["is not an ISO 3166 alpha-3 code"]),
    (
        "missing selector",
        OK_HEAD + "layers: [{name: a, rate: 10%}]\nexemptions: [{name: e, share: 50%}]\n",
        ["exemptions[0]", "needs a selector"],
    ),
    (
        "unknown layer in exemption",
        OK_HEAD
        + "layers: [{name: retaliation, rate: 10%}]\nexemptions: [{name: e, hs: ['85'], layers: [retalation]}]\n",
        ["exemptions[0].layers", "unknown layer 'retalation'", "did you mean 'retaliation'"],
    ),
    ("duplicate names", OK_HEAD + "layers: [{name: a, rate: 10%}, {name: a, rate: 20%}]\n", ["duplicate name 'a'"]),
    (
        "duplicate yaml keys",
        OK_HEAD + "layers: []\nlayers: []\n",
        ["s.yaml:6", "duplicate key 'layers' (first on line 5)"],
    ),
    (
        "bad date",
        OK_HEAD + "layers: [{name: a, rate: {2025-13-01: 10%}}]\n",
        ["'2025-13-01' is not a date", "YYYY-MM-DD"],
    ),
    ("bad date text", OK_HEAD + "layers: [{name: a, rate: {April 10: 10%}}]\n", ["'April 10' is not a date"]),
    ("yaml syntax", OK_HEAD + "layers: [{name: a, rate: 10%\n", ["s.yaml:", "YAML syntax error"]),
    ("not a mapping", "- a\n- b\n", ["expected a mapping", "got a list"]),
    ("empty file", "", ["the file is empty"]),
    ("missing importer", "name: t\n", ["importer is required"]),
    ("bad importer", "name: t\nimporter: China\n", ["'China' is not an ISO 3166 alpha-3 code"]),
    ("missing trade file", OK_HEAD.replace("tiny.csv", "nope.csv"), ["trade", "no such trade-flow table 'nope.csv'"]),
    ("missing extends", OK_HEAD + "extends: nope.yaml\n", ["extends", "no such file 'nope.yaml'"]),
    ("rate missing", OK_HEAD + "layers: [{name: a}]\n", ["layers[0].rate", "is required"]),
    ("layers not list", OK_HEAD + "layers: {name: a}\n", ["expected a list"]),
    ("reserved name", OK_HEAD + "layers: [{name: base_rate, rate: 5%}]\n", ["reserved"]),
    ("remove without extends", OK_HEAD + "remove: [a]\n", ["remove only applies with extends"]),
    ("positive elasticity", OK_HEAD + "response: {elasticity: 2}\n", ["elasticity 2 is outside", "negative"]),
    ("huge value is truncated", OK_HEAD + "layers: [{name: a, rate: " + "9" * 5000 + "}]\n", ["no percent sign"]),
]


@pytest.mark.parametrize(("text", "fragments"), [(t, f) for _, t, f in INVALID], ids=[i for i, _, _ in INVALID])
def test_invalid_scenarios(write: Callable[..., Path], text: str, fragments: list[str]) -> None:
    path = write("s.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert all(len(line) < 400 for line in message.splitlines()), "an error line dumps a huge value"


def test_all_problems_reported_at_once(write: Callable[..., Path]) -> None:
    path = write("s.yaml", OK_HEAD + "colour: red\nlayers: [{name: a, rate: 5}]\nexemptions: [{name: e, hs: [85]}]\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.problems) == 3


def test_extends_cycle(write: Callable[..., Path]) -> None:
    write("a.yaml", OK_HEAD + "extends: b.yaml\n")
    write("b.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError, match=r"extends makes a cycle \(a.yaml -> b.yaml -> a.yaml\)"):
        load_scenario(write("a.yaml", OK_HEAD + "extends: b.yaml\n"))


def test_remove_unknown_name(write: Callable[..., Path]) -> None:
    write("p.yaml", OK_HEAD + "layers: [{name: retaliation, rate: 10%}]\n")
    with pytest.raises(ScenarioError, match=r"cannot remove 'retalation'.*did you mean 'retaliation'"):
        load_scenario(write("c.yaml", "extends: p.yaml\nremove: [retalation]\n"))


def test_removed_layer_still_waived(write: Callable[..., Path]) -> None:
    write("p.yaml", OK_HEAD + "layers: [{name: a, rate: 10%}]\nexemptions: [{name: e, hs: ['85'], layers: [a]}]\n")
    with pytest.raises(ScenarioError, match=r"unknown layer 'a' \(removed by remove:\)"):
        load_scenario(write("c.yaml", "extends: p.yaml\nremove: [a]\n"))


def test_unknown_category_suggests_closest(write: Callable[..., Path]) -> None:
    scenario = load_scenario(
        write(
            "s.yaml", OK_HEAD + "layers: [{name: a, rate: 10%}]\nexemptions: [{name: e, categories: [Semiconductor]}]\n"
        )
    )
    with pytest.raises(ScenarioError, match=r"unknown category 'Semiconductor'.*did you mean 'Semiconductors'"):
        prepare(scenario)


def test_no_matching_direction(write: Callable[..., Path]) -> None:
    scenario = load_scenario(write("s.yaml", "importer: JPN\ntrade: tiny.csv\n"))
    with pytest.raises(ScenarioError, match=r"no line of tiny.csv has importer JPN.*CHN from USA"):
        simulate(scenario)


def test_quoted_codes_keep_leading_zeros(write: Callable[..., Path]) -> None:
    scenario = load_scenario(write("s.yaml", OK_HEAD + "layers: [{name: a, rate: 10%, hs: ['0201', \"1201\"]}]\n"))
    assert scenario.layers[0].selector.hs == ("0201", "1201")
    assert simulate(scenario).totals["duty_usd"] == pytest.approx(8 + 21)


def test_unsafe_yaml_tags_are_refused(write: Callable[..., Path]) -> None:
    with pytest.raises(ScenarioError, match=r"YAML tag '.*python/object.* is not allowed"):
        load_scenario(write("s.yaml", "name: !!python/object/apply:os.system ['echo hi']\nimporter: CHN\n"))


def test_a_lone_value_where_a_list_belongs(write: Callable[..., Path]) -> None:
    path = write("s.yaml", OK_HEAD + "layers: [{name: a, rate: 10%}]\nexemptions: [{name: e, hs: '8542', layers: a}]\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "exemptions[0].hs: expected a list, got the text '8542'; write e.g. hs: [\"8542\"]" in text
    assert "exemptions[0].layers: expected a list" in text


def _as_typed(value: object) -> object:
    """A parsed document with every scalar's text, quoting and line, to compare two parsers."""
    if isinstance(value, dict):
        return {k: (getattr(value, "key_lines", {}).get(k), _as_typed(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [getattr(value, "line", None), *(_as_typed(v) for v in value)]
    if value is None:
        return None
    return (str(value), getattr(value, "plain", None), getattr(value, "line", None))


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="PyYAML built without libyaml")
def test_libyaml_and_python_parsers_read_every_bundled_scenario_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """parse_yaml composes with libyaml when it can: it must give what the pure-Python parser gives,
    quoting (which keeps leading zeros) and lines (which error messages cite) included."""
    from simulator.bundled import SCENARIOS
    from simulator.scenario.safe_yaml import parse_yaml

    files = sorted(SCENARIOS.rglob("*.yaml"))
    assert len(files) > 10
    fast = [_as_typed(parse_yaml(f.read_text(), str(f))) for f in files]
    monkeypatch.delattr(yaml, "CSafeLoader")
    slow = [_as_typed(parse_yaml(f.read_text(), str(f))) for f in files]
    assert fast == slow
    assert any("'" in f.read_text() for f in files)  # quoted scalars were among those compared


def _same_values(a: object, b: object) -> bool:
    """Equal as the reader sees them: text, whether it was quoted, lines, key lines."""
    from simulator.scenario.safe_yaml import Mapping, Scalar, Sequence

    if type(a) is not type(b):
        return False
    if isinstance(a, Scalar):
        assert isinstance(b, Scalar)
        return (str(a), a.plain, a.line) == (str(b), b.plain, b.line)
    if isinstance(a, Mapping):
        assert isinstance(b, Mapping)
        return (a.line, a.key_lines, list(a)) == (b.line, b.key_lines, list(b)) and all(
            _same_values(a[k], b[k]) for k in a
        )
    if isinstance(a, Sequence):
        assert isinstance(b, Sequence)
        return a.line == b.line and len(a) == len(b) and all(_same_values(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _built(text: str, loader: type) -> tuple[object, list[str]]:
    from simulator.scenario.safe_yaml import _build

    problems: list = []
    node = yaml.compose(text, Loader=loader)
    value = _build(node, "s", problems, set(), [0, set()]) if node is not None else None
    return value, [p.message for p in problems]


TEXTS = ["x", "0201", "2025-04-10", "~", "null", "", "<<", "yes", "1e3", "8542", "a: b", "- c", "#", "é"]


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str 1\n",
        "a: 1\n<<: {b: 2}\n",
        "'<<': 1\n",
        "a: ! x\n",
        "? [k]\n: v\n",
        "a: &x [1]\nb: *x\n",
        "a: 1\na: 2\n",
        "- [a, {b: ~, c: 'null'}, \"0201\"]\n- |\n  text\n",
    ],
)
def test_the_fast_composer_builds_what_pyyaml_builds(text: str) -> None:
    """safe_yaml composes with libyaml and tags only what a scenario can hold (text, lists, mappings,
    merge keys, which it refuses): the same values and problems as PyYAML's own resolver gives."""
    from simulator.scenario.safe_yaml import _Composer

    assert _Composer is not None
    fast, slow = _built(text, _Composer), _built(text, yaml.SafeLoader)
    assert fast[1] == slow[1] and _same_values(fast[0], slow[0])


def _documents() -> st.SearchStrategy[tuple[object, bool, str | None]]:
    leaves = st.sampled_from(TEXTS)
    tree = st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(leaves, inner, max_size=4),
        max_leaves=20,
    )
    styles = st.sampled_from([None, "'", '"'])
    return st.tuples(tree, st.booleans(), styles)


@settings(max_examples=200, deadline=None)
@given(case=_documents())
def test_the_fast_composer_agrees_on_any_document(case: tuple[object, bool, str | None]) -> None:
    from simulator.scenario.safe_yaml import _Composer

    value, flow, style = case
    text = yaml.safe_dump(value, default_flow_style=flow, default_style=style, allow_unicode=True)
    fast, slow = _built(text, _Composer), _built(text, yaml.SafeLoader)
    assert fast[1] == slow[1] and _same_values(fast[0], slow[0])


def test_reading_a_scenario_leaves_the_garbage_collector_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    load_scenario("exempt_chips")
    assert gc.isenabled()
    gc.disable()
    try:
        load_scenario("exempt_chips")
        assert not gc.isenabled()
    finally:
        gc.enable()
