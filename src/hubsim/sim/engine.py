"""The SimPy engine: consignments, vehicles and hub resources as processes; flat records out.

Model (all times in hours; loads in TEU for containers, tonnes for air cargo), one part per
module:

* **Demand** (:mod:`hubsim.sim.demand`): each demand row generates consignments as the clock
  runs (Poisson, piecewise-constant monthly rate); a consignment
  (:mod:`hubsim.sim.cargo`) is a batch of boxes with one origin, destination and route.
* **Hubs** (:mod:`hubsim.sim.hubs`) handle each vehicle in the area of its mode
  (:mod:`hubsim.sim.terminals`: a berth, track, lane or stand, then between ``min_units`` and
  ``max_units`` handling units; the load's moves over the units' rate, paused outside the open
  hours) and keep a yard that pushes back: a vehicle waits at anchorage or a holding siding,
  a truck at the gate, until its load fits (``yard_wait`` events), or a depot takes it
  (``depot``). Nothing is stored beyond capacity, so a yard full of loads that only vehicles
  stuck outside it could take away stays full: a gridlock shows as growing ``yard_wait``.
  Transferring loads then dwell (``dwell_h``, plus ``clearance_h`` where an international load
  enters or leaves the region) before they are ready for the next leg (:mod:`hubsim.sim.flow`).
* **Scheduled services** (:mod:`hubsim.sim.services`) depart per direction on a headway; with
  a finite fleet a departure waits for a vehicle at that end (missed slots are skipped). At
  its slot a vehicle takes ready consignments first come first served up to capacity
  (splitting the last one); it then loads, in its own process so the timetable keeps its
  slots (the taken consignments stay at the node until it departs), leaves when its link is
  open, travels (optionally through a lock, :mod:`hubsim.sim.travel`), waits for yard room,
  is discharged, and stays at the far end for the return service (or runs back empty when
  one-way). Its service's ``priority`` applies at positions, units, yard room and locks.
* **On-demand services** (trucks, :mod:`hubsim.sim.trucks`) take ceil(load / capacity)
  vehicles from the fleet at once and return exactly those, empty, after delivery.
* **Disruptions and investments** (:mod:`hubsim.sim.timeline`) change the network state
  (:mod:`hubsim.sim.state`) at the edges of their windows. On a closed link scheduled
  departures are cancelled (``cancelled`` events), loads wait at the node (or, with
  ``reroute``, take the best route without it: ``rerouted``) and vehicles already on it stop
  until it reopens (``held`` events); low water cuts the capacity a departure takes; demand
  shocks and yearly growth change the arrival rate at their boundaries (memoryless restart,
  as at month ends).

Each purpose draws from its own named random stream (:mod:`hubsim.sim.streams`). The engine
checks conservation at the end: generated = delivered + at nodes + on vehicles, in TEU and in
tonnes, from the live structures; it raises :class:`ConservationError` if not.

With an ``empties`` section (:mod:`hubsim.sim.empties`) container consignments take boxes from
their origin's pool (or wait for them), release them at their destination, and empties are
repositioned to short nodes on the room loaded cargo leaves; the engine then also checks that
no box was created or lost.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass

from hubsim.errors import ConservationError
from hubsim.scenario.schema import Scenario
from hubsim.sim.cargo import Ledger
from hubsim.sim.choice import RouteChoice
from hubsim.sim.context import Context
from hubsim.sim.demand import arrivals
from hubsim.sim.empties import Boxes
from hubsim.sim.flow import Flow
from hubsim.sim.hubs import build_hubs
from hubsim.sim.loop import Clock, let_go
from hubsim.sim.network import build_network, route_table
from hubsim.sim.records import Recorder
from hubsim.sim.services import Services, build_queues
from hubsim.sim.state import NetworkState
from hubsim.sim.streams import Streams
from hubsim.sim.timeline import schedule
from hubsim.sim.travel import Travel, build_locks, build_returns, build_transit
from hubsim.sim.trucks import Trucks

__all__ = ["ConservationError", "EngineOutput", "run_engine"]


@dataclass(frozen=True, slots=True)
class EngineOutput:
    """What one engine run produced.

    Attributes
    ----------
    recorder : Recorder
        The event, consignment and trip records.
    horizon_h, warmup_h : float
        Run length and warm-up, h.
    seed : int
        The run's seed.
    simpy_events : int
        SimPy events scheduled (a measure of the work done).
    balance : dict of str to float
        Generated, delivered, at nodes and on vehicles at the end, TEU and tonnes
        (:meth:`hubsim.sim.cargo.Ledger.balance`).
    """

    recorder: Recorder
    horizon_h: float
    warmup_h: float
    seed: int
    simpy_events: int
    balance: dict[str, float]


class _Engine:
    """One run of a scenario: builds the parts, then :meth:`start` puts them on the clock."""

    def __init__(self, scn: Scenario, seed: int, horizon_h: float, warmup_h: float):
        self.scn = scn
        self.seed = seed
        self.horizon_h = horizon_h
        self.warmup_h = warmup_h
        self.env = env = Clock()
        graph = build_network(scn)
        routes = route_table(graph, scn)
        node_names = [nid for nid, _, _ in scn.iter_nodes()]
        node_idx = {n: i for i, n in enumerate(node_names)}
        link_idx: dict[tuple[str, str, str], int] = {}
        for i, lk in enumerate(scn.links):
            link_idx[(lk.from_, lk.to, lk.mode)] = i
            link_idx[(lk.to, lk.from_, lk.mode)] = i
        link_names = [f"{lk.from_}-{lk.to}:{lk.mode}" for lk in scn.links]
        self.rec = rec = Recorder(node_names, link_names, [s.id for s in scn.services])
        self.streams = streams = Streams(seed)
        hubs = build_hubs(scn, env, streams, node_idx, rec)
        transit = build_transit(scn, streams)
        locks = build_locks(scn, env, streams, rec=rec, warmup_h=warmup_h)
        self.state = state = NetworkState(env, scn.services, hubs, locks, len(scn.links))
        self.ledger = ledger = Ledger(env, rec)
        travel = Travel(env, rec, state, transit, build_returns(scn, streams, link_idx),
                        {i: lk.from_ for i, lk in enumerate(scn.links)})
        # route choice (issue 14 part 1): None keeps every load on its least-cost route
        self.choice = (RouteChoice(graph, scn, warmup_h) if scn.routing.choice == "logit"
                       else None)
        self.ctx = ctx = Context(env, scn, seed, streams, warmup_h, rec, ledger, state, travel,
                                 node_idx, link_idx, routes, self.choice)
        self.queues = queues = build_queues(scn)
        self.flow = flow = Flow(ctx, queues, Trucks(ctx))
        self.services = Services(ctx, queues, onward=flow.start)
        state.on_close = flow.reroute_queued
        # empty containers (opt-in): box pools between the arrivals and the flow
        self.boxes: Boxes | None = None
        if scn.empties is not None and scn.empties.enabled:
            self.boxes = Boxes(ctx, flow.start)
            rec.cargo_names = ("container", "air", "empty")
            ledger.on_deliver = self.boxes.delivered

    def close_waits(self) -> None:
        """At the end of the run: the waits for yard room still going on are cut now."""
        for hub in self.state.hubs.values():
            hub.close_waits()
        if self.boxes is not None:
            self.boxes.close_waits()

    def release(self) -> None:
        """Let go of what the run still holds once it is over (its records and balance taken),
        so that reference counting frees it rather than the cyclic collector.

        A process waiting for an event is in a reference cycle with it (the event's callbacks
        hold the process's resume method, the process holds the event as its target), and so
        is everything its generator's frame holds. Only a full collection frees a cycle, and
        it first walks every live object: in a saturated network, with a quarter of a million
        loads waiting at gates and hundreds of thousands of processes waiting for a truck or
        yard room at the end (the 2022 plan at 4x demand), that took 6-8 s of a 27 s run.
        Dropping the pending events' callbacks breaks those cycles (no process is resumed
        after the run; a process of the clock waiting for one also drops the callback list
        of its wake-up from plain delays, which holds it: :func:`hubsim.sim.loop.let_go`),
        and emptying the queues of loads frees the loads at once: the collection after it
        finds a few thousand objects.
        """
        env = self.env
        for *_, event in env.queued():
            let_go(event)
        env.clear_queue()
        state = self.state
        slots = [s for hub in state.hubs.values()
                 for s in (hub.yard, hub.depot,
                           *(x for area in hub.pools for x in (area.units, area.positions)))
                 if s is not None]
        slots += state.truck_fleets.values()
        slots += [s for ends in state.pools.values() for s in ends.values()]
        for s in slots:
            for *_, event in s.waiters:
                let_go(event)
            s.waiters.clear()
        for event in state.link_reopen.values():
            let_go(event)
        for q in self.queues.values():
            if q.signal is not None:
                let_go(q.signal)
            q.items.clear()
            q.spare.clear()
        self.ledger.at_node.clear()
        self.ledger.on_vehicle.clear()

    def start(self) -> None:
        """Register the disruptions and investments, then start the arrival and departure
        processes (in that order: the arrivals read the demand shocks the timeline sets up)."""
        schedule(self.state, self.scn, self.streams, self.warmup_h, self.horizon_h)
        onward = self.flow.start if self.boxes is None else self.boxes.depart
        for i in range(len(self.scn.demand)):
            self.env.process(arrivals(self.ctx, i, onward))
        self.services.start()
        if self.choice is not None and self.choice.period_h > 0:  # route choice updates
            self.env.process(self.choice.updates(self.state, self.queues))
        if self.boxes is not None:
            self.env.process(self.boxes.reviews())


def run_engine(scn: Scenario, seed: int, horizon_h: float, warmup_h: float,
               progress: Callable[[float, float], None] | None = None) -> EngineOutput:
    """Simulate ``horizon_h`` hours (``warmup_h`` of them warm-up) and return the records.

    ``progress(sim_day, total_days)``, when given, is called after each simulated day (days
    since the start, warm-up included) and at the end; it has no effect on the results.

    Raises
    ------
    ConservationError
        When cargo (or, with empties, a box) was created or lost (a bug in the engine).
    """
    eng = _Engine(scn, seed, horizon_h, warmup_h)
    eng.start()
    # The run allocates millions of short-lived objects but makes no reference cycles worth
    # collecting while it runs; the cyclic collector's repeated scans of the growing heap cost
    # about half the run time (benchmarks/), so it is paused until the engine is let go of
    # (and restored however the run ends).
    collecting = gc.isenabled()
    gc.disable()
    chunks = 1
    try:
        if progress is None:
            eng.env.run_until(horizon_h)
        else:
            # day by day: each stop is one extra (urgent) SimPy event that comes before the
            # model's events at that instant and changes nothing in their order
            total_days = horizon_h / 24.0
            day = 1
            while day * 24.0 < horizon_h:
                eng.env.run_until(day * 24.0)
                progress(float(day), total_days)
                day += 1
            eng.env.run_until(horizon_h)
            progress(total_days, total_days)
            chunks = day
        eng.close_waits()
        balance = eng.ledger.balance()
        if eng.boxes is not None:
            balance.update(eng.boxes.balance())  # no box created or lost
        # events scheduled so far, not counting the extra stops of a run reported day by day
        # (each ``run(until=...)`` takes two event ids in SimPy 4)
        simpy_events = next(eng.env._eid) - 2 * (chunks - 1)
        out = EngineOutput(eng.rec, horizon_h, warmup_h, seed, simpy_events, balance)
        # Free the engine now, before the record tables are built beside it: its waiting
        # processes and loads by reference counting (_Engine.release), then what is left in
        # cycles (its parts point at each other) in one small collection.
        eng.release()
        del eng
        gc.collect()
    finally:
        if collecting:
            gc.enable()
    return out
