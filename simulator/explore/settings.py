"""What the explorer's controls hold, and the scenario they make: pure, so tests check it without a browser.

A control starts at the scenario's value on the chosen date; only a value the user moved changes the
scenario, so an untouched dated layer keeps its schedule and `extends` writes nothing for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from simulator.scenario.model import Response, Scenario, Schedule

SAME = 1e-12  # two fractions this close are the same setting (slider steps are 0.1 points)
DEFAULT_MAX_RATE = 2.0  # sliders reach 200% unless a rate in the scenario is higher


@dataclass(frozen=True)
class LayerControl:
    """One layer's control: a rate slider, or a switch for a layer whose rates come from a table."""

    name: str
    description: str
    value: float  # the rate on the date (1.0 = "in force" for a table layer)
    table: bool
    high: float


@dataclass(frozen=True)
class ExemptionControl:
    """One exemption's switch and share slider."""

    name: str
    description: str
    share: float  # on the date
    waives: str  # which layers, in words
    uncertain: bool


@dataclass(frozen=True)
class Controls:
    """Every control for a scenario on a date, at the scenario's own values."""

    layers: tuple[LayerControl, ...]
    exemptions: tuple[ExemptionControl, ...]
    elasticity: float  # 0 with no trade response
    dates: tuple[date, ...]
    substitution: float = 0.0  # between partners; 0 with no diversion
    several: bool = False  # the scenario's partners can compete (no single exporter)


@dataclass(frozen=True)
class Settings:
    """What the user set: rates and shares as fractions, None for an exemption switched off."""

    when: date | None
    rates: dict[str, float] = field(default_factory=dict)
    shares: dict[str, float | None] = field(default_factory=dict)
    elasticity: float = 0.0
    substitution: float = 0.0


def controls(scenario: Scenario, when: date | None) -> Controls:
    """The controls for `scenario` on `when`, each at the scenario's value then."""
    high = max([DEFAULT_MAX_RATE, *(x.rate.max() for x in scenario.layers if x.table is None)])
    layers = tuple(
        LayerControl(
            name=x.name,
            description=x.description,
            value=1.0 if x.table is not None else x.rate.at(when),
            table=x.table is not None,
            high=high,
        )
        for x in scenario.layers
    )
    exemptions = tuple(
        ExemptionControl(
            name=x.name,
            description=x.description,
            share=x.share.at(when),
            waives=", ".join(x.layers) if x.layers is not None else "every layer",
            uncertain=x.probability < 1.0,
        )
        for x in scenario.exemptions
    )
    response = scenario.response
    elasticity = response.elasticity if response is not None and response.elasticity is not None else 0.0
    sigma = response.substitution if response is not None and response.substitution is not None else 0.0
    return Controls(layers, exemptions, elasticity, scenario.change_dates, sigma, scenario.exporter is None)


def initial(scenario: Scenario, when: date | None) -> Settings:
    """The settings that leave the scenario as it is."""
    found = controls(scenario, when)
    return Settings(
        when=when,
        rates={x.name: x.value for x in found.layers},
        shares={x.name: x.share for x in found.exemptions},
        elasticity=found.elasticity,
        substitution=found.substitution,
    )


def apply(scenario: Scenario, settings: Settings) -> Scenario:
    """The scenario with the settings in it.

    A moved rate becomes a constant (it holds on the chosen date, which is what the page shows); a table
    layer switched off becomes a 0% layer over the same lines; a switched-off exemption is removed.
    """
    start = controls(scenario, settings.when)
    layers = []
    for layer, control in zip(scenario.layers, start.layers, strict=True):
        value = settings.rates.get(layer.name, control.value)
        if abs(value - control.value) <= SAME:
            layers.append(layer)
        elif layer.table is not None:
            layers.append(replace(layer, rate=Schedule.constant(0.0), table=None))
        else:
            layers.append(replace(layer, rate=Schedule.constant(value)))
    exemptions = []
    for exemption, ex_control in zip(scenario.exemptions, start.exemptions, strict=True):
        share = settings.shares.get(exemption.name, ex_control.share)
        if share is None:
            continue
        if abs(share - ex_control.share) <= SAME:
            exemptions.append(exemption)
        else:
            exemptions.append(replace(exemption, share=Schedule.constant(share)))
    moved = replace(scenario, layers=tuple(layers), exemptions=tuple(exemptions))
    return responding(moved, settings.elasticity, settings.substitution)


