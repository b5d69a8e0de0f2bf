"""Benchmark: cost per SimPy event on generated networks from 4 to 50 hubs.

Usage (from the repository root; run on demand, never from pytest)::

    python benchmarks/bench_scale.py                         # 4, 12, 25, 50 hubs, 3 repeats
    python benchmarks/bench_scale.py --sizes 4 50 --repeats 1 --json out.json
    python benchmarks/bench_scale.py --write /tmp/scale      # only write the YAML files

:func:`scale_scenario` generates a network of ``n`` hubs, ``4 n`` links and ``20 n`` demand
rows (50 hubs: 200 links, 1,000 rows), deterministic from a seed: each hub has a hinterland
zone joined by road (on-demand 2-TEU trucks); one hub in five has a gateway beyond it (a weekly
rail service, international); the hubs are joined in a ring by rail and by their nearest
neighbours by rail, road or water until there are ``4 n`` links; timetabled rail (14 a week
each way) and barges (7 a week) run on them, trucks on demand. Demand rows join random pairs of
zones and gateways (``international`` from the gateway), lognormal volumes of mean
:data:`TEU_PER_ROW` TEU a year, a third with a seasonal profile. The generator then routes every
row as hubsim does and sizes, from the routed flows, each service's vehicle capacity (twice the
mean load), each hub area's units (about 55% busy), positions and yard, so the network carries
its demand: the cost measured is that of moving cargo, not of a jam growing.

Each size runs in a fresh process: the child writes the scenario to a temporary YAML file,
loads it with :func:`hubsim.load_scenario` (every check, routes included), then times
:func:`hubsim.simulate` over one measured year (395 days with a 30-day warm-up, as the 2022
scenario). Printed per size: wall time, peak RSS through ``simulate()``, SimPy events, event
records and the cost per SimPy event in microseconds; then the ratio of the largest to the
smallest cost per event (flat is <= 1.25x, this script's aim: the engine's cost per event
should not grow with the network).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import measure_and_print, median, peak_rss_mb, run_child, timed_tables

SIZES = (4, 12, 25, 50)
LINKS_PER_HUB = 4
ROWS_PER_HUB = 20
TEU_PER_ROW = 600.0  # mean TEU a year of one demand row
SEED = 13
FLAT_AIM = 1.25  # largest / smallest cost per SimPy event

# per mode: speed km/h, cost USD/TEU fixed + per km, CO2 g/t-km, departures a week (None: on
# demand), handling moves/h per unit, most units on one vehicle
MODES: dict[str, dict[str, Any]] = {
    "rail": {"speed": 40.0, "fixed": 50.0, "per_km": 0.35, "co2": 25, "per_week": 14,
             "rate": 25, "max_units": 3},
    "water": {"speed": 12.0, "fixed": 40.0, "per_km": 0.15, "co2": 39, "per_week": 7,
              "rate": 25, "max_units": 2},
    "road": {"speed": 50.0, "fixed": 30.0, "per_km": 1.0, "co2": 90, "per_week": None,
             "rate": 20, "max_units": 1},
}
TEU_PER_MOVE = 1.5
BUSY = 0.55  # planned equipment utilisation
HOURS_PER_YEAR = 8760.0
WEEKS_PER_YEAR = 365.0 / 7.0


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance x 1.3 (road and rail circuity), at least 5 km."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + \
        math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return max(5.0, round(1.3 * 2 * 6371.0 * math.asin(math.sqrt(h)), 1))


def _link(a: str, b: str, mode: str, km: float) -> dict[str, Any]:
    m = MODES[mode]
    return {"from": a, "to": b, "mode": mode, "distance_km": km, "speed_kmh": m["speed"],
            "cost_usd_per_teu": round(m["fixed"] + m["per_km"] * km, 1),
            "co2_g_per_tkm": m["co2"], "source": "generated (benchmarks/bench_scale.py)"}


def _hub_links(hubs: list[str], pos: dict[str, tuple[float, float]], want: int,
               rng: Any) -> list[tuple[str, str, str]]:
    """``want`` hub-hub links (a, b, mode): a rail ring, then nearest pairs, one mode each
    (another mode on a pair already joined once every pair is)."""
    n = len(hubs)
    cy = sum(p[0] for p in pos.values()) / n
    cx = sum(p[1] for p in pos.values()) / n
    ring = sorted(hubs, key=lambda h: math.atan2(pos[h][0] - cy, pos[h][1] - cx))
    out: list[tuple[str, str, str]] = []
    taken: set[tuple[frozenset[str], str]] = set()

    def add(a: str, b: str, mode: str) -> bool:
        key = (frozenset((a, b)), mode)
        if a == b or key in taken or len(out) >= want:
            return False
        taken.add(key)
        out.append((a, b, mode))
        return True

    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        add(a, b, "rail")
    pairs = sorted(((a, b) for i, a in enumerate(hubs) for b in hubs[i + 1:]),
                   key=lambda p: _km(pos[p[0]], pos[p[1]]))
    modes = ["rail", "road", "water"]
    for _ in range(len(modes)):  # each pass adds at most one more mode per pair
        for a, b in pairs:
            first = modes[int(rng.choice(3, p=[0.4, 0.4, 0.2]))]
            for mode in [first, *(m for m in modes if m != first)]:
                if add(a, b, mode):
                    break
    return out


def _raw(n_hubs: int, seed: int) -> dict[str, Any]:
    """The scenario before sizing: nodes, links, services (capacity placeholders), demand."""
    import numpy as np

    rng = np.random.default_rng([seed, n_hubs])
    hubs = [f"h{i:02d}" for i in range(n_hubs)]
    pos = {h: (round(float(rng.uniform(22, 34)), 3), round(float(rng.uniform(102, 118)), 3))
           for h in hubs}
    n_gw = max(1, n_hubs // 5)
    gw_hubs = [hubs[int(i)] for i in rng.choice(n_hubs, size=n_gw, replace=False)]
    corridors = ["west", "south", "east", "north"]
    data: dict[str, Any] = {
        "name": f"scale_{n_hubs}_hubs",
        "description": f"Generated benchmark network: {n_hubs} hubs, seed {seed}",
        "run": {"horizon_days": 395, "warmup_days": 30, "seed": seed},
        "seasonality": {"season": [0.9, 0.75, 0.95, 1.0, 1.05, 1.05, 1.05, 1.05, 1.1, 1.0,
                                   1.0, 1.0]},
        "hubs": {}, "zones": {}, "gateways": {}, "links": [], "services": [], "demand": [],
    }
    for h in hubs:
        data["hubs"][h] = {"name": f"hub {h}", "lat": pos[h][0], "lon": pos[h][1],
                           "teu_per_move": TEU_PER_MOVE, "dwell_h": "lognormal(12, 0.5)",
                           "clearance_h": "lognormal(8, 0.5)"}
        z = f"z{h[1:]}"
        zpos = (round(pos[h][0] + float(rng.uniform(-0.3, 0.3)), 3),
                round(pos[h][1] + float(rng.uniform(-0.3, 0.3)), 3))
        data["zones"][z] = {"name": f"zone {z}", "lat": zpos[0], "lon": zpos[1]}
        lk = _link(z, h, "road", _km(zpos, pos[h]))
        lk["speed_kmh"] = 30.0
        data["links"].append(lk)
    for j, h in enumerate(gw_hubs):
        g = f"g{j:02d}"
        gpos = (round(pos[h][0] + float(rng.uniform(-8, 8)), 3),
                round(pos[h][1] + float(rng.uniform(-8, 8)), 3))
        data["gateways"][g] = {"name": f"gateway {g}", "corridor": corridors[j % 4],
                               "lat": gpos[0], "lon": gpos[1]}
        data["links"].append(_link(h, g, "rail", _km(pos[h], gpos)))
    want = LINKS_PER_HUB * n_hubs - len(data["links"])
    for a, b, mode in _hub_links(hubs, pos, want, rng):
        data["links"].append(_link(a, b, mode, _km(pos[a], pos[b])))
    for lk in data["links"]:
        m = MODES[lk["mode"]]
        svc = {"id": f"{lk['mode']}_{lk['from']}_{lk['to']}", "from": lk["from"],
               "to": lk["to"], "mode": lk["mode"], "bidirectional": True}
        if m["per_week"] is None:
            svc |= {"capacity_teu": 2, "on_demand": True}
        else:
            svc |= {"capacity_teu": 100, "per_week": m["per_week"]}  # sized later
        data["services"].append(svc)
    ends = [*data["zones"], *data["gateways"]]
    sigma = 0.8
    for _ in range(ROWS_PER_HUB * n_hubs):
        o, d = (ends[int(i)] for i in rng.choice(len(ends), size=2, replace=False))
        teu = float(round(TEU_PER_ROW * rng.lognormal(-sigma**2 / 2, sigma)))
        row = {"origin": o, "destination": d, "teu_per_year": max(teu, 10.0),
               "tonnes_per_year": 10.0 * max(teu, 10.0), "batch_mean": 8}
        if rng.random() < 1 / 3:
            row["seasonality"] = "season"
        data["demand"].append(row)
    return data


def _flows(data: dict[str, Any]) -> tuple[dict[tuple[str, str, str], float],
                                          dict[tuple[str, str], float]]:
    """TEU a year on each (u, v, mode) leg and lifted at each (hub, mode) area, with the
    routes hubsim will take (routes do not depend on the sizes set afterwards)."""
    import copy

    from hubsim.scenario.build import build_scenario
    from hubsim.sim.network import build_network, route_table

    probe = copy.deepcopy(data)
    for h in probe["hubs"].values():
        h |= {"yard_teu": 1e9, "equipment": 1, "moves_per_hour": 20}
    scn = build_scenario(probe, source="bench_scale (sizing)")
    routes = route_table(build_network(scn), scn)
    legs: dict[tuple[str, str, str], float] = {}
    lifts: dict[tuple[str, str], float] = {}
    for dem in scn.demand:
        for leg in routes[(dem.origin, dem.destination, dem.cargo)]:
            legs[(leg.u, leg.v, leg.mode)] = legs.get((leg.u, leg.v, leg.mode), 0.0) + \
                dem.teu_per_year
            for node in (leg.u, leg.v):
                if node in scn.hubs:
                    lifts[(node, leg.mode)] = lifts.get((node, leg.mode), 0.0) + \
                        dem.teu_per_year
    return legs, lifts


def _size_services(data: dict[str, Any], legs: dict[tuple[str, str, str], float]) -> None:
    for svc in data["services"]:
        if svc.get("on_demand"):
            continue
        peak = max(legs.get((svc["from"], svc["to"], svc["mode"]), 0.0),
                   legs.get((svc["to"], svc["from"], svc["mode"]), 0.0))
        mean_load = peak / (svc["per_week"] * WEEKS_PER_YEAR)
        svc["capacity_teu"] = float(max(20, math.ceil(2.0 * mean_load / 10.0) * 10))


def _size_hubs(data: dict[str, Any], lifts: dict[tuple[str, str], float]) -> None:
    cap: dict[tuple[str, str], list[float]] = {}  # (hub, mode): capacities of calling vehicles
    for svc in data["services"]:
        for end in (svc["from"], svc["to"]):
            cap.setdefault((end, svc["mode"]), []).append(svc["capacity_teu"])
    for hid, hub in data["hubs"].items():
        areas: dict[str, Any] = {}
        through = 0.0
        for (h, mode), caps in sorted(cap.items()):
            if h != hid:
                continue
            m = MODES[mode]
            teu = lifts.get((hid, mode), 0.0)
            through += teu
            moves = teu / TEU_PER_MOVE
            units = max(m["max_units"], math.ceil(moves / (m["rate"] * HOURS_PER_YEAR * BUSY)))
            area: dict[str, Any] = {"equipment": units, "moves_per_hour": m["rate"],
                                    "min_units": 1, "max_units": m["max_units"]}
            if m["per_week"] is not None:
                # calls a year (each service both ways) x hours at a position, at most half busy
                calls = len(caps) * 2 * m["per_week"] * WEEKS_PER_YEAR
                hold_h = 1.0 + max(caps) / TEU_PER_MOVE / (m["max_units"] * m["rate"])
                area["positions"] = max(2, math.ceil(calls * hold_h / HOURS_PER_YEAR / 0.5))
            areas[mode] = area
        biggest = max(max(c) for (h, _), c in cap.items() if h == hid)
        hub["areas"] = areas
        # stock: ~2 days of what passes through, three times over, and room for big vehicles
        hub["yard_teu"] = float(max(2000, 4 * biggest,
                                    math.ceil(3 * through / 2 * 48 / HOURS_PER_YEAR)))


def scale_scenario(n_hubs: int, seed: int = SEED) -> dict[str, Any]:
    """A valid hubsim scenario (plain data, as a YAML file holds it) of ``n_hubs`` hubs,
    ``4 n_hubs`` links and ``20 n_hubs`` demand rows; the same for the same arguments."""
    data = _raw(n_hubs, seed)
    legs, lifts = _flows(data)
    _size_services(data, legs)
    _size_hubs(data, lifts)
    return data


def write_scenario(n_hubs: int, path: Path, seed: int = SEED) -> Path:
    import yaml

    path.write_text(f"# generated by benchmarks/bench_scale.py: {n_hubs} hubs, seed {seed}\n"
                    + yaml.safe_dump(scale_scenario(n_hubs, seed), sort_keys=False,
                                     width=100))
    return path


# ------------------------------------------------------------------ child (fresh process)
def child_scale(n_hubs: int, seed: int = SEED, days: float | None = None) -> dict:
    """Generate, write, load (all checks) and simulate one network; time ``simulate()``."""
    import hubsim

    with tempfile.TemporaryDirectory() as tmp:
        path = write_scenario(n_hubs, Path(tmp) / f"scale_{n_hubs}.yaml", seed)
        scn = hubsim.load_scenario(path)
    rss_loaded = peak_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    res = hubsim.simulate(scn, days=days)
    sim_s, sim_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rss_sim = peak_rss_mb()  # the engine and its compact records
    add_s, add_cpu_s = timed_tables(res)  # timed with the run, as they always were
    sim_s, sim_cpu_s = sim_s + add_s, sim_cpu_s + add_cpu_s
    return {"hubs": len(scn.hubs), "links": len(scn.links), "demand_rows": len(scn.demand),
            "services": len(scn.services), "teu_per_year": sum(d.teu_per_year
                                                               for d in scn.demand),
            "sim_s": sim_s, "sim_cpu_s": sim_cpu_s, "simpy_events": res.simpy_events,
            "records": len(res.events), "consignments": len(res.consignments),
            "delivered": int((res.events["event"] == "delivered").sum()),
            "us_per_event": 1e6 * sim_s / res.simpy_events,
            "cpu_us_per_event": 1e6 * sim_cpu_s / res.simpy_events,
            "rss_loaded_mb": rss_loaded, "rss_sim_mb": rss_sim}


# ------------------------------------------------------------------ parent
def run_once(n_hubs: int, seed: int = SEED, days: float | None = None) -> dict:
    """:func:`child_scale` in a fresh process."""
    return run_child("bench_scale", "child_scale", n_hubs=n_hubs, seed=seed, days=days)


def log_line(i: int, r: dict) -> str:
    return (f"  scale {r['hubs']:>2} hubs, repeat {i + 1}: {r['sim_s']:.2f} s, "
            f"{r['simpy_events']:,} SimPy events, {r['us_per_event']:.2f} us/event")


def summarise(runs: dict[int, list[dict]]) -> dict[str, Any]:
    """Medians per size (sizes in increasing order) and the flatness of the cost per event."""
    rows = []
    for n in sorted(runs):
        rs = runs[n]
        row = {k: rs[0][k] for k in ("hubs", "links", "demand_rows", "services",
                                     "teu_per_year", "simpy_events", "records",
                                     "consignments", "delivered")}
        row |= {k: median(r[k] for r in rs) for k in ("sim_s", "sim_cpu_s", "us_per_event",
                                                       "cpu_us_per_event", "rss_loaded_mb",
                                                       "rss_sim_mb", "process_s")}
        rows.append(row)
    costs = [r["us_per_event"] for r in rows]
    cpu = [r["cpu_us_per_event"] for r in rows]
    return {"rows": rows, "runs": {str(n): v for n, v in runs.items()},
            "flat_ratio": max(costs) / min(costs),
            "flat_ratio_cpu": max(cpu) / min(cpu),
            "largest_over_smallest": costs[-1] / costs[0]}


def measure(sizes: tuple[int, ...] = SIZES, repeats: int = 3, days: float | None = None,
            seed: int = SEED, log: Any = print) -> dict[str, Any]:
    """Every size ``repeats`` times (sizes interleaved), each in a fresh process; medians."""
    runs: dict[int, list[dict]] = {n: [] for n in sizes}
    for i in range(repeats):
        for n in sizes:
            runs[n].append(run_once(n, seed, days))
            log(log_line(i, runs[n][-1]))
    return summarise(runs)


def table(result: dict[str, Any]) -> list[str]:
    lines = [f"{'hubs':>4} {'links':>5} {'rows':>5} {'TEU/yr':>10} {'SimPy events':>12} "
             f"{'records':>10} {'sim s':>7} {'RSS sim MB':>10} {'us/event':>8} "
             f"{'CPU us/ev':>9}"]
    for r in result["rows"]:
        lines.append(f"{r['hubs']:>4} {r['links']:>5} {r['demand_rows']:>5} "
                     f"{r['teu_per_year']:>10,.0f} {r['simpy_events']:>12,} "
                     f"{r['records']:>10,} {r['sim_s']:>7.2f} {r['rss_sim_mb']:>10.0f} "
                     f"{r['us_per_event']:>8.2f} {r['cpu_us_per_event']:>9.2f}")
    ok = result["flat_ratio"] <= FLAT_AIM
    lines.append(f"cost per SimPy event, largest / smallest over the sizes: "
                 f"{result['flat_ratio']:.2f}x wall, {result['flat_ratio_cpu']:.2f}x CPU "
                 f"(aim <= {FLAT_AIM:g}x: {'flat' if ok else 'NOT flat'}); "
                 f"{result['rows'][-1]['hubs']} hubs / {result['rows'][0]['hubs']} hubs: "
                 f"{result['largest_over_smallest']:.2f}x")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                    help="numbers of hubs (default: 4 12 25 50)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--days", type=float, help="measured days (default: a year, 365)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--write", type=Path, metavar="DIR",
                    help="only write the generated scenarios to DIR/scale_<n>.yaml")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            print(write_scenario(n, args.write / f"scale_{n}.yaml", args.seed))
        return 0
    print(f"bench_scale: sizes {args.sizes}, {args.repeats} repeats, each in a fresh process",
          flush=True)
    return measure_and_print(
        "bench_scale", lambda log: measure(tuple(args.sizes), args.repeats, args.days,
                                           args.seed, log=log), table, args.json)


if __name__ == "__main__":
    sys.exit(main())
