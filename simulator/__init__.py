"""tariffsim: what tariff layers and exemptions do to duty on a trade-flow table."""

from simulator.engine import Result, simulate
from simulator.errors import FlowsError, ScenarioError, SimulatorError
from simulator.flows import load_flows
from simulator.loader import load_scenario
from simulator.schema import Exemption, Layer, Scenario, Schedule, Selector

__version__ = "0.1.0"

__all__ = [
    "Exemption",
    "FlowsError",
    "Layer",
    "Result",
    "Scenario",
    "ScenarioError",
    "Schedule",
    "Selector",
    "SimulatorError",
    "__version__",
    "load_flows",
    "load_scenario",
    "simulate",
]
