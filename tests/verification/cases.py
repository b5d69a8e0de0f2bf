"""The stochastic verification cases, run through the public API (one definition each).

* :data:`MMC_CASES`: one zone feeding one hub by trucks. Consignments of 1 TEU arrive as a
  Poisson process and each is lifted off once; with ``handling: exponential`` a lift holds one
  of ``equipment`` units for an exponential time of mean 1 / ``moves_per_hour``: an M/M/c
  queue at the hub's equipment.
* :data:`TANDEM` and :data:`JACKSON`: hubs in a line or a tree, fed from zones by on-demand
  trucks with (almost) zero transit. A consignment passing through a hub is lifted twice there
  (off the arriving truck, then onto the next truck, with zero dwell in between); one ending at
  a hub is lifted once. Each demand row is a fixed route, so the network is a Kelly (BCMP)
  network of FCFS M/M/c stations with class-independent service; seen per hub visit, the
  demand rows that leave a hub by different links are the Jackson routing split (the split
  probability is the ratio of the rows' rates). Product form: each hub is the M/M/c queue at
  its total lift rate.

Results are per-replication arrays (one value per seed), cached so that the tests, the Ciw
comparison and the report share the runs within one process.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache

import numpy as np

import hubsim
from hubsim.scenario.build import build_scenario
from hubsim.scenario.schema import HOURS_PER_YEAR, Scenario

from .theory import MMc, jackson_rates, mmc, product_form, route_sojourn, visit_rates

__all__ = ["BERTH_CASES", "JACKSON", "MMC_CASES", "MU", "NETWORK_CASES", "SEED0", "TANDEM",
           "BerthCase", "MMcCase", "NetCase", "Stat", "berth_dict", "mmc_dict", "network_dict",
           "network_scenario", "run_berths", "run_mmc", "run_network", "stat"]

MU = 4.0  # TEU/h per handling unit: mean lift 0.25 h, so waits are in hours
#: The (almost) instantaneous trucks are deliberately far outside the plausible road ranges.
TRUCK_OUTLIERS = ["links.*.distance_km", "links.*.speed_kmh"]
SEED0 = 1000  # replication r uses seed SEED0 + r (the Ciw runs use the same seeds)
TRUCK_KM, TRUCK_KMH = 0.001, 1000.0  # transit 1e-6 h: trucks are (almost) instantaneous


@dataclass(frozen=True)
class Stat:
    """Mean over replications and its standard error."""

    mean: float
    se: float
    n: int

    def ci(self, z: float = 3.0) -> tuple[float, float]:
        return self.mean - z * self.se, self.mean + z * self.se


def stat(values: np.ndarray) -> Stat:
    v = np.asarray(values, dtype=float)
    return Stat(float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v))), len(v))


# ------------------------------------------------------------------------ one hub: M/M/c


@dataclass(frozen=True)
class MMcCase:
    """An M/M/c hub: ``c`` units at rate MU, load ``rho``, about ``customers`` lifts per
    replication measured after a warm-up of a tenth of that."""

    c: int
    rho: float
    customers: int
    reps: int

    @property
    def id(self) -> str:
        return f"c{self.c}-rho{self.rho}"

    @property
    def lam(self) -> float:
        return self.rho * self.c * MU

    @property
    def measured_h(self) -> float:
        return self.customers / self.lam

    @property
    def warmup_h(self) -> float:
        return 0.1 * self.measured_h

    @property
    def theory(self) -> MMc:
        return mmc(self.c, self.lam, MU)


MMC_CASES = (
    MMcCase(2, 0.50, 15_000, 8),
    MMcCase(3, 0.75, 20_000, 8),
    MMcCase(4, 0.90, 30_000, 10),
    MMcCase(2, 0.90, 30_000, 10),
    # a large terminal near saturation: ten cranes at 95 % (waits relax slowly: long runs)
    MMcCase(10, 0.95, 250_000, 10),
)


def mmc_dict(c: int, lam: float, mu: float, measured_h: float, warmup_h: float,
             handling: str = "exponential") -> dict:
    """One zone -> one hub by on-demand trucks with (almost) zero transit: an M/M/c hub."""
    return {
        "name": "mmc",
        "run": {"horizon_days": (warmup_h + measured_h) / 24.0, "warmup_days": warmup_h / 24.0,
                "seed": 0},
        "hubs": {"h": {"lat": 0, "lon": 0, "equipment": c, "moves_per_hour": mu,
                       "handling": handling, "yard_teu": 1e9}},
        "zones": {"z": {"lat": 0, "lon": 0.1}},
        "links": [{"from": "z", "to": "h", "mode": "road", "distance_km": TRUCK_KM,
                   "speed_kmh": TRUCK_KMH, "co2_g_per_tkm": 0}],
        "services": [{"id": "truck", "from": "z", "to": "h", "mode": "road",
                      "capacity_teu": 1, "on_demand": True}],
        "demand": [{"origin": "z", "destination": "h", "teu_per_year": lam * HOURS_PER_YEAR,
                    "batch_dist": "fixed", "batch_mean": 1}],
        "allow_outliers": TRUCK_OUTLIERS,
    }


#: a case with more customers than this (all replications together) runs its replications on
#: two processes (same seeds, same numbers: only the wall time changes)
PARALLEL_ABOVE = 500_000


def _replicate(one: Callable[[Scenario, int], dict[str, float]], scn: Scenario, reps: int,
               customers: int) -> dict[str, np.ndarray]:
    """``one(scn, seed)`` for the replications' seeds, in order; on two processes when the
    case is large."""
    seeds = [SEED0 + rep for rep in range(reps)]
    if customers * reps > PARALLEL_ABOVE and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor(2) as pool:
            rows = list(pool.map(one, [scn] * reps, seeds))
    else:
        rows = [one(scn, seed) for seed in seeds]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def _mmc_rep(scn: Scenario, seed: int) -> dict[str, float]:
    res = hubsim.simulate(scn, seed=seed)
    ev = res.events
    lifts = ev[(ev["event"] == "lift_off") & (ev["node"] == "h") & res.window.mask(ev["t_h"])]
    return {"wq": float(lifts["wait_h"].mean()),
            "util": res.kpi("equipment_utilisation", "hub", "h"), "n": float(len(lifts))}


@cache
def run_mmc(case: MMcCase) -> dict[str, np.ndarray]:
    """Per replication: mean equipment wait of the lifts in the window (``wq``, h), equipment
    utilisation KPI (``util``) and number of lifts (``n``)."""
    scn = build_scenario(mmc_dict(case.c, case.lam, MU, case.measured_h, case.warmup_h))
    return _replicate(_mmc_rep, scn, case.reps, case.customers)


# ------------------------------------------------------------------------ berths: M/M/c


@dataclass(frozen=True)
class BerthCase(MMcCase):
    """A quay of ``c`` berths fed by barges arriving as a Poisson process, each carrying one
    move (load = ``teu_per_move``) and discharged by one of plenty of cranes (2 ``c``) at
    exponential move times of mean 1 / MU: the berths are the servers of an M/M/c queue
    (the cranes never bind). The wait is the handling table's ``position_h - request_h``."""

    @property
    def id(self) -> str:
        return f"berths{self.c}-rho{self.rho}"


