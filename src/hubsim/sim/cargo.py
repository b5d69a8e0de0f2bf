"""Consignments, and the ledger that accounts for every TEU and tonne of a run.

A consignment is a batch of boxes (or tonnes of air cargo) with one origin, destination and
route. The :class:`Ledger` numbers consignments and vehicle trips, knows where every live
consignment is (at a node or on a vehicle) and checks at the end of the run that nothing was
created or lost: generated = delivered + at nodes + on vehicles, in TEU and in tonnes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import simpy

from hubsim.errors import ConservationError
from hubsim.sim import records as R
from hubsim.sim.network import Leg
from hubsim.sim.records import Recorder

__all__ = ["AIR", "CONTAINER", "EMPTY", "Consignment", "Ledger"]

CONTAINER, AIR = 0, 1  # cargo codes, as in the records' ``cargo`` column
#: Cargo code of empty boxes being repositioned (:mod:`hubsim.sim.empties`; only in runs with
#: an ``empties`` section): moved, lifted and stored like loaded boxes, no tonnes.
EMPTY = 2


@dataclass(slots=True, eq=False)
class Consignment:
    """Cargo moving as one along its route (compared by identity).

    Attributes
    ----------
    cid : int
        Id in the records.
    load : float
        Size in its own unit: TEU for containers, tonnes for air cargo.
    teu, tonnes : float
        Size in TEU (0 for air cargo) and in tonnes of cargo.
    intl : bool
        Counts toward international volume (clearance applies where it crosses a gateway).
    route : tuple of Leg
        The legs from its origin to its destination (a re-route replaces the legs ahead).
    leg : int
        Index in ``route`` of the next leg to travel.
    node : str
        Node id where it is, or the last one it left while on a vehicle.
    dest : str
        Destination node id.
    created, since : float
        Hours since the start: when it was generated; when it arrived at its node (or was
        generated there).
    depot : bool
        Stored in its hub's off-dock depot rather than the yard.
    demand : int
        Index of the demand row that generated it.
    cargo : int
        :data:`CONTAINER`, :data:`AIR` or :data:`EMPTY`.
    """

    cid: int
    load: float
    teu: float
    tonnes: float
    intl: bool
    route: tuple[Leg, ...]
    leg: int
    node: str
    dest: str
    created: float
    since: float
    depot: bool
    demand: int
    cargo: int


class Ledger:
    """Ids, totals and whereabouts of all cargo in a run.

    Totals are ``[TEU, tonnes]``; ``at_node`` maps a consignment id to a consignment at a node
    (waiting, dwelling, queued or loading), ``on_vehicle`` a trip id to the consignments on it.
    """

    def __init__(self, env: simpy.Environment, rec: Recorder) -> None:
        self.env = env
        self.rec = rec
        self.next_cid = 0
        self.next_trip = 0
        self.generated = [0.0, 0.0]
        self.delivered = [0.0, 0.0]
        self.at_node: dict[int, Consignment] = {}
        self.on_vehicle: dict[int, list[Consignment]] = {}
        #: called with each consignment delivered (the box pools, when empties are tracked)
        self.on_deliver: Callable[[Consignment], None] | None = None

    def new_cid(self) -> int:
        """The next consignment id (ids count up from 0 in creation order)."""
        cid = self.next_cid
        self.next_cid += 1
        return cid

    def new_trip(self) -> int:
        """The next trip id (ids count up from 0 in departure order)."""
        trip = self.next_trip
        self.next_trip += 1
        return trip

    def deliver(self, c: Consignment, node: int) -> None:
        """Count ``c`` as delivered at node index ``node`` now (a ``delivered`` event)."""
        self.delivered[0] += c.teu
        self.delivered[1] += c.tonnes
        now = self.env.now
        self.rec.event(now, R.DELIVERED, c.cid, node, -1, -1, -1, c.teu, c.tonnes, 0.0,
                   now - c.created)
        if self.on_deliver is not None:
            self.on_deliver(c)

    def balance(self) -> dict[str, float]:
        """Generated, delivered, at nodes and on vehicles, in TEU and in tonnes (keys like
        ``generated_teu``, ``at_nodes_tonnes``), counted from the live structures.

        Raises
        ------
        ConservationError
            When generated differs from delivered + at nodes + on vehicles by more than a
            relative 1e-6 (a bug in the engine).
        """
        at_node = [0.0, 0.0]
        for c in self.at_node.values():
            at_node[0] += c.teu
            at_node[1] += c.tonnes
        on_vehicle = [0.0, 0.0]
        for cs in self.on_vehicle.values():
            for c in cs:
                on_vehicle[0] += c.teu
                on_vehicle[1] += c.tonnes
        balance = {}
        for i, unit in enumerate(("teu", "tonnes")):
            gen, dlv = self.generated[i], self.delivered[i]
            rest = at_node[i] + on_vehicle[i]
            balance[f"generated_{unit}"] = gen
            balance[f"delivered_{unit}"] = dlv
            balance[f"at_nodes_{unit}"] = at_node[i]
            balance[f"on_vehicles_{unit}"] = on_vehicle[i]
            if abs(gen - dlv - rest) > 1e-6 * max(1.0, gen):
                raise ConservationError(
                    f"{unit}: generated {gen:.6f} != delivered {dlv:.6f} + at nodes "
                    f"{at_node[i]:.6f} + on vehicles {on_vehicle[i]:.6f}")
        return balance
