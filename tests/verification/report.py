"""Write docs/verification.md: every verification case, observed against expected.

Run from the repository root (takes a few minutes; it runs every case, Ciw included)::

    python tests/verification/report.py            # writes docs/verification.md
    python tests/verification/report.py --check    # exit 1 if any check fails, write nothing

The cases, tolerances and formulas are the ones the tests use (cases.py, checks.py,
theory.py, littles.py, deterministic.py), so the document shows what CI asserts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from verification import deterministic as D
from verification.cases import MMC_CASES, MU, NETWORK_CASES, TRUCK_KM
from verification.checks import (
    PeerCheck,
    TheoryCheck,
    Z,
    mmc_checks,
    network_checks,
    peer_mmc_checks,
    peer_network_checks,
)
from verification.littles import LITTLE_2022, run_little
from verification.theory import erlang_b, erlang_c

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "verification.md"


def _g(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}g}"


def theory_table(rows: list[TheoryCheck]) -> list[str]:
    out = ["| case | quantity | theory | simulated (mean +- se) | reps | allowed | ok |",
           "|---|---|---:|---:|---:|---:|:-:|"]
    for r in rows:
        unit = f" {r.unit}" if r.unit else ""
        out.append(f"| {r.case} | {r.quantity} | {_g(r.theory)}{unit} | "
                   f"{_g(r.observed.mean)} +- {r.observed.se:.2g} | {r.observed.n} | "
                   f"+-{r.tol:.2g} | {'yes' if r.ok else '**no**'} |")
    return out


def peer_table(rows: list[PeerCheck]) -> list[str]:
    out = ["| case | quantity | hubsim (mean +- se) | Ciw (mean +- se) | difference | "
           f"{Z:g} se of difference | ok |", "|---|---|---:|---:|---:|---:|:-:|"]
    for r in rows:
        out.append(f"| {r.case} | {r.quantity}{' (' + r.unit + ')' if r.unit else ''} | "
                   f"{_g(r.hubsim.mean)} +- {r.hubsim.se:.2g} | "
                   f"{_g(r.ciw.mean)} +- {r.ciw.se:.2g} | {r.diff:+.3g} | {Z * r.se:.3g} | "
                   f"{'yes' if r.ok else '**no**'} |")
    return out


def deterministic_lines() -> tuple[list[str], bool]:
    out = ["| case | quantity | exact | simulated | max abs. difference | ok |",
           "|---|---|---:|---:|---:|:-:|"]
    ok_all = True
    for load in (D.LOAD, 0.6):
        res = D.run_train(load)
        want_trains, want = D.replay_timetable(D.created_at_a(res), res.window.end_h)
        got_trains, got = D.train_observed(res)
        key = ["k", "cid", "teu"]
        want = want.sort_values(key).reset_index(drop=True)
        got = got.sort_values(key).reset_index(drop=True)
        same = len(got) == len(want) and (got[key].to_numpy() == want[key].to_numpy()).all()
        d_wait = float(np.abs(got["wait_h"] - want["wait_h"]).max()) if same else np.inf
        d_dep = float(np.abs(got_trains["depart_h"] - want_trains["depart_h"]).max()) \
            if len(got_trains) == len(want_trains) else np.inf
        label = f"train, demand {load:g} x capacity"
        rows = [
            ("departures", len(want_trains), len(got_trains), abs(len(got_trains) -
                                                                  len(want_trains)), 0),
            ("TEU carried", want_trains["load"].sum(), got_trains["load"].sum(),
             abs(got_trains["load"].sum() - want_trains["load"].sum()), 0),
            ("departure times (h)", "replay", "log", d_dep, 1e-9),
            ("TEU-weighted mean wait (h)", np.average(want["wait_h"], weights=want["teu"]),
             np.average(got["wait_h"], weights=got["teu"]) if same else np.nan, d_wait,
             1e-4),
        ]
        for name, exact, sim, diff, tol in rows:
            ok = same and diff <= tol
            ok_all &= ok
            out.append(f"| {label} | {name} | {exact if isinstance(exact, str) else _g(exact, 6)}"
                       f" | {sim if isinstance(sim, str) else _g(sim, 6)} | {diff:.2g} | "
                       f"{'yes' if ok else '**no**'} |")
    res = D.run_train(D.LOAD)
    arrive = res.events[res.events["event"] == "arrive"]
    for link, km, kmh in (("a-b:rail", D.RAIL_KM, D.RAIL_KMH), ("b-z:road", D.ROAD_KM,
                                                                 D.ROAD_KMH)):
        dur = arrive.loc[arrive["link"] == link, "dur_h"].to_numpy()
        rel = float(np.abs(dur / (km / kmh) - 1).max())
        ok = rel <= 1e-6 and len(dur) > 20
        ok_all &= ok
        out.append(f"| transit {link}, {km:g} km at {kmh:g} km/h ({len(dur)} arrivals) | "
                   f"time (h) | {_g(km / kmh, 7)} | {_g(float(dur.mean()), 7)} | "
                   f"{rel:.1e} (relative) | {'yes' if ok else '**no**'} |")
    return out, ok_all


def little_lines() -> tuple[list[str], bool]:
    df = run_little(LITTLE_2022)
    out = ["| hub | L = yard_mean KPI | L from stays | L (sub-window) | lambda (/h) | W (h) | "
           "lambda W | lambda W / L - 1 | loads still in yard | ok |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|:-:|"]
    ok_all = True
    for r in df.itertuples():
        ok = (abs(r.L_path / r.L_kpi - 1) <= 1e-6 and abs(r.rel_diff) <= LITTLE_2022.rel_tol
              and r.open_share < 0.01)
        ok_all &= ok
        out.append(f"| {r.hub} | {r.L_kpi:.1f} | {r.L_path:.1f} | {r.L_sub:.1f} | "
                   f"{r.lambda_per_h:.3f} | {r.W_h:.2f} | {r.lambda_W:.1f} | "
                   f"{r.rel_diff:+.2%} | {r.open_share:.2%} | {'yes' if ok else '**no**'} |")
    return out, ok_all


def build() -> tuple[str, bool]:
    t0 = time.perf_counter()
    mmc_rows = [r for case in MMC_CASES for r in mmc_checks(case)]
    net_rows = [r for case in NETWORK_CASES for r in network_checks(case)]
    peer_rows = [r for case in MMC_CASES for r in peer_mmc_checks(case)]
    peer_rows += [r for case in NETWORK_CASES for r in peer_network_checks(case)]
    det, det_ok = deterministic_lines()
    lit, lit_ok = little_lines()
    ok = all(r.ok for r in mmc_rows + net_rows + peer_rows) and det_ok and lit_ok
    elapsed = time.perf_counter() - t0
    tandem, jackson = NETWORK_CASES
    gamma, p, visits = jackson.jackson()
    hubs = jackson.hubs
    p_rows = "\n".join(
        f"| {h} | {gamma[i]:g} | " + " | ".join(f"{p[i, j]:.2f}" for j in range(len(hubs)))
        + f" | {1 - p[i].sum():.2f} | {visits[i]:g} | {jackson.lift_rates[h]:g} |"
        for i, h in enumerate(hubs))
    lines = [
        "# Verification: hubsim against theory, exact answers and Ciw",
        "",
        "Generated by `python tests/verification/report.py` (from the repository root; a few "
        "minutes) -- do not edit by hand. The cases, formulas and tolerances are the ones the "
        "tests in `tests/verification/` assert (`cases.py`, `theory.py`, `checks.py`, "
        "`littles.py`, `deterministic.py`, `peer.py`); CI runs all of them except the Ciw "
        "comparisons marked below, which only this report runs (each Ciw case costs about as "
        "much again as hubsim's: `benchmarks/bench_mmc.py` measured hubsim at 0.77x Ciw's "
        "customers per second on the M/M/10 at rho 0.95).",
        "",
        f"Overall: **{'all checks pass' if ok else 'SOME CHECKS FAIL'}** "
        f"(report built in {elapsed:.0f} s).",
        "",
        "## How a hub becomes a queue",
        "",
        "A hub's handling equipment is the server pool: `equipment` = c units, each lift holds "
        f"one unit for load / `moves_per_hour`; with `handling: exponential` that time is "
        f"exponential. Every case feeds 1-TEU consignments (`batch_dist: fixed`, "
        f"`batch_mean: 1`) by on-demand trucks of 1 TEU with a transit of "
        f"{TRUCK_KM:g} km at 1000 km/h (1e-6 h), unlimited fleets, zero dwell and a yard "
        f"that never fills, so the only queue is the equipment. Rate mu = {MU:g} lifts/h "
        "per unit (mean lift 0.25 h). Wq is the `wait_h` of the lift events (queueing for "
        "equipment) ending inside the measured window; utilisation is the "
        "`equipment_utilisation` KPI. Each replication uses its own seed (1000, 1001, ...), "
        "and Ciw uses the same seeds.",
        "",
        f"A check against theory passes when |simulated - theory| <= {Z:g} se + a floor "
        "(2 % of a mean wait or time, 0.005 of a utilisation, 0.5 % of a rate: the bias of a "
        "finite window after a warm-up from empty), and a mean wait's interval is tight: "
        f"{Z:g} se <= 20 % of the theory. A Ciw comparison passes when |hubsim - Ciw| <= "
        f"{Z:g} se of the difference.",
        "",
        "## 1. One hub as M/M/c (Erlang C)",
        "",
        "Wq = C(c, a) / (c mu - lambda) with the Erlang C probability of waiting "
        "C(c, a) = B / (1 - rho (1 - B)), B the Erlang B recursion, a = lambda / mu, "
        "rho = a / c. The formulas are checked against table values in `test_theory.py` "
        f"(C(5, 4) = {erlang_c(5, 4.0):.4f}, B(10, 5) = {erlang_b(10, 5.0):.5f}, M/M/1 and "
        "M/M/2 closed forms).",
        "",
        *theory_table(mmc_rows),
        "",
        "## 2. Tandem line and Jackson network (product form)",
        "",
        "Demand rows are fixed routes: zone -> first hub -> ... -> last hub, where the load is "
        "delivered. A load is lifted twice at every hub it passes through (off the arriving "
        "truck, then onto the next one, with zero dwell between) and once at the hub where it "
        "ends. Seen per hub *visit*, the rows leaving a hub by different links are the "
        "Jackson routing split: the probability of going from hub i to hub j is the rate of "
        "the rows that do, divided by the visit rate of i (the rest ends at i). Seen per "
        "*lift*, the network is a Kelly (BCMP) network of FCFS stations with exponential, "
        "class-independent service, whose product-form solution makes each hub the M/M/c "
        "queue at its total lift rate. The two views agree: lifts = 2 x visits - loads "
        "ending at the hub (`test_theory.py`). A row's mean door-to-door time is the sum of "
        "Wq + 1/mu over its lifts (plus 1e-6 h per truck leg).",
        "",
        f"Tandem: zone -> h1 (c = 2) -> h2 (c = 1), {tandem.rows[0][2]:g} TEU/h; h1 lifts "
        "every box twice (rho 0.75), h2 once (rho 0.75). Jackson network (c = 3, 2, 1 at "
        "a, b, c; zones za at a and zb at b); the rows (zone, path, TEU/h) are "
        + ", ".join(f"{z} -> {' -> '.join(path)}: {r:g}" for z, path, r in jackson.rows)
        + ". Visit-level routing matrix P, external rates gamma and the solution of the "
        "traffic equations lambda = gamma + P^T lambda:",
        "",
        "| hub | gamma (/h) | " + " | ".join(f"P to {h}" for h in hubs)
        + " | P(ends here) | visits (/h) | lifts (/h) |",
        "|---|---:|" + "---:|" * len(hubs) + "---:|---:|---:|",
        p_rows,
        "",
        *theory_table(net_rows),
        "",
        "## 3. Little's law on every hub of the 2022 scenario",
        "",
        f"`{LITTLE_2022.scenario}`, seed {LITTLE_2022.seed}, {LITTLE_2022.days:g} measured "
        "days after the scenario's warm-up. From the event log alone: a load is in a hub's "
        "yard from its lift-off (or creation) there to its lift-on (or delivery); stays are "
        "rebuilt consignment by consignment, split-off parts matched to the entry of the "
        "consignment they were cut from (loads in TEU; Jiangbei's air cargo in tonnes). "
        "*L from stays* (sum of load x time inside the window / window) must equal the "
        "`yard_mean` KPI to 1e-6. The classic check uses the window minus its last "
        f"{LITTLE_2022.margin_days:g} days: lambda = load entering per hour, W = mean stay of "
        "those loads (they leave in the margin), against `yard_mean` over the same "
        f"sub-window; allowed |lambda W / L - 1| <= {LITTLE_2022.rel_tol:.0%} (stays "
        "crossing the ends), with under 1 % of the entering load still in the yard at the "
        "end of the run.",
        "",
        *lit,
        "",
        "## 4. Deterministic cases",
        "",
        f"Hub a -rail-> hub b -road-> zone z; a one-way train of {D.CAPACITY} TEU leaves a "
        f"every {D.HEADWAY:g} h from {D.FIRST:g} h (unlimited fleet), deterministic handling "
        f"at {D.RATE:g} TEU/h, zero dwell, geometric batches of mean 4 TEU. Given the "
        "creation times in the log, the timetable is replayed exactly: each slot's train "
        "takes the ready queue first come first served up to capacity (cutting the last "
        "consignment to whole TEU) and departs at slot + load / rate; each piece waits from "
        "its creation to that departure. At 1.5 x capacity every train after the second "
        "leaves full, so throughput is exactly capacity x departures. Waits are stored as "
        "float32 in the log (hence ~1e-5 h differences).",
        "",
        *det,
        "",
        "## 5. Cross-check with Ciw",
        "",
        "The same M/M/c and network cases in Ciw (`peer.py`): each hub is a Ciw node with c "
        "servers and exponential service at mu; each demand row a customer class arriving "
        "at its first hub, routed by `ciw.routing.ProcessBased` through the same lifts "
        "(a hub passed through appears twice); the same windows and measurements. CI runs "
        "M/M/3 rho=0.75 and the Jackson network; this report runs all.",
        "",
        *peer_table(peer_rows),
        "",
        "## 6. Bad input",
        "",
        "`tests/test_bad_input_properties.py` (hypothesis, derandomized) breaks the tiny "
        "scenario one thing at a time: wrong types (text, lists, mappings, booleans in number "
        "fields), missing required fields, dangling node references, absurd numbers "
        "(negative, NaN, infinite, coordinates out of range, demand or headways that would "
        "make the run endless), whole sections of the wrong type, truncated YAML, random "
        "text and bytes, broken CSV cells. Each must give one `ScenarioError` naming the "
        "file (and the field), on one line; `hubsim validate` and `hubsim run` print "
        "`hubsim: error: ...` once, exit 2 and write nothing; any other exception or a run "
        "longer than 20 s fails the test.",
        "",
    ]
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; write nothing")
    args = ap.parse_args(argv)
    text, ok = build()
    if not args.check:
        DOC.write_text(text)
        print(f"wrote {DOC.relative_to(ROOT)}")
    print("all checks pass" if ok else "SOME CHECKS FAIL", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
