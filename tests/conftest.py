"""Shared fixtures: the bundled tiny scenario, a dict -> Scenario builder, closed figures.

Hypothesis runs derandomized (the same examples on every run, no example database), so a
property test never flakes in CI; set HUBSIM_HYPOTHESIS=random to explore new examples locally.
"""

from __future__ import annotations

import os

os.environ["MPLBACKEND"] = "Agg"  # before anything imports matplotlib.pyplot

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from hypothesis import settings

from hubsim.scenario.build import build_scenario
from hubsim.scenario.schema import Scenario

matplotlib.use("Agg")

settings.register_profile("derandomized", derandomize=True, database=None)
settings.register_profile("random", derandomize=False)
settings.load_profile("random" if os.environ.get("HUBSIM_HYPOTHESIS") == "random"
                      else "derandomized")

TESTS = Path(__file__).resolve().parent
TINY = TESTS / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="session")
def tiny_path() -> Path:
    """Path of tests/scenarios/tiny.yaml (one zone, two hubs, two gateways)."""
    return TINY


@pytest.fixture
def make_scenario() -> Callable[[dict[str, Any]], Scenario]:
    """Build a validated Scenario from a plain dict, as if read from YAML.

    The dict is deep-copied so a test can reuse and mutate its template freely.
    """

    def build(data: dict[str, Any]) -> Scenario:
        return build_scenario(copy.deepcopy(data))

    return build


@pytest.fixture(autouse=True)
def _close_figures():
    """Every figure a test opens is closed after it (STYLE.md: figures closed)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
