"""Read one parsed YAML file into typed values, collecting every problem instead of stopping at the first.

Each problem names the file, the line and the key path (`exemptions[0].hs[1]`) and says how to
fix it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from simulator.bundled import shown
from simulator.data.columns import COUNTRY, HS_PATTERN
from simulator.data.partners import groups, suggestion
from simulator.errors import Problem, ScenarioError, did_you_mean, short
from simulator.scenario.fields import (
    EXEMPTION_KEYS,
    LAYER_KEYS,
    MAX_RATE,
    RESERVED_LAYER_NAMES,
    RESPONSE_CATEGORY_KEYS,
    RESPONSE_KEYS,
    SELECTOR_KEYS,
    STACKING_KEYS,
)
from simulator.scenario.model import Exemption, Layer, Response, Schedule, Selector, Stacking
from simulator.scenario.safe_yaml import Mapping, Scalar, Sequence, line_of
from simulator.scenario.scalars import fmt, kind_of, parse_date, percent_hint, quote_hint, yaml_reads_as_number
from simulator.scenario.tables import read_hs_list, read_rate_table

PLURAL = {"probability": "probabilities"}


class Reader:
    """Walks one parsed YAML file, collecting problems instead of stopping at the first."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.label = shown(source)  # as messages name it: `exempt_chips (bundled)`, not a site-packages path
        self.problems: list[Problem] = []

    def where(self, node: object, path: str, line: int = 0) -> str:
        return f"{self.label}:{line or line_of(node)}: {path}" if path else f"{self.label}:{line or line_of(node)}"

    def fail(self, node: object, path: str, message: str, line: int = 0) -> None:
        self.problems.append(Problem(self.where(node, path, line), message))

    def mapping(self, node: Any, path: str, allowed: tuple[str, ...], what: str) -> Mapping | None:
        if not isinstance(node, Mapping):
            self.fail(node, path, f"expected a mapping of keys ({what}), got {kind_of(node)}")
            return None
        for key in node:
            if key not in allowed:
                sub = f"{path}.{key}" if path else key
                self.fail(node, sub, f"unknown key {short(key)}{did_you_mean(key, allowed)}", node.key_lines[key])
        return node

    def text(self, node: Any, path: str, *, required: bool = False, parent: Mapping | None = None) -> str | None:
        if node is None:
            if required:
                self.fail(parent, path, "is required")
            return None
        if not isinstance(node, Scalar):
            self.fail(node, path, f"expected text, got {kind_of(node)}")
            return None
        return str(node)

    def country(self, node: Any, path: str) -> str | None:
        value = self.text(node, path)
        if value is not None and not COUNTRY.fullmatch(value):
            self.fail(node, path, f"{short(value)} is not an ISO 3166 alpha-3 code; write e.g. USA or CHN")
            return None
        return value

    def day(self, node: Any, path: str) -> date | None:
        text = self.text(node, path)
        when = parse_date(text) if text is not None else None
        if text is not None and when is None:
            self.fail(node, path, f"{short(text)} is not a date; write YYYY-MM-DD, e.g. 2025-08-07")
        return when

    def percent(self, node: Any, path: str, *, high: float, what: str) -> float | None:
        if not isinstance(node, Scalar):
            self.fail(node, path, f"expected a percentage like 25%, got {kind_of(node)}")
            return None
        text = str(node).strip()
        example = "125% or 7.5%" if what == "rate" else "50% or 100%"
        if not text.endswith("%"):
            self.fail(
                node,
                path,
                f"{short(text)} has no percent sign; {PLURAL.get(what, what + 's')} are written with one, "
                f"like {example}{percent_hint(text, high)}",
            )
            return None
        try:
            value = float(text[:-1]) / 100
        except ValueError:
            self.fail(node, path, f"{short(text)} is not a percentage; write e.g. {example}")
            return None
        if not 0 <= value <= high:
            self.fail(node, path, f"{what} {text} is outside 0%–{fmt(high * 100)}%")
            return None
        return value

    def schedule(self, node: Any, path: str, *, high: float, what: str) -> Schedule | None:
        if isinstance(node, Mapping):
            if not node:
                self.fail(node, path, f"dated {what} needs at least one date: {{2025-04-10: 84%}}")
                return None
            steps: list[tuple[date | None, float]] = []
            ok = True
            for key, value in node.items():
                line = node.key_lines[key]
                when = parse_date(key)
                if when is None:
                    self.fail(
                        node, f"{path}.{key}", f"{short(key)} is not a date; write YYYY-MM-DD, e.g. 2025-04-10", line
                    )
                    ok = False
                number = self.percent(value, f"{path}.{key}", high=high, what=what)
                if number is None:
                    ok = False
                if when is not None and number is not None:
                    steps.append((when, number))
            if not ok:
                return None
            steps.sort(key=lambda s: s[0] or date.min)
            return Schedule(tuple(steps))
        if node is None:
            self.fail(node, path, f"is empty; give a {what} like 25% or a dated schedule {{2025-04-10: 84%}}")
            return None
        number = self.percent(node, path, high=high, what=what)
        return None if number is None else Schedule.constant(number)

    def listed(self, node: Any, path: str, example: str) -> Sequence | None:
        """A YAML list, or a problem saying how to write one (a lone value is not silently accepted)."""
        if node is None or isinstance(node, Sequence):
            return node
        self.fail(node, path, f"expected a list, got {kind_of(node)}; write e.g. {path.rsplit('.', 1)[-1]}: {example}")
        return None

    def strings(self, node: Any, path: str, what: str) -> tuple[str, ...]:
        items = self.listed(node, path, "[Soybeans]" if "categor" in path else "[name]")
        out: list[str] = []
        for i, item in enumerate(items or ()):
            if not isinstance(item, Scalar):
                where = item if item is not None else node
                self.fail(where, f"{path}[{i}]", f"expected a {what} as text, got {kind_of(item)}")
                continue
            text = str(item)  # NFC, as the table's text (data.validate); ASCII is already
            out.append(text if text.isascii() else unicodedata.normalize("NFC", text))
        return tuple(out)

    def hs_codes(self, node: Any, path: str) -> tuple[str, ...]:
        if isinstance(node, Scalar) and node.plain and yaml_reads_as_number(node):
            self.fail(node, path, quote_hint(node) + '; write a list of quoted codes, e.g. ["8542"]')
            return ()
        items = self.listed(node, path, '["8542"]')
        out: list[str] = []
        for i, item in enumerate(items or ()):
            if (
                isinstance(item, Scalar) and not item.plain and HS_PATTERN.fullmatch(item)
            ):  # a quoted code: the usual case
                out.append(str(item))
                continue
            sub = f"{path}[{i}]"
            if isinstance(item, Scalar) and item.plain and yaml_reads_as_number(item):
                self.fail(item, sub, quote_hint(item))
            elif not isinstance(item, Scalar):
                self.fail(
                    item if item is not None else node, sub, f"expected an HS code in quotes, got {kind_of(item)}"
                )
            elif not HS_PATTERN.fullmatch(str(item)):
                self.fail(
                    item,
                    sub,
                    f'{short(str(item))} is not an HS code; write 2, 4, 6, 8 or 10 digits in quotes, e.g. "8542"',
                )
            else:
                out.append(str(item))
        return tuple(out)

    def partner_codes(self, node: Any, path: str) -> tuple[str, ...]:
        """Partner codes (ISO alpha-3) and group names (EU, USMCA...), each checked; a mistyped one
        gets the closest valid code or group."""
        out: list[str] = []
        items = self.listed(node, path, "[CAN, MEX] or [EU]")
        for i, item in enumerate(items or ()):
            sub = f"{path}[{i}]"
            text = str(item) if isinstance(item, Scalar) else None
            if text is not None and (COUNTRY.fullmatch(text) or text in groups()):
                out.append(text)
                continue
            near = suggestion(text) if text else ""
            hint = f"; did you mean {near}?" if near else "; `tariffsim list --partners` lists the codes and groups"
            what = short(text) if text is not None else kind_of(item)
            self.fail(
                item if item is not None else node, sub, f"{what} is not a partner code (ISO alpha-3) or group{hint}"
            )
        return tuple(out)

    def selector(self, node: Mapping, path: str) -> Selector:
        def get(key: str, read: Callable[[Any, str], tuple[str, ...]]) -> tuple[str, ...]:
            return read(node[key], f"{path}.{key}") if key in node else ()  # most keys are absent

        listed: tuple[str, ...] = ()
        lists: tuple[str, ...] = ()
        if "hs_list" in node and node["hs_list"] is not None:
            target = self.text(node["hs_list"], f"{path}.hs_list")
            if target is not None:
                lists = (target,)
                try:
                    listed = read_hs_list(self.source.parent / target, self.where(node["hs_list"], f"{path}.hs_list"))
                except ScenarioError as exc:
                    self.problems.extend(exc.problems)

        def categories(value: Any, at: str) -> tuple[str, ...]:
            return self.strings(value, at, "category name")

        selector = Selector(
            categories=get("categories", categories),
            hs=get("hs", self.hs_codes) + listed,
            hs_lists=lists,
            listed=len(listed),
            except_categories=get("except_categories", categories),
            except_hs=get("except_hs", self.hs_codes),
            partners=get("partners", self.partner_codes),
            except_partners=get("except_partners", self.partner_codes),
            where=self.where(node, path),
        )
        # An empty list must never widen a rule: with nothing listed, a selector covers every line.
        what = "exemption" if path.startswith("exemptions") else "layer"
        for key in SELECTOR_KEYS:
            raw = node.get(key)
            if raw is None and key not in node:
                continue
            if raw is None or (isinstance(raw, Sequence) and not raw):
                fix = (
                    "remove the key or list what to leave out"
                    if key.startswith("except")
                    else f"an empty {key} would make this {what} cover every line: list at least one, "
                    + ("or remove the exemption" if what == "exemption" else "or remove the key to cover everything")
                )
                self.fail(raw if raw is not None else node, f"{path}.{key}", f"is empty; {fix}")
        return selector

    def layer(self, node: Any, path: str) -> Layer | None:
        mapping = self.mapping(node, path, LAYER_KEYS, "name, rate and an optional selector")
        if mapping is None:
            return None
        name = self.text(mapping.get("name"), f"{path}.name", required=True, parent=mapping)
        if name in RESERVED_LAYER_NAMES:
            self.fail(
                mapping, f"{path}.name", f"{short(name)} is reserved for the table's base rate; choose another name"
            )
        table = None
        if "rate" in mapping and "rates" in mapping:
            self.fail(mapping, f"{path}.rates", "give rate (one for every line) or rates (a table), not both")
            rate = None
        elif "rates" in mapping:
            rate = Schedule.constant(1.0)  # the table's rates, as they are
            target = self.text(mapping["rates"], f"{path}.rates")
            if target is not None:
                try:
                    table = read_rate_table(self.source.parent / target, self.where(mapping["rates"], f"{path}.rates"))
                except ScenarioError as exc:
                    self.problems.extend(exc.problems)
                    rate = None
        elif "rate" not in mapping:
            self.fail(mapping, f"{path}.rate", "is required; write e.g. rate: 125%, or rates: a_table.csv")
            rate = None
        else:
            rate = self.schedule(mapping["rate"], f"{path}.rate", high=MAX_RATE, what="rate")
        selector = self.selector(mapping, path)
        description = self.text(mapping.get("description"), f"{path}.description") or ""
        all_in = self.boolean(mapping.get("all_in"), f"{path}.all_in") if "all_in" in mapping else False
        ends = self.day(mapping["record_ends"], f"{path}.record_ends") if "record_ends" in mapping else None
        if name is None or rate is None:
            return None
        return Layer(
            name=name,
            rate=rate,
            selector=selector,
            description=description,
            where=self.where(mapping, path),
            table=table,
            all_in=bool(all_in),
            record_ends=ends,
        )

    def boolean(self, node: Any, path: str) -> bool | None:
        text = str(node).lower() if isinstance(node, Scalar) else None
        if text in ("true", "yes"):
            return True
        if text in ("false", "no"):
            return False
        self.fail(node, path, f"expected true or false, got {kind_of(node)}")
        return None

    def exemption(self, node: Any, path: str) -> Exemption | None:
        mapping = self.mapping(node, path, EXEMPTION_KEYS, "name, a selector, layers and share")
        if mapping is None:
            return None
        name = self.text(mapping.get("name"), f"{path}.name", required=True, parent=mapping)
        selector = self.selector(mapping, path)
        if not any(key in mapping for key in ("categories", "hs", "hs_list", "partners", "shares")):
            self.fail(
                mapping,
                path,
                'an exemption needs a selector: add categories: [...], hs: ["..."], hs_list: FILE, partners: [...] or shares: FILE',
            )
        share_table = None
        if "shares" in mapping:
            target = self.text(mapping["shares"], f"{path}.shares")
            if target is not None:
                try:
                    share_table = read_rate_table(
                        self.source.parent / target, self.where(mapping["shares"], f"{path}.shares"), shares=True
                    )
                except ScenarioError as exc:
                    self.problems.extend(exc.problems)
        layers: tuple[str, ...] | None = None
        if "layers" in mapping:
            layers = self.strings(mapping["layers"], f"{path}.layers", "layer name")
            if not layers and (mapping["layers"] is None or isinstance(mapping["layers"], Sequence)):
                self.fail(
                    mapping, f"{path}.layers", "is empty; list the layers waived, or leave the key out to waive all"
                )
        share = Schedule.constant(1.0)
        if "share" in mapping:
            share = self.schedule(mapping["share"], f"{path}.share", high=1.0, what="share") or share
        probability = 1.0
        if "probability" in mapping:
            probability = (
                self.percent(mapping["probability"], f"{path}.probability", high=1.0, what="probability") or 0.0
            )
        description = self.text(mapping.get("description"), f"{path}.description") or ""
        if name is None:
            return None
        return Exemption(
            name=name,
            selector=selector,
            layers=layers,
            share=share,
            probability=probability,
            description=description,
            where=selector.where,  # the mapping's place, as the selector names it
            share_table=share_table,
        )

    def stacking(self, node: Any, path: str) -> Stacking | None:
        mapping = self.mapping(node, path, STACKING_KEYS, "layer and yields_to, or higher_of")
        if mapping is None:
            return None
        description = self.text(mapping.get("description"), f"{path}.description") or ""
        where = self.where(mapping, path)
        if "yields_to" in mapping and "higher_of" not in mapping:
            layer = self.text(mapping.get("layer"), f"{path}.layer", required=True, parent=mapping)
            others = self.strings(mapping["yields_to"], f"{path}.yields_to", "layer name")
            if not others:
                self.fail(mapping, f"{path}.yields_to", "is empty; list the layers that take precedence")
            if layer is None or not others:
                return None
            if layer in others:
                self.fail(mapping, f"{path}.yields_to", f"{short(layer)} cannot yield to itself")
                return None
            return Stacking("yields_to", layer, others, description, where)
        if "higher_of" in mapping and "yields_to" not in mapping and "layer" not in mapping:
            others = self.strings(mapping["higher_of"], f"{path}.higher_of", "layer name")
            if len(set(others)) < 2:
                self.fail(mapping, f"{path}.higher_of", "needs two or more different layers")
                return None
            return Stacking("higher_of", "", others, description, where)
        self.fail(
            mapping,
            path,
            "write either {layer: A, yields_to: [B, C]} (A is not levied where B or C is) or {higher_of: [A, B]} (only the highest applies)",
        )
        return None

    def response(self, node: Any) -> Response | None:
        mapping = self.mapping(node, "response", RESPONSE_KEYS, "elasticity, substitution and per-category overrides")
        if mapping is None:
            return None
        default = self.elasticity(mapping.get("elasticity"), "response.elasticity") if "elasticity" in mapping else None
        sigma = (
            self.substitution(mapping.get("substitution"), "response.substitution")
            if "substitution" in mapping
            else None
        )
        found: dict[str, list[tuple[str, float]]] = {"elasticity": [], "substitution": []}
        cats = mapping.get("categories")
        if cats is not None and not isinstance(cats, Mapping):
            self.fail(cats, "response.categories", f"expected a mapping of category: elasticity, got {kind_of(cats)}")
        for key, value in cats.items() if isinstance(cats, Mapping) else ():
            name, path = unicodedata.normalize("NFC", str(key)), f"response.categories.{key}"
            # a number is an elasticity; {elasticity: -1.0, substitution: 3.0} sets either or both
            both = (
                self.mapping(value, path, RESPONSE_CATEGORY_KEYS, "elasticity and substitution")
                if isinstance(value, Mapping)
                else {"elasticity": value}
            )
            for field, given in (both or {}).items():
                check = self.elasticity if field == "elasticity" else self.substitution
                number = (
                    check(given, f"{path}.{field}" if isinstance(value, Mapping) else path) if field in found else None
                )
                if number is not None:
                    found[field].append((name, number))
        where = self.where(mapping, "response")
        return Response(default, tuple(found["elasticity"]), where, sigma, tuple(found["substitution"]))

    def substitution(self, node: Any, path: str) -> float | None:
        """The elasticity of substitution between partners: 0 (none) to 20; SMART's default is 1.5."""
        try:
            value = float(str(node)) if isinstance(node, Scalar) and node.plain else None
        except ValueError:
            value = None
        if value is not None and 0 <= value <= 20:
            return value
        said = short(str(node)) if node is not None else "nothing"
        why = "a plain number from 0 to 20 like 1.5 (WITS-SMART's default)"
        self.fail(node, path, f"expected an elasticity of substitution between partners, {why}, got {said}")
        return None

    def elasticity(self, node: Any, path: str) -> float | None:
        try:
            value = float(str(node)) if isinstance(node, Scalar) and node.plain else None
        except ValueError:
            value = None
        if value is None:
            self.fail(
                node,
                path,
                f"expected an elasticity as a plain number like -2.0, got {short(str(node)) if node is not None else 'nothing'}",
            )
            return None
        if not -20 <= value <= 0:
            self.fail(
                node,
                path,
                f"elasticity {fmt(value)} is outside -20..0; import demand falls as the tariff rises, so write it negative, e.g. -2.0",
            )
            return None
        return value
