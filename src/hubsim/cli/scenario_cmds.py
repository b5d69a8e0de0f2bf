"""Commands that read scenarios without simulating: ``validate``, ``fields``, ``show``, ``diff``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubsim.present.text import table

if TYPE_CHECKING:
    from hubsim.scenario.schema import Scenario


def load_scenario(path: Path) -> Scenario:
    """:func:`hubsim.api.load_scenario` without loading the simulation and its tables (these
    commands never simulate: start-up time)."""
    from hubsim.scenario import loader
    from hubsim.sim.network import check_routes

    return loader.load_scenario(path, checks=(check_routes,))


__all__ = ["add_parsers", "diff", "fields", "fields_markdown", "show", "summary_text", "validate"]


def add_parsers(sub: Any) -> None:
    """Add the ``validate``, ``fields``, ``show`` and ``diff`` subcommands."""
    val = sub.add_parser("validate", help="check a scenario file and summarise it",
                         description="Load and check SCENARIO (types, units, references, "
                         "routes) and summarise its network, services, demand and targets, "
                         "without simulating.")
    val.add_argument("scenario", type=Path, help="scenario YAML file")
    val.set_defaults(handler=validate)

    fld = sub.add_parser("fields", help="list every scenario field with unit and default",
                         description="Print the scenario format: every field, its unit, "
                         "default and meaning (the same metadata the error messages use).")
    fld.add_argument("--markdown", action="store_true", help="as a Markdown table")
    fld.set_defaults(handler=fields)

    shw = sub.add_parser("show", help="print the fully resolved scenario as YAML",
                         description="Resolve SCENARIO (following extends: overlays and CSV "
                         "tables) and print it as one YAML scenario, every field written out.")
    shw.add_argument("scenario", type=Path, help="scenario or overlay YAML file")
    shw.set_defaults(handler=show)

    dif = sub.add_parser("diff", help="what changed between two scenarios, field by field",
                         description="Print the semantic difference from scenario A to "
                         "scenario B: one line per changed field with its unit and relative "
                         "change, items matched by id (links by from-to:mode, demand by "
                         "origin-destination), + added, - removed.")
    dif.add_argument("a", type=Path, metavar="A", help="scenario file (before)")
    dif.add_argument("b", type=Path, metavar="B", help="scenario file (after)")
    dif.set_defaults(handler=diff)


def validate(args: argparse.Namespace) -> int:
    """``hubsim validate``: load and check a scenario, print :func:`summary_text`."""
    scn = load_scenario(args.scenario)
    print(summary_text(scn))
    print(f"\n{args.scenario}: OK")
    return 0


def show(args: argparse.Namespace) -> int:
    """``hubsim show``: the resolved scenario as YAML (:func:`hubsim.scenario.diff.show_text`)."""
    from hubsim.scenario.diff import show_text

    print(show_text(load_scenario(args.scenario)), end="")
    return 0


def diff(args: argparse.Namespace) -> int:
    """``hubsim diff``: field-by-field changes from A to B (:mod:`hubsim.scenario.diff`)."""
    from hubsim.scenario.diff import diff_text

    print(diff_text(load_scenario(args.a), load_scenario(args.b), str(args.a), str(args.b)))
    return 0


def _terminals(scn: Scenario) -> list[str]:
    """The hubs' areas (positions, units, rate, units per vehicle) and yards, one row each."""
    rows = []
    for hid, hub in scn.hubs.items():
        per_move = f"{hub.teu_per_move:g} {'t' if 'air' in hub.areas else 'TEU'}/move"
        areas: list[tuple[str, int | None, str, int, str, float, str]] = [
            (m, a.positions, a.position_name, a.equipment, a.equipment_name, a.moves_per_hour,
             f"{a.min_units}-{a.max_units}") for m, a in hub.areas.items()]
        if hub.equipment is not None and hub.moves_per_hour is not None:
            areas.append(("shared", None, "", hub.equipment, "units", hub.moves_per_hour, "1"))
        for mode, pos, pos_name, units, unit_name, rate, per_vehicle in areas:
            rows.append([f"{hid}:{mode}", "unlimited" if pos is None else f"{pos} {pos_name}",
                         f"{units} {unit_name}", f"{rate:g}/h", per_vehicle, per_move])
        depot = f", depot {hub.depot.teu:,.0f} TEU" if hub.depot is not None else ""
        unit = "t" if "air" in hub.areas else "TEU"  # an airport's yard counts tonnes
        rows.append([f"{hid} yard", f"{hub.yard_teu:,.0f} {unit}",
                     f"gate closes at {hub.gate_share:.0%}{depot}", "", "", ""])
    return ["", "Hub areas",
            table(rows, ["area", "positions", "units", "moves", "per vehicle", "per move"])]


def _locks(scn: Scenario) -> list[str]:
    """Each lock: its model, capacity, other traffic and closures."""
    out: list[str] = []
    for lk in scn.links:
        lock = lk.lock
        if lock is None:
            continue
        name = f"  {lock.name} on {lk.from_}-{lk.to} ({lock.position:.0%} of the way): "
        if lock.model == "wait":
            out.append(name + f"{lock.capacity} ships at once, each for {lock.hold_h} h")
        else:
            out.append(name + f"{lock.lines} line(s) each way, a lockage of up to "
                       f"{lock.ships_per_lockage} ships every {lock.cycle_h:g} h, passage "
                       f"{lock.passage_h} h / {lock.back_passage} h back; other traffic "
                       f"{lock.other_ships_per_day:g} / {lock.other_back_per_day:g} ships a day")
        out += [f"    closed days {c.start_day:g}-{c.end_day:g}"
                + (f" to {c.capacity_factor:.0%} of capacity" if c.capacity_factor else "")
                for c in lock.closures]
    return ["", "Locks", *out] if out else []


