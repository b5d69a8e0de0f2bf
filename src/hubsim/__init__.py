"""hubsim: discrete-event simulation of multimodal freight networks.

The public API::

    scenario = hubsim.load_scenario("scenarios/chongqing_2022_target.yaml")
    results = hubsim.simulate(scenario, seed=1)
    results.targets, results.kpis, results.events
"""

from hubsim.api import Results, apply_changes, load_scenario, simulate
from hubsim.errors import ConservationError, HubsimError, ScenarioError
from hubsim.experiments.capacity import CapacityResult, capacity
from hubsim.experiments.compare import Comparison, compare
from hubsim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from hubsim.experiments.goal import GoalResult, goal_seek
from hubsim.experiments.replicate import Experiment, replicate, sweep
from hubsim.scenario.schema import Scenario
from hubsim.version import __version__

__all__ = ["CapacityResult", "Comparison", "ConservationError", "DaskExecutor", "Experiment",
           "GoalResult", "HubsimError", "ProcessExecutor", "Results", "Scenario", "ScenarioError",
           "SerialExecutor", "__version__", "apply_changes", "capacity", "compare", "goal_seek",
           "load_scenario", "replicate", "simulate", "sweep"]