BERTH_CASES = (
    BerthCase(2, 0.75, 12_000, 6),
    BerthCase(5, 0.90, 40_000, 10),
)

#: A barge's transit: 1 km at 20 km/h (constant, so arrivals at the quay stay Poisson).
BARGE_KM, BARGE_KMH = 1.0, 20.0


def berth_dict(case: BerthCase) -> dict:
    """Gateway -> quay by on-demand barges of one move each: an M/M/c queue at the berths."""
    return {
        "name": "berths",
        "run": {"horizon_days": (case.warmup_h + case.measured_h) / 24.0,
                "warmup_days": case.warmup_h / 24.0, "seed": 0},
        "hubs": {"port": {"lat": 0, "lon": 0, "handling": "exponential", "teu_per_move": 2,
                          "yard_teu": 1e9,
                          "areas": {"water": {"positions": case.c, "equipment": 2 * case.c,
                                              "moves_per_hour": MU, "min_units": 1,
                                              "max_units": 1}}}},
        "gateways": {"sea": {"lat": 0, "lon": 0.01, "corridor": "east"}},
        "links": [{"from": "sea", "to": "port", "mode": "water", "distance_km": BARGE_KM,
                   "speed_kmh": BARGE_KMH, "co2_g_per_tkm": 0}],
        "services": [{"id": "barge", "from": "sea", "to": "port", "mode": "water",
                      "capacity_teu": 2, "on_demand": True}],
        "demand": [{"origin": "sea", "destination": "port",
                    "teu_per_year": 2 * case.lam * HOURS_PER_YEAR, "batch_dist": "fixed",
                    "batch_mean": 2}],
    }


