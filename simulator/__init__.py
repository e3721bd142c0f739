"""tariffsim: what tariff layers and exemptions do to duty on a trade-flow table.

The public API is what this module exports. Names load on first use, so `tariffsim --version`
and `--help` do not pay for pandas; `simulator.charts` (matplotlib) loads only when asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"  # the one place the version is written; pyproject.toml reads it

if TYPE_CHECKING:
    from simulator.analysis.compare import Comparison, compare
    from simulator.analysis.draws import Draws, draw
    from simulator.analysis.explain import explain
    from simulator.analysis.rank import Ranking, rank
    from simulator.analysis.sweep import sweep
    from simulator.data.load import load_flows
    from simulator.engine.evaluate import Result, simulate
    from simulator.errors import FlowsError, ScenarioError, SimulatorError
    from simulator.output import charts
    from simulator.scenario.load import load_scenario, with_rates
    from simulator.scenario.model import Exemption, Layer, Response, Scenario, Schedule, Selector

_WHERE = {
    "Comparison": "simulator.analysis.compare",
    "compare": "simulator.analysis.compare",
    "Draws": "simulator.analysis.draws",
    "draw": "simulator.analysis.draws",
    "explain": "simulator.analysis.explain",
    "Ranking": "simulator.analysis.rank",
    "rank": "simulator.analysis.rank",
    "sweep": "simulator.analysis.sweep",
    "load_flows": "simulator.data.load",
    "Result": "simulator.engine.evaluate",
    "simulate": "simulator.engine.evaluate",
    "FlowsError": "simulator.errors",
    "ScenarioError": "simulator.errors",
    "SimulatorError": "simulator.errors",
    "load_scenario": "simulator.scenario.load",
    "with_rates": "simulator.scenario.load",
    "Exemption": "simulator.scenario.model",
    "Layer": "simulator.scenario.model",
    "Response": "simulator.scenario.model",
    "Scenario": "simulator.scenario.model",
    "Schedule": "simulator.scenario.model",
    "Selector": "simulator.scenario.model",
}
_MODULES = {"charts": "simulator.output.charts"}

__all__ = [
    "Comparison",
    "Draws",
    "Exemption",
    "FlowsError",
    "Layer",
    "Ranking",
    "Response",
    "Result",
    "Scenario",
    "ScenarioError",
    "Schedule",
    "Selector",
    "SimulatorError",
    "__version__",
    "charts",
    "compare",
    "draw",
    "explain",
    "load_flows",
    "load_scenario",
    "rank",
    "simulate",
    "sweep",
    "with_rates",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE, *_MODULES])
