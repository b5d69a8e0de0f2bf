"""What the engine's parts share: the clock, the scenario, the records, the ledger, the state.

The engine builds one :class:`Context` and hands it to its parts (arrivals, scheduled services,
trucks, the consignment flow), so each part names what it uses and none reaches into another.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubsim.scenario.schema import Scenario
from hubsim.sim.cargo import Ledger
from hubsim.sim.choice import RouteChoice
from hubsim.sim.loop import Clock
from hubsim.sim.network import Leg
from hubsim.sim.records import Recorder
from hubsim.sim.state import NetworkState
from hubsim.sim.streams import Streams
from hubsim.sim.travel import Travel

__all__ = ["Context"]


@dataclass(frozen=True, slots=True, eq=False)
class Context:
    """The shared parts of one run.

    Attributes
    ----------
    env : Clock
        The clock, in hours since the start (warm-up included).
    scn : Scenario
        The scenario simulated.
    seed : int
        The run's seed.
    streams : Streams
        The run's random streams, by purpose and id.
    warmup_h : float
        Warm-up length, h.
    rec : Recorder
        The event, consignment and trip records.
    ledger : Ledger
        Ids, totals and whereabouts of all cargo.
    state : NetworkState
        Link, hub, lock and fleet state (what the timeline changes).
    travel : Travel
        Moves vehicles along links.
    node_idx : dict of str to int
        Node id to node index in the records.
    link_idx : dict of (str, str, str) to int
        ``(from node, to node, mode)`` to link index, both directions.
    routes : dict of (str, str, str) to tuple of Leg
        ``(origin, destination, cargo class)`` to its least-cost route.
    choice : RouteChoice or None
        The logit route choice (``routing.choice: logit``); None: every load takes ``routes``.
    """

    env: Clock
    scn: Scenario
    seed: int
    streams: Streams
    warmup_h: float
    rec: Recorder
    ledger: Ledger
    state: NetworkState
    travel: Travel
    node_idx: dict[str, int]
    link_idx: dict[tuple[str, str, str], int]
    routes: dict[tuple[str, str, str], tuple[Leg, ...]]
    choice: RouteChoice | None = None