@cache
def run_berths(case: BerthCase) -> dict[str, np.ndarray]:
    """Per replication, over the barges that asked for a berth in the window: mean wait for a
    berth (``wq``, h), berth occupancy (``occ``: berth-hours held / (c x window)), number of
    barges (``n``), longest wait for cranes once at a berth (``crane_wait``, h) and the
    moves per barge (``moves``: their mean)."""
    return _replicate(_berth_rep, build_scenario(berth_dict(case)), case.reps,
                      case.customers)


def _berth_rep(scn: Scenario, seed: int) -> dict[str, float]:
    res = hubsim.simulate(scn, seed=seed)
    h = res.handling
    h = h[(h["node"] == "port") & res.window.mask(h["request_h"])]
    c = scn.hubs["port"].areas["water"].positions or 1
    measured_h = res.window.hours
    return {"wq": float((h["position_h"] - h["request_h"]).mean()),
            "occ": float((h["end_h"] - h["position_h"]).sum() / (c * measured_h)),
            "n": float(len(h)), "crane_wait": float((h["start_h"] - h["position_h"]).max()),
            "moves": float(h["moves"].mean())}


# ------------------------------------------------------------------------ networks of hubs


@dataclass(frozen=True)
class NetCase:
    """Hubs fed from zones; each demand row is ``(zone, hubs on its path, TEU/h)`` and ends at
    the last hub of its path. Consecutive hubs on a path are joined by a road link with an
    on-demand truck service, as is each zone to the first hub of its rows."""

    name: str
    servers: tuple[tuple[str, int], ...]
    rows: tuple[tuple[str, tuple[str, ...], float], ...]
    measured_h: float
    warmup_h: float
    reps: int

    @property
    def hubs(self) -> list[str]:
        return [h for h, _ in self.servers]

    def stations(self, path: tuple[str, ...]) -> list[str]:
        """The handling operations of one row in order: twice at every hub it passes
        through, once at the hub where it ends."""
        return [h for h in path[:-1] for _ in (0, 1)] + [path[-1]]

    @property
    def lift_rates(self) -> dict[str, float]:
        """Lifts per hour at each hub (the product-form arrival rates)."""
        return visit_rates([(rate, self.stations(path)) for _, path, rate in self.rows])

    def jackson(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The network seen per hub visit: external rates ``gamma``, routing ``P`` (the
        split of each hub's outgoing flow between next hubs, by the rows' rates) and the
        visit rates solving the traffic equations."""
        hubs = self.hubs
        idx = {h: i for i, h in enumerate(hubs)}
        n = len(hubs)
        gamma = np.zeros(n)
        flow = np.zeros((n, n))
        visits = np.zeros(n)
        for _, path, rate in self.rows:
            gamma[idx[path[0]]] += rate
            for a, b in itertools.pairwise(path):
                flow[idx[a], idx[b]] += rate
            for h in path:
                visits[idx[h]] += rate
        p = flow / visits[:, None]
        return gamma, p, jackson_rates(gamma, p)

    @property
    def theory(self) -> dict[str, MMc]:
        servers = dict(self.servers)
        return product_form(self.lift_rates, servers, dict.fromkeys(servers, MU))

    def row_time(self, i: int) -> float:
        """Mean door-to-door time of row ``i``: handling stations plus truck transits."""
        _, path, _ = self.rows[i]
        return route_sojourn(self.stations(path), self.theory) + len(path) * TRUCK_KM / TRUCK_KMH


def network_dict(case: NetCase) -> dict:
    hubs = {h: {"lat": 0, "lon": 0.1 * i, "equipment": c, "moves_per_hour": MU,
                "handling": "exponential", "yard_teu": 1e9}
            for i, (h, c) in enumerate(case.servers)}
    zones: dict[str, dict] = {}
    pairs: list[tuple[str, str]] = []
    for zone, path, _ in case.rows:
        zones.setdefault(zone, {"lat": 1, "lon": 0.1 * len(zones)})
        for a, b in zip((zone, *path), path, strict=False):
            if (a, b) not in pairs and (b, a) not in pairs:
                pairs.append((a, b))
    return {
        "name": case.name,
        "run": {"horizon_days": (case.warmup_h + case.measured_h) / 24.0,
                "warmup_days": case.warmup_h / 24.0, "seed": 0},
        "hubs": hubs,
        "zones": zones,
        "links": [{"from": a, "to": b, "mode": "road", "distance_km": TRUCK_KM,
                   "speed_kmh": TRUCK_KMH, "co2_g_per_tkm": 0} for a, b in pairs],
        "services": [{"id": f"truck-{a}-{b}", "from": a, "to": b, "mode": "road",
                      "capacity_teu": 1, "on_demand": True} for a, b in pairs],
        "demand": [{"origin": zone, "destination": path[-1],
                    "teu_per_year": rate * HOURS_PER_YEAR, "batch_dist": "fixed",
                    "batch_mean": 1} for zone, path, rate in case.rows],
        "allow_outliers": TRUCK_OUTLIERS,
    }


# Tandem line: zone -> h1 (2 units) -> h2 (1 unit); h1 lifts each box twice: 6/h on 2 units
# (rho 0.75), h2 3/h on 1 unit (rho 0.75).
TANDEM = NetCase("tandem", (("h1", 2), ("h2", 1)), (("z", ("h1", "h2"), 3.0),),
                 measured_h=4_000.0, warmup_h=400.0, reps=8)

# Jackson network: hub a (3 units) splits its flow to leave (1.0/h), to b (1.5/h) and to c
# (2.5/h, of which 1.5/h came from b); b (2 units) is also fed from its own zone, and half of
# b's visits go on to a. Lifts: a 9/h (rho 0.75), b 4.5/h (0.5625), c 2.5/h (0.625).
JACKSON = NetCase("jackson", (("a", 3), ("b", 2), ("c", 1)),
                  (("za", ("a",), 1.0), ("za", ("a", "b"), 1.5), ("za", ("a", "c"), 1.0),
                   ("zb", ("b", "a", "c"), 1.5)),
                  measured_h=2_000.0, warmup_h=200.0, reps=8)

NETWORK_CASES = (TANDEM, JACKSON)


def network_scenario(case: NetCase) -> Scenario:
    return build_scenario(network_dict(case))


@cache
def run_network(case: NetCase) -> dict[str, np.ndarray]:
    """Per replication and hub: mean equipment wait per lift ``wq:<hub>`` (h), utilisation
    KPI ``util:<hub>``, lifts per hour ``rate:<hub>``; per demand row: mean door-to-door time
    of the loads delivered in the window ``time:<row>`` (h)."""
    scn = network_scenario(case)
    out: dict[str, list[float]] = {}
    for rep in range(case.reps):
        res = hubsim.simulate(scn, seed=SEED0 + rep)
        ev = res.events
        ev = ev[res.window.mask(ev["t_h"])]
        lifts = ev[ev["event"].isin(["lift_on", "lift_off"])]
        for hub in case.hubs:
            mine = lifts[lifts["node"] == hub]
            out.setdefault(f"wq:{hub}", []).append(mine["wait_h"].mean())
            out.setdefault(f"util:{hub}", []).append(
                res.kpi("equipment_utilisation", "hub", hub))
            out.setdefault(f"rate:{hub}", []).append(len(mine) / res.window.hours)
        done = ev[ev["event"] == "delivered"]
        row_of = res.consignments.set_index("cid")["demand"]
        by_row = done.groupby(done["cid"].map(row_of).to_numpy())["dur_h"].mean()
        for i in range(len(case.rows)):
            out.setdefault(f"time:{i}", []).append(by_row.get(i, np.nan))
    return {k: np.array(v) for k, v in out.items()}
