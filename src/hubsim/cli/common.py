"""What every command handler shares: the default scenario."""

from __future__ import annotations

from pathlib import Path

from hubsim.scenario.loader import bundled_scenario

__all__ = ["DEFAULT_SCENARIO", "default_scenario"]

#: The scenario ``hubsim run`` simulates when none is given.
DEFAULT_SCENARIO = "chongqing_2022_target.yaml"


def default_scenario() -> Path:
    """The bundled default scenario file."""
    return bundled_scenario(DEFAULT_SCENARIO)
