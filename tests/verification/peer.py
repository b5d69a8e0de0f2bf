"""The same M/M/c and network cases in Ciw, an independent queueing simulator.

A bug shared by our engine and our formulas would pass the analytic checks; it would not also
be in Ciw. Each hubsim hub is one Ciw node with ``c`` servers and exponential service at rate
MU; each demand row is a Ciw customer class arriving at the node of its first hub as a Poisson
process, routed with ``ProcessBased`` along the same handling operations as in hubsim (a hub
passed through appears twice). The trucks' 1e-6 h transits are left out. Measurements mirror
:mod:`.cases`: services ending inside the window [warm-up, warm-up + measured) count, and
utilisation is the service time of those divided by servers x window.
"""

from __future__ import annotations

from functools import cache

import ciw
import numpy as np
import pandas as pd

from .cases import MU, SEED0, MMcCase, NetCase

__all__ = ["ciw_mmc", "ciw_network"]


def _records(network: ciw.Network, seed: int, end_h: float) -> pd.DataFrame:
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(end_h)
    recs = sim.get_all_records()
    return pd.DataFrame({
        "id": [r.id_number for r in recs],
        "cls": [r.customer_class for r in recs],
        "node": [r.node for r in recs],
        "arrival": [r.arrival_date for r in recs],
        "wait": [r.waiting_time for r in recs],
        "service": [r.service_time for r in recs],
        "end": [r.service_end_date for r in recs],
        "dest": [r.destination for r in recs],
    })


@cache
def ciw_mmc(case: MMcCase) -> dict[str, np.ndarray]:
    """Per replication: mean wait in queue (``wq``), utilisation (``util``), services (``n``)."""
    net = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(case.lam)],
                             service_distributions=[ciw.dists.Exponential(MU)],
                             number_of_servers=[case.c])
    start, end = case.warmup_h, case.warmup_h + case.measured_h
    out: dict[str, list[float]] = {"wq": [], "util": [], "n": []}
    for rep in range(case.reps):
        df = _records(net, SEED0 + rep, end)
        df = df[(df["end"] >= start) & (df["end"] < end)]
        out["wq"].append(df["wait"].mean())
        out["util"].append(df["service"].sum() / (case.c * case.measured_h))
        out["n"].append(len(df))
    return {k: np.array(v) for k, v in out.items()}


def _network(case: NetCase) -> ciw.Network:
    hubs = case.hubs
    node = {h: i + 1 for i, h in enumerate(hubs)}
    arrivals, services, routing = {}, {}, {}
    for i, (_, path, rate) in enumerate(case.rows):
        cls = f"row{i}"
        arrivals[cls] = [ciw.dists.Exponential(rate) if h == path[0] else None for h in hubs]
        services[cls] = [ciw.dists.Exponential(MU) for _ in hubs]
        # the route after the first operation (Ciw's starting node is the arrival node)
        rest = [node[h] for h in case.stations(path)[1:]]
        routing[cls] = ciw.routing.ProcessBased(lambda ind, sim, rest=rest: list(rest))
    return ciw.create_network(arrival_distributions=arrivals, service_distributions=services,
                              number_of_servers=[c for _, c in case.servers], routing=routing)


@cache
def ciw_network(case: NetCase) -> dict[str, np.ndarray]:
    """Per replication, with the keys of :func:`.cases.run_network`."""
    net = _network(case)
    start, end = case.warmup_h, case.warmup_h + case.measured_h
    servers = dict(case.servers)
    out: dict[str, list[float]] = {}
    for rep in range(case.reps):
        df = _records(net, SEED0 + rep, end)
        first = df.groupby("id")["arrival"].min()
        inside = df[(df["end"] >= start) & (df["end"] < end)]
        for j, hub in enumerate(case.hubs):
            mine = inside[inside["node"] == j + 1]
            out.setdefault(f"wq:{hub}", []).append(mine["wait"].mean())
            out.setdefault(f"util:{hub}", []).append(
                mine["service"].sum() / (servers[hub] * case.measured_h))
            out.setdefault(f"rate:{hub}", []).append(len(mine) / case.measured_h)
        done = inside[inside["dest"] == -1]
        time = done["end"].to_numpy() - done["id"].map(first).to_numpy()
        by_row = pd.Series(time).groupby(done["cls"].to_numpy()).mean()
        for i in range(len(case.rows)):
            out.setdefault(f"time:{i}", []).append(by_row.get(f"row{i}", np.nan))
    return {k: np.array(v) for k, v in out.items()}
