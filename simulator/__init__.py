"""tariffsim: what tariff layers and exemptions do to duty on a trade-flow table.

The public API is what this module exports. Charts live in `simulator.charts` (imported on
demand, since it loads matplotlib).
"""

from simulator.compare import Comparison, compare
from simulator.engine import Result, simulate
from simulator.errors import FlowsError, ScenarioError, SimulatorError
from simulator.explain import explain
from simulator.flows import load_flows
from simulator.loader import load_scenario, with_rates
from simulator.rank import Ranking, rank
from simulator.schema import Exemption, Layer, Response, Scenario, Schedule, Selector
from simulator.sweep import sweep
from simulator.uncertainty import Draws, draw

__version__ = "0.1.0"

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
