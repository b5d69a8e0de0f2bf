"""hubsim: discrete-event simulation of multimodal freight networks.

The public API::

    scenario = hubsim.load_scenario("scenarios/chongqing_2022_target.yaml")
    results = hubsim.simulate(scenario, seed=1)
    results.targets, results.kpis, results.events
"""

from hubsim.api import Results, simulate
from hubsim.compare import Comparison, compare
from hubsim.engine import ConservationError
from hubsim.loader import ScenarioError, load_scenario
from hubsim.overlay import apply_changes
from hubsim.scenario import Scenario

__version__ = "0.1.0"

__all__ = ["Comparison", "ConservationError", "Results", "Scenario", "ScenarioError",
           "__version__", "apply_changes", "compare", "load_scenario", "simulate"]
