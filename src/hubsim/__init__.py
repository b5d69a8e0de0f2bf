"""hubsim: discrete-event simulation of multimodal freight networks.

The public API::

    scenario = hubsim.load_scenario("scenarios/chongqing_2022_target.yaml")
    results = hubsim.simulate(scenario, seed=1)
    results.targets, results.kpis, results.events
"""

from hubsim.api import Results, simulate
from hubsim.capacity import CapacityResult, GoalResult, capacity, goal_seek
from hubsim.compare import Comparison, compare
from hubsim.engine import ConservationError
from hubsim.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from hubsim.experiments import Experiment, replicate, sweep
from hubsim.loader import ScenarioError, load_scenario
from hubsim.overlay import apply_changes
from hubsim.scenario import Scenario

__version__ = "0.1.0"

__all__ = ["CapacityResult", "Comparison", "ConservationError", "DaskExecutor", "Experiment",
           "GoalResult", "ProcessExecutor", "Results", "Scenario", "ScenarioError",
           "SerialExecutor", "__version__", "apply_changes", "capacity", "compare", "goal_seek",
           "load_scenario", "replicate", "simulate", "sweep"]