def summary_text(scn: Scenario) -> str:
    """What ``hubsim validate`` prints: the scenario at a glance."""
    from hubsim.sim.network import build_network, default_international, market_ends, route_table

    out = [f"Scenario {scn.name}: {scn.description.strip().splitlines()[0]}"
           if scn.description.strip() else f"Scenario {scn.name}",
           f"  run: {scn.run.horizon_days:g} days ({scn.run.warmup_days:g} warm-up), "
           f"seed {scn.run.seed}",
           f"  nodes: {len(scn.hubs)} hubs ({', '.join(scn.hubs)}), {len(scn.zones)} zones, "
           f"{len(scn.gateways)} gateways ({', '.join(scn.gateways)})"]
    by_mode: dict[str, int] = {}
    for lk in scn.links:
        by_mode[lk.mode] = by_mode.get(lk.mode, 0) + 1
    out.append(f"  links: {len(scn.links)} ("
               + ", ".join(f"{m} {n}" for m, n in sorted(by_mode.items())) + ")")
    out += _terminals(scn) + _locks(scn)
    rows = []
    for svc in scn.services:
        unit = "TEU" if svc.cargo == "container" else "t"
        headway = svc.headway  # None exactly when on demand
        if headway is None:
            freq, yearly = "on demand", "-"
        else:
            per_week = 168.0 / headway
            dirs = 2 if svc.bidirectional else 1
            freq = f"{per_week:g}/week"
            yearly = f"{per_week * 52.14 * svc.capacity * dirs:,.0f} {unit}"
        rows.append([svc.id, f"{svc.from_}-{svc.to}", svc.mode, f"{svc.capacity:g} {unit}",
                     freq, str(svc.fleet or "unlimited"), yearly])
    out += ["", f"Services ({len(scn.services)})",
            table(rows, ["id", "link", "mode", "capacity", "frequency", "fleet",
                          "capacity/yr (both ways)"])]
    routes = route_table(build_network(scn), scn)
    rows = []
    teu = tonnes = intl_t = 0.0
    for dem in scn.demand:
        legs = routes[(dem.origin, dem.destination, dem.cargo)]
        path = legs[0].u + "".join(f" -{leg.mode}-> {leg.v}" for leg in legs)
        ends = market_ends(scn, dem.origin, dem.destination)
        if ends is not None:  # the onward leg beyond the gateway (docs/markets.md)
            market = dem.destination if ends[1] == "*" else dem.origin
            gw = legs[-1].v if ends[1] == "*" else legs[0].u
            onward = f"{ends[2][gw].mode}"
            path = f"{path} ={onward}=> {market}" if ends[1] == "*" else \
                f"{market} ={onward}=> {path}"
        rows.append([f"{dem.origin}->{dem.destination}", dem.cargo,
                     f"{dem.teu_per_year:,.0f}", f"{dem.tonnes_per_year:,.0f}", path])
        teu += dem.teu_per_year
        tonnes += dem.tonnes_per_year
        if default_international(scn, dem, legs):
            intl_t += dem.tonnes_per_year
    out += ["", f"Demand ({len(scn.demand)} flows): {teu:,.0f} TEU/yr, {tonnes:,.0f} t/yr "
                f"({intl_t:,.0f} t/yr international)",
            table(rows, ["flow", "cargo", "TEU/yr", "t/yr", "route"])]
    if scn.targets:
        out += ["", "Targets"] + [f"  {t.id}: {t.kpi}{' at ' + t.hub if t.hub else ''} "
                                  f"{t.sense} {t.threshold:,.0f}" for t in scn.targets]
    from hubsim.scenario.disruptions import describe

    out += describe(scn)
    return "\n".join(out)


def fields(args: argparse.Namespace) -> int:
    """``hubsim fields``: the scenario format as a text or Markdown table, then the plausible
    ranges."""
    from hubsim.scenario.fields import PLAUSIBLE
    from hubsim.scenario.schema import field_table

    if args.markdown:
        print(fields_markdown())
        return 0
    print(table([[r["field"], r["unit"], r["default"], r["description"]] for r in field_table()],
                ["field", "unit", "default", "description"]))
    print(f"\nPlausible ranges. {RANGES_INTRO}\n")
    print(table([[r.field, r.mode or "any", r.text(), r.source] for r in PLAUSIBLE],
                ["field", "mode", "plausible range", "source"]))
    return 0


#: What the plausible-range table means and how to step outside it.
RANGES_INTRO = (
    "A value outside its mode's range is an error naming the field and the "
    "range (it is almost always a unit slip). A link given transit_h is held to the speed range "
    "by distance_km / mean transit_h. To keep a deliberate outlier, list its path under "
    "allow_outliers, as overlays name it: allow_outliers: [links.tuanjie-duisburg:rail."
    "speed_kmh] (either order of the ends; the mode may be left out; * for every item).")


def fields_markdown() -> str:
    """The scenario format as Markdown tables (docs/scenario-format.md is this output): every
    field, then the plausible ranges."""
    from hubsim.scenario.fields import PLAUSIBLE
    from hubsim.scenario.schema import field_table

    lines = ["| field | unit | default | description |", "|---|---|---|---|"]
    for r in field_table():
        lines.append(f"| `{r['field']}` | {r['unit']} | {r['default']} | {r['description']} |")
    lines += ["", "## Plausible ranges", "", RANGES_INTRO, "",
              "| field | mode | plausible range | source |", "|---|---|---|---|"]
    lines += [f"| `{r.field}` | {r.mode or 'any'} | {r.text()} | {r.source} |"
              for r in PLAUSIBLE]
    return "\n".join(lines)