def changed(scenario: Scenario, settings: Settings) -> bool:
    """Whether the settings differ from the scenario on their date."""
    return apply(scenario, settings) != scenario


def responding(scenario: Scenario, elasticity: float, substitution: float | None = None) -> Scenario:
    """The scenario with the settings' elasticities: what the engine prepares (once per pair)."""
    start = controls(scenario, None)
    sigma = start.substitution if substitution is None else substitution
    if abs(elasticity - start.elasticity) <= SAME and abs(sigma - start.substitution) <= SAME:
        return scenario
    response = scenario.response if scenario.response is not None else Response()
    moved_sigma = response.substitution if abs(sigma - start.substitution) <= SAME else sigma
    return replace(scenario, response=replace(response, elasticity=elasticity, substitution=moved_sigma))


def fixed(scenario: Scenario, settings: Settings) -> Scenario:
    """The settings with the scenario's shape kept: every rate and share a constant, a switched-off
    exemption a 0% share, a switched-off table layer scaled by 0.

    The figures equal `apply`'s, and the engine's preparation of `scenario` (selectors, tables) stays
    valid, so a slider move costs one evaluation, not a new preparation.
    """
    start = controls(scenario, settings.when)
    layers = tuple(
        replace(layer, rate=Schedule.constant(settings.rates.get(layer.name, control.value)))
        for layer, control in zip(scenario.layers, start.layers, strict=True)
    )
    exemptions = []
    for exemption, ex_control in zip(scenario.exemptions, start.exemptions, strict=True):
        share = settings.shares.get(exemption.name, ex_control.share)
        exemptions.append(replace(exemption, share=Schedule.constant(0.0 if share is None else share)))
    return replace(scenario, layers=layers, exemptions=tuple(exemptions))


def what_changed(base: Scenario, changed: Scenario, when: date | None) -> str:
    """The settings that differ from the scenario on `when`, in words, for the saved file's description."""
    said = []
    old_layers = {x.name: x for x in base.layers}
    for layer in changed.layers:
        old = old_layers.get(layer.name)
        if old is not None and old != layer:
            before, after = old.rate.at(when), layer.rate.at(when)
            if layer.table is not None:
                said.append(f"{layer.name} {'switched off' if after == 0 else 'kept'} (its rate table)")
            else:
                said.append(f"{layer.name} rate {after:.1%} (was {before:.1%})")
    kept = {x.name: x for x in changed.exemptions}
    for exemption in base.exemptions:
        now = kept.get(exemption.name)
        if now is None:
            said.append(f"exemption {exemption.name} switched off")
        elif now != exemption:
            said.append(
                f"exemption {exemption.name} share {now.share.at(when):.0%} (was {exemption.share.at(when):.0%})"
            )
    if changed.response != base.response:
        was = base.response.elasticity if base.response is not None and base.response.elasticity is not None else 0.0
        now_e = changed.response.elasticity if changed.response is not None else 0.0
        if now_e != was:
            said.append(f"import elasticity {now_e} (was {was})")
        sigma_was = base.response.substitution if base.response is not None else None
        sigma_now = changed.response.substitution if changed.response is not None else None
        if sigma_now != sigma_was:
            said.append(f"substitution between partners {sigma_now or 0} (was {sigma_was or 0})")
    when_text = f" on {when.isoformat()}" if when else ""
    return (
        f"Settings saved from tariffsim explore{when_text}: " + "; ".join(said) + "."
        if said
        else f"Settings saved from tariffsim explore{when_text}, unchanged from {base.name}."
    )
