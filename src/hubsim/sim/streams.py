"""The run's random streams, one per purpose and id, in one registry.

Every draw the engine makes comes from a named stream: a ``numpy.random.Generator`` spawned
from the run's seed and a hash of the name (``handling:guoyuan:water``). A stream's name says
what it draws and for which hub, link, service or demand row, never a position in a list, so
a change at one hub moves only that hub's draws (common random numbers for ``compare``), and
results do not depend on the number of workers. :class:`Streams` hands each name out once
(two users of one stream would couple them) and refuses purposes not in :data:`PURPOSES`.

======================= ======================================= ============================
name                    draws                                   module
======================= ======================================= ============================
``arrivals:<row>``      gaps between consignments (unit mean)    :mod:`hubsim.sim.demand`
``batch:<row>``         consignment sizes, TEU or t              :mod:`hubsim.sim.demand`
``handling:<hub>:<a>``  exponential move times in area ``<a>``   :mod:`hubsim.sim.terminals`
``dwell:<hub>``         yard dwell, h                            :mod:`hubsim.sim.hubs`
``clearance:<hub>``     customs clearance, h                     :mod:`hubsim.sim.hubs`
``transit:<link>``      loaded transit times, h                  :mod:`hubsim.sim.travel`
``return:<service>``    empty runs back of one-way vehicles, h   :mod:`hubsim.sim.travel`
``lock:<link>``         lock passage (and other traffic), h      :mod:`hubsim.sim.locks`
``lock_wait:<n>``       lock passage in disruption ``n``, h      :mod:`hubsim.sim.timeline`
``choice:<row>``        uniforms drawing each load's route       :mod:`hubsim.sim.choice`
======================= ======================================= ============================

``<row>`` is a demand row's key (:func:`demand_key`), ``<link>`` a link's name
(``from-to:mode``, :func:`link_key`), ``<hub>`` a hub id, ``<a>`` an area (a mode, or
``shared`` for the hub's shared pool), ``<service>`` a service id. A purpose may append more
parts to its key (``lock:<link>:other:0``).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hubsim.scenario.distributions import Sampler
from hubsim.scenario.schema import Demand, Link

__all__ = ["PURPOSES", "Scaled", "Streams", "demand_key", "link_key", "stream"]

#: The purposes a stream may serve (the first part of its name).
PURPOSES = ("arrivals", "batch", "handling", "dwell", "clearance", "transit", "return", "lock",
            "lock_wait",
            "choice")  # route choice (issue 14 part 1)


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per name, stable under scenario edits elsewhere."""
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


class Streams:
    """The registry of one run's streams: ``streams("handling", "guoyuan:water")``.

    >>> s = Streams(7)
    >>> a = s("transit", "tuanjie-duisburg:rail")
    >>> sorted(s.names)
    ['transit:tuanjie-duisburg:rail']
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.names: set[str] = set()

    def __call__(self, purpose: str, key: str) -> np.random.Generator:
        """The stream for ``purpose`` and ``key``; each name is handed out once."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown stream purpose {purpose!r}; add it to PURPOSES")
        name = f"{purpose}:{key}"
        if name in self.names:
            raise ValueError(f"stream {name!r} is already in use")
        self.names.add(name)
        return stream(self.seed, name)


def link_key(link: Link) -> str:
    """A link's name in streams and records: ``from-to:mode``."""
    return f"{link.from_}-{link.to}:{link.mode}"


def demand_key(rows: Sequence[Demand], i: int) -> str:
    """Demand row ``i``'s name in streams: ``origin>destination:cargo``, with ``#n`` for the
    n-th earlier row of the same ends and cargo (rows differing only in volume or flags)."""
    d = rows[i]
    base = f"{d.origin}>{d.destination}:{d.cargo}"
    same = sum(1 for e in rows[:i]
               if (e.origin, e.destination, e.cargo) == (d.origin, d.destination, d.cargo))
    return base if same == 0 else f"{base}#{same}"


@dataclass(frozen=True, slots=True)
class Scaled:
    """A sampler's draws times ``factor`` (clearance slowdowns); ``Scaled(base, f)()`` draws
    one value in the base sampler's unit."""

    base: Sampler
    factor: float

    def __call__(self) -> float:
        return self.base() * self.factor
