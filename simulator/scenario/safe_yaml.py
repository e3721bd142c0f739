"""A YAML reader that never lets implicit typing change what the user wrote.

PyYAML's safe loader still turns `0201` into 129 and `2025-04-10` into a date. We compose the
document into nodes (safe: no object construction) and build our own values: every scalar stays
the text the user typed, marked with whether it was quoted and on which line it stands. The
schema then decides what each scalar means, and can tell the user exactly what went wrong.
"""

from __future__ import annotations

from typing import Any

import yaml

from simulator.errors import Problem, ScenarioError, short


class Scalar(str):
    """A YAML scalar as typed: `plain` is False when the user quoted it."""

    plain: bool
    line: int

    def __new__(cls, text: str, *, plain: bool, line: int) -> Scalar:
        obj = super().__new__(cls, text)
        obj.plain = plain
        obj.line = line
        return obj


class Mapping(dict[str, Any]):
    """A YAML mapping with the line of the mapping and of each key."""

    line: int
    key_lines: dict[str, int]


class Sequence(list[Any]):
    """A YAML sequence with its line."""

    line: int


STANDARD_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
NULLS = {"", "~", "null", "Null", "NULL"}
# Anchors and aliases can make a short file expand exponentially (a "billion laughs"): past this many
# values repeated through aliases the file is refused before it grows. Values written out are bounded
# by the file's length and never counted, so a long scenario without aliases is read whole.
MAX_VALUES = 100_000
# A scenario nests five or six levels (layers > a layer > its rate's dates); a file nested hundreds deep
# is not a scenario, and would exhaust Python's stack in the parser.
MAX_DEPTH = 50


class _TooBig(Exception):
    pass


class _TooDeep(Exception):
    pass


def line_of(value: object, default: int = 0) -> int:
    """The 1-based line a value came from, or `default` when it has none."""
    return int(getattr(value, "line", default))


def parse_yaml(text: str, source: str) -> Any:
    """Parse one YAML document into Mapping / Sequence / Scalar / None values.

    Raises ScenarioError naming the file and line for syntax errors, duplicate keys,
    multiple documents and non-string keys.
    """
    too_deep = ScenarioError(
        [Problem(source, f"is nested more than {MAX_DEPTH} levels deep; a scenario needs a handful: flatten the lists")]
    )
    try:
        node = _compose(text)
    except RecursionError:
        raise too_deep from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "\\t" in problem or "\t" in problem or "tab" in problem:
            problem += "; indent with spaces, not tabs"
        raise ScenarioError([Problem(where, f"YAML syntax error: {problem}")]) from None
    problems: list[Problem] = []
    try:
        # without an anchor (`&`) there is no alias: no repeat to count, no cycle to look for
        count = [0, set()] if "&" in text else None
        value = _build(node, source, problems, set(), count) if node is not None else None
    except (_TooDeep, RecursionError):
        raise too_deep from None
    except _TooBig:
        raise ScenarioError(
            [
                Problem(
                    source,
                    f"the file expands to more than {MAX_VALUES:,} values (YAML anchors and aliases repeat "
                    "content); a scenario needs far fewer: write the lists out",
                )
            ]
        ) from None
    if problems:
        raise ScenarioError(problems)
    return value


def _compose(text: str) -> yaml.Node | None:
    """The document's nodes, from libyaml when PyYAML has it (ten times faster on a long scenario).

    A document libyaml refuses is composed again by the pure-Python parser, which either accepts it
    too or gives the error text users are shown (its messages name tabs, which libyaml's do not).
    """
    if _Composer is not None:
        try:
            return yaml.compose(text, Loader=_Composer)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _plain_tags(_loader: object, kind: type, value: object, implicit: tuple[bool, bool] | None) -> str:
    """The tag of a node written without one: text, a list or a mapping, never a number or a date
    (values stay as typed, see the module docstring), and a plain `<<` a merge key, which _build
    refuses. PyYAML's resolver tries its patterns on every scalar, in Python."""
    if kind is yaml.ScalarNode:
        return MERGE if value == "<<" and implicit and implicit[0] else STR
    return SEQ if kind is yaml.SequenceNode else MAP


STR, SEQ, MAP, MERGE = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map", "merge"))
# libyaml's composer with `_plain_tags`: a tag the user wrote still reaches _build, which refuses it
_Composer = type("_Composer", (yaml.CSafeLoader,), {"resolve": _plain_tags}) if hasattr(yaml, "CSafeLoader") else None


def _build(
    node: yaml.Node, source: str, problems: list[Problem], active: set[int], count: list[Any] | None, depth: int = 0
) -> Any:
    """`count` is [values repeated through aliases so far, ids of the nodes built once]; None when the
    document has no anchor, so no node is reached twice."""
    if count is not None:
        if id(node) in count[1]:
            count[0] += 1
            if count[0] > MAX_VALUES:
                raise _TooBig
        else:
            count[1].add(id(node))
    if depth > MAX_DEPTH:
        raise _TooDeep
    line = node.start_mark.line + 1
    if node.tag not in STANDARD_TAGS:
        problems.append(
            Problem(
                f"{source}:{line}",
                f"YAML tag {short(node.tag)} is not allowed; scenarios hold plain text, lists and mappings",
            )
        )
        return None
    if isinstance(node, yaml.ScalarNode):
        plain = not node.style  # None from the Python parser, '' from libyaml
        if plain and node.value in NULLS:
            return None
        return Scalar(node.value, plain=plain, line=line)
    if count is None:  # no anchor: no alias, so no cycle to look for
        return _collection(node, line, source, problems, active, count, depth)
    if id(node) in active:
        problems.append(Problem(f"{source}:{line}", "recursive YAML alias; remove the self-reference"))
        return None
    active.add(id(node))
    try:
        return _collection(node, line, source, problems, active, count, depth)
    finally:
        active.discard(id(node))


def _collection(
    node: yaml.Node,
    line: int,
    source: str,
    problems: list[Problem],
    active: set[int],
    count: list[Any] | None,
    depth: int,
) -> Sequence | Mapping:
    """A list or a mapping, its items built by _build."""
    if isinstance(node, yaml.SequenceNode):
        seq = Sequence([_build(item, source, problems, active, count, depth + 1) for item in node.value])
        seq.line = line
        return seq
    assert isinstance(node, yaml.MappingNode)
    mapping = Mapping()
    mapping.line = line
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            problems.append(Problem(f"{source}:{key_line}", "keys must be plain text (no lists, maps or '<<' merges)"))
            continue
        key = key_node.value
        if key in mapping.key_lines:
            first = mapping.key_lines[key]
            problems.append(
                Problem(f"{source}:{key_line}", f"duplicate key {short(key)} (first on line {first}); keep one")
            )
            continue
        mapping.key_lines[key] = key_line
        mapping[key] = _build(value_node, source, problems, active, count, depth + 1)
    return mapping
