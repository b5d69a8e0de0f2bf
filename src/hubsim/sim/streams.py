"""Named random streams and sampler wrappers.

Each purpose (``arrivals:3``, ``dwell:guoyuan``, ``transit:5``, ...) gets its own
``numpy.random.Generator`` spawned from the run's seed and a hash of the name, so a stream does
not move when the scenario changes elsewhere and results do not depend on worker count.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from hubsim.scenario.distributions import Sampler

__all__ = ["Scaled", "stream"]


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per named purpose, stable under scenario edits elsewhere."""
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


@dataclass(frozen=True, slots=True)
class Scaled:
    """A sampler's draws times ``factor`` (clearance slowdowns); ``Scaled(base, f)()`` draws
    one value in the base sampler's unit."""

    base: Sampler
    factor: float

    def __call__(self) -> float:
        return self.base() * self.factor
