"""hubsim: discrete-event simulation of multimodal freight networks.

The public API::

    scenario = hubsim.load_scenario(hubsim.bundled_scenario("chongqing_2022_target"))
    results = hubsim.simulate(scenario, seed=1)
    results.targets, results.kpis, results.events
    hubsim.figure(results, "network_map")             # a figure of the report, by name
    hubsim.write_results(results, "results/x", report=True)  # the folder hubsim run writes

Every name of ``__all__`` is imported on first use (PEP 562), so ``import hubsim`` (and the
``hubsim`` command starting up) does not pay for pandas, SimPy and the rest until they are
needed; ``hubsim.simulate`` and ``from hubsim import Scenario`` work as usual.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from hubsim.api import Results, apply_changes, bundled_scenario, load_scenario, simulate
    from hubsim.errors import ConservationError, HubsimError, ScenarioError
    from hubsim.experiments.capacity import CapacityResult, capacity
    from hubsim.experiments.compare import Comparison, compare
    from hubsim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
    from hubsim.experiments.goal import GoalResult, goal_seek
    from hubsim.experiments.replicate import Experiment, replicate, sweep
    from hubsim.experiments.verdict import Verdict, run_verdict
    from hubsim.present.experiment_output import comparison_figure, sweep_figure
    from hubsim.present.figures import figure, figure_names
    from hubsim.present.output import write_results
    from hubsim.scenario.schema import Scenario
    from hubsim.version import __version__

#: Each public name and the module that defines it.
_SOURCES = {
    "Results": "hubsim.api", "apply_changes": "hubsim.api", "load_scenario": "hubsim.api",
    "simulate": "hubsim.api", "bundled_scenario": "hubsim.api",
    "ConservationError": "hubsim.errors", "HubsimError": "hubsim.errors",
    "ScenarioError": "hubsim.errors",
    "CapacityResult": "hubsim.experiments.capacity", "capacity": "hubsim.experiments.capacity",
    "Comparison": "hubsim.experiments.compare", "compare": "hubsim.experiments.compare",
    "DaskExecutor": "hubsim.experiments.executors",
    "ProcessExecutor": "hubsim.experiments.executors",
    "SerialExecutor": "hubsim.experiments.executors",
    "GoalResult": "hubsim.experiments.goal", "goal_seek": "hubsim.experiments.goal",
    "Experiment": "hubsim.experiments.replicate", "replicate": "hubsim.experiments.replicate",
    "sweep": "hubsim.experiments.replicate",
    "Verdict": "hubsim.experiments.verdict", "run_verdict": "hubsim.experiments.verdict",
    "Scenario": "hubsim.scenario.schema",
    "comparison_figure": "hubsim.present.experiment_output",
    "sweep_figure": "hubsim.present.experiment_output",
    "figure": "hubsim.present.figures", "figure_names": "hubsim.present.figures",
    "write_results": "hubsim.present.output",
    "__version__": "hubsim.version",
}

__all__ = ["CapacityResult", "Comparison", "ConservationError", "DaskExecutor", "Experiment",
           "GoalResult", "HubsimError", "ProcessExecutor", "Results", "Scenario", "ScenarioError",
           "SerialExecutor", "Verdict", "__version__", "apply_changes", "bundled_scenario",
           "capacity", "compare", "comparison_figure", "figure", "figure_names", "goal_seek",
           "load_scenario", "replicate", "run_verdict", "simulate", "sweep", "sweep_figure",
           "write_results"]

if not TYPE_CHECKING:  # for mypy every name above is imported: a typo stays an error

    def __getattr__(name: str) -> object:
        """Import a public name on first use and keep it (PEP 562)."""
        if name not in _SOURCES:
            raise AttributeError(f"module 'hubsim' has no attribute {name!r}")
        value = getattr(import_module(_SOURCES[name]), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
