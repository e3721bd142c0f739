"""Write a changed scenario as a YAML file that `extends` the one it came from.

The explorer's "save as scenario" needs this: a class's experiment must be rerun by `tariffsim run`,
read by the same loader. Only what differs is written; a layer or exemption that changed is written
whole, because `extends` replaces same-named items whole; an exemption that is gone is `remove:`d.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from simulator.bundled import SCHEMA_FILE
from simulator.scenario.load import extends_value, relative_to
from simulator.scenario.model import Exemption, Layer, Response, Scenario, Schedule, Selector


def extension_yaml(base: Scenario, changed: Scenario, target: Path, *, name: str, note: str = "") -> str:
    """YAML for `changed` as an extension of `base` (whose file is `base.source`), to be saved at `target`.

    `changed` must keep `base`'s layers in order; it may change rates, selectors or tables of layers,
    change or drop exemptions, and change the response.
    """
    if base.source is None:
        raise ValueError("the base scenario has no file to extend")
    if [x.name for x in changed.layers] != [x.name for x in base.layers]:
        raise ValueError("the changed scenario must keep the base scenario's layers")
    doc: dict[str, Any] = {"name": name}
    if note:
        doc["description"] = note
    doc["importer"] = base.importer
    if base.exporter:
        doc["exporter"] = base.exporter
    doc["extends"] = extends_value(base.source, target.parent)
    old_layers = {x.name: x for x in base.layers}
    layers = [_layer(x, target.parent) for x in changed.layers if x != old_layers[x.name]]
    if layers:
        doc["layers"] = layers
    kept = {x.name for x in changed.exemptions}
    old_exemptions = {x.name: x for x in base.exemptions}
    exemptions = [_exemption(x) for x in changed.exemptions if x != old_exemptions.get(x.name)]
    if exemptions:
        doc["exemptions"] = exemptions
    removed = [x.name for x in base.exemptions if x.name not in kept]
    if removed:
        doc["remove"] = removed
    if changed.response != base.response and changed.response is not None:
        doc["response"] = _response(changed.response)
    header = (
        f"# yaml-language-server: $schema={SCHEMA_FILE.name}\n"
        f"# Written by tariffsim explore; rerun with: tariffsim run {target.name}\n"
    )
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def percent(value: float) -> str:
    """A fraction as the percent a scenario file states, exact to the digits a float carries."""
    return f"{round(value * 100, 10):.15g}%"


def _schedule(schedule: Schedule) -> str | dict[str, str]:
    if not schedule.is_dated:
        return percent(schedule.steps[0][1])
    return {_iso(d): percent(v) for d, v in schedule.steps if d is not None}


def _iso(day: date) -> str:
    return day.isoformat()


def _selector(selector: Selector) -> dict[str, Any]:
    """The selector's keys; codes read from `hs_list:` files are written out, so the file stands alone."""
    out: dict[str, Any] = {}
    for key in ("categories", "hs", "except_categories", "except_hs"):
        values = getattr(selector, key)
        if values:
            out[key] = list(values)
    return out


def _layer(layer: Layer, folder: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"name": layer.name}
    if layer.description:
        out["description"] = layer.description
    if layer.table is not None:
        out["rates"] = relative_to(Path(layer.table.source), folder)
    else:
        out["rate"] = _schedule(layer.rate)
    return out | _selector(layer.selector)


def _exemption(exemption: Exemption) -> dict[str, Any]:
    out: dict[str, Any] = {"name": exemption.name}
    if exemption.description:
        out["description"] = exemption.description
    if exemption.layers is not None:
        out["layers"] = list(exemption.layers)
    out["share"] = _schedule(exemption.share)
    if exemption.probability != 1.0:
        out["probability"] = percent(exemption.probability)
    return out | _selector(exemption.selector)


def _response(response: Response) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if response.elasticity is not None:
        out["elasticity"] = response.elasticity
    if response.substitution is not None:
        out["substitution"] = response.substitution
    categories: dict[str, Any] = dict(response.categories)
    for name, sigma in response.substitution_categories:  # both for a category: {elasticity:, substitution:}
        categories[name] = (
            {"elasticity": categories[name], "substitution": sigma} if name in categories else {"substitution": sigma}
        )
    if categories:
        out["categories"] = categories
    return out
