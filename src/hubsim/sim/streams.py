"""Named random streams and sampler wrappers.

Each purpose gets its own ``numpy.random.Generator`` spawned from the run's seed and a hash of
the name, so a stream does not move when the scenario changes elsewhere and results do not
depend on worker count. The names in use (renaming one changes results):

===================== ===================================== ==============================
name                  draws                                 module
===================== ===================================== ==============================
``arrivals:<row>``    gaps between consignments (unit mean)  :mod:`hubsim.sim.demand`
``batch:<row>``       consignment sizes, TEU or t            :mod:`hubsim.sim.demand`
``unit-exponential``  exponential handling (all hubs)        :mod:`hubsim.sim.engine`
``dwell:<hub>``       yard dwell, h                          :mod:`hubsim.sim.hubs`
``clearance:<hub>``   customs clearance, h                   :mod:`hubsim.sim.hubs`
``transit:<link>``    transit times, h (loaded and empty)    :mod:`hubsim.sim.travel`
``lock:<link>``       lock passage, h                        :mod:`hubsim.sim.travel`
``lock_wait:<n>``     lock passage in disruption ``n``, h    :mod:`hubsim.sim.timeline`
===================== ===================================== ==============================

``<row>`` is a demand row's index, ``<link>`` a link's index, ``<hub>`` a hub id.
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
