"""Benchmark: an M/M/10 hub at rho = 0.95 over 1,100 days, hubsim against Ciw.

Usage (from the repository root; run on demand, never from pytest)::

    python benchmarks/bench_mmc.py                   # 1,100 days, 3 repeats
    python benchmarks/bench_mmc.py --days 110 --repeats 1 --json out.json

The queue of the verification suite (``tests/verification/cases.py``, ``mmc_dict``; the Ciw
model of ``peer.py``): one zone feeds one hub of c = 10 handling units by on-demand 1-TEU
trucks with a 1e-6 h transit; consignments of 1 TEU arrive as a Poisson process at
lambda = 0.95 x 10 x 4 = 38 an hour and each lift holds a unit for an exponential time of
mean 1 / 4 h. Simulated: 1,100 days, the first 100 a warm-up (a tenth of the measured 1,000
days, as the verification cases), about a million customers. Ciw 3 runs the same M/M/10 queue
(one node, exponential arrivals and service) to the same end time with the same seed.

Each side runs in a fresh process, alternately (hubsim, Ciw, hubsim, ...). Timed: building
and running the simulation until its records are in hand (hubsim: :func:`hubsim.simulate`,
engine and record tables; Ciw: ``create_network``, ``Simulation``,
``simulate_until_max_time`` and ``get_all_records``). Customers are the services completed
over the whole run (hubsim: its lift-off events at the hub; Ciw: its records); customers per
second = customers / that wall time. The mean wait in queue of the customers served in the
measured window is printed beside Erlang C's, to show both ran the same queue. Targets (issue
13): hubsim >= 1.5x Ciw's customers per second, must >= 1x.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import ChildFailed, median, peak_rss_mb, run_child, timed_tables

C, RHO, MU = 10, 0.95, 4.0
LAM = RHO * C * MU  # customers an hour
DAYS = 1100.0
SEED = 1000
SPEEDUP = (1.5, 1.0)  # (target, must): hubsim customers/s over Ciw's


def window(days: float) -> tuple[float, float]:
    """(warm-up end, run end) in hours: the warm-up is a tenth of the measured time."""
    end = days * 24.0
    return end / 11.0, end


def erlang_c_wq(c: int = C, lam: float = LAM, mu: float = MU) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), hours."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def mmc_scenario(days: float) -> dict[str, Any]:
    """The M/M/10 hub as a hubsim scenario (plain data), as ``mmc_dict`` of the verification
    cases builds it."""
    warm, end = window(days)
    truck_km, truck_kmh = 0.001, 1000.0  # transit 1e-6 h: (almost) instantaneous trucks
    return {
        "name": "mmc10",
        "run": {"horizon_days": end / 24.0, "warmup_days": warm / 24.0, "seed": SEED},
        "hubs": {"h": {"lat": 0, "lon": 0, "equipment": C, "moves_per_hour": MU,
                       "handling": "exponential", "yard_teu": 1e9}},
        "zones": {"z": {"lat": 0, "lon": 0.1}},
        "links": [{"from": "z", "to": "h", "mode": "road", "distance_km": truck_km,
                   "speed_kmh": truck_kmh, "co2_g_per_tkm": 0}],
        "services": [{"id": "truck", "from": "z", "to": "h", "mode": "road",
                      "capacity_teu": 1, "on_demand": True}],
        "demand": [{"origin": "z", "destination": "h", "teu_per_year": LAM * 8760.0,
                    "batch_dist": "fixed", "batch_mean": 1}],
        "allow_outliers": ["links.*.distance_km", "links.*.speed_kmh"],
    }


# ------------------------------------------------------------------ children (fresh processes)
def child_hubsim(days: float = DAYS, seed: int = SEED) -> dict:
    import hubsim
    from hubsim.scenario.build import build_scenario

    scn = build_scenario(mmc_scenario(days), source="bench_mmc")
    warm, end = window(days)
    t0, c0 = time.perf_counter(), time.process_time()
    res = hubsim.simulate(scn, seed=seed)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    # the records in hand as tables (simulate() builds them on first access)
    add_s, add_cpu_s = timed_tables(res)
    wall, cpu = wall + add_s, cpu + add_cpu_s
    ev = res.events
    lifts = ev[(ev["event"] == "lift_off") & (ev["node"] == "h")]
    inside = lifts[(lifts["t_h"] >= warm) & (lifts["t_h"] < end)]
    n = len(lifts)
    return {"side": "hubsim", "customers": n, "wall_s": wall, "cpu_s": cpu,
            "per_s": n / wall, "wq_h": float(inside["wait_h"].mean()),
            "simpy_events": res.simpy_events, "records": len(ev), "rss_mb": peak_rss_mb()}


def child_ciw(days: float = DAYS, seed: int = SEED) -> dict:
    import ciw

    warm, end = window(days)
    t0, c0 = time.perf_counter(), time.process_time()
    net = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(LAM)],
                             service_distributions=[ciw.dists.Exponential(MU)],
                             number_of_servers=[C])
    ciw.seed(seed)
    sim = ciw.Simulation(net)
    sim.simulate_until_max_time(end)
    recs = sim.get_all_records()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    waits = [r.waiting_time for r in recs if warm <= r.service_end_date < end]
    n = len(recs)
    return {"side": "ciw", "customers": n, "wall_s": wall, "cpu_s": cpu, "per_s": n / wall,
            "wq_h": statistics.fmean(waits), "rss_mb": peak_rss_mb(),
            "ciw_version": ciw.__version__}


# ------------------------------------------------------------------ parent
def run_once(days: float = DAYS) -> tuple[dict, dict]:
    """One repeat: hubsim, then Ciw, each in a fresh process."""
    return (run_child("bench_mmc", "child_hubsim", days=days),
            run_child("bench_mmc", "child_ciw", days=days))


def summarise(hub: list[dict], ciw: list[dict], days: float = DAYS) -> dict[str, Any]:
    """Medians over paired repeats; the speed-up is the median of hubsim / Ciw per repeat."""
    pairs = list(zip(hub, ciw, strict=True))
    return {
        "days": days, "repeats": len(hub), "hubsim": hub, "ciw": ciw,
        "hubsim_per_s": median(h["per_s"] for h in hub),
        "ciw_per_s": median(c["per_s"] for c in ciw),
        "speedup": median(h["per_s"] / c["per_s"] for h, c in pairs),
        "cpu_speedup": median((h["customers"] / h["cpu_s"]) / (c["customers"] / c["cpu_s"])
                              for h, c in pairs),
        "hubsim_customers": hub[0]["customers"], "ciw_customers": ciw[0]["customers"],
        "hubsim_wq_h": hub[0]["wq_h"], "ciw_wq_h": ciw[0]["wq_h"], "theory_wq_h": erlang_c_wq(),
        "hubsim_rss_mb": median(h["rss_mb"] for h in hub),
        "ciw_rss_mb": median(c["rss_mb"] for c in ciw),
    }


def log_line(i: int, h: dict, c: dict) -> str:
    return (f"  M/M/10 repeat {i + 1}: hubsim {h['per_s']:,.0f}/s ({h['wall_s']:.1f} s), "
            f"Ciw {c['per_s']:,.0f}/s ({c['wall_s']:.1f} s)")


def measure(days: float = DAYS, repeats: int = 3, log: Any = print) -> dict[str, Any]:
    hub: list[dict] = []
    ciw: list[dict] = []
    for i in range(repeats):
        h, c = run_once(days)
        hub.append(h)
        ciw.append(c)
        log(log_line(i, h, c))
    return summarise(hub, ciw, days)


def summary(r: dict[str, Any]) -> list[str]:
    return [
        f"M/M/10, rho {RHO}, {r['days']:g} days (warm-up {r['days'] / 11:g}), seed {SEED}: "
        f"hubsim {r['hubsim_customers']:,} customers at {r['hubsim_per_s']:,.0f}/s "
        f"(peak RSS {r['hubsim_rss_mb']:.0f} MB), Ciw {r['ciw_customers']:,} at "
        f"{r['ciw_per_s']:,.0f}/s ({r['ciw_rss_mb']:.0f} MB); hubsim / Ciw "
        f"{r['speedup']:.2f}x wall, {r['cpu_speedup']:.2f}x CPU (medians)",
        f"  same queue: mean wait in queue {r['hubsim_wq_h']:.3f} h (hubsim), "
        f"{r['ciw_wq_h']:.3f} h (Ciw), {r['theory_wq_h']:.3f} h (Erlang C)",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=DAYS, help="simulated days (default 1100)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    try:
        r = measure(args.days, args.repeats, log=lambda s: print(s, flush=True))
    except ChildFailed as exc:
        sys.exit(f"bench_mmc: {exc}")
    target, must = SPEEDUP
    print("\n".join(["", *summary(r)]))
    print(f"target >= {target:g}x: {'MET' if r['speedup'] >= target else 'MISSED'}; "
          f"must >= {must:g}x: {'PASS' if r['speedup'] >= must else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps(r, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
