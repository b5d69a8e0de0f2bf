"""Disruptions, demand growth and investments: checks against the network and the time windows
the engine applies them in.

All three share one calendar clock: day 0 is 1 January of the first measured year (the end of
the warm-up), so the warm-up has negative days and ``start_day: 304`` is 1 November. A window
``[start_day, end_day)`` with ``every_days: 365`` recurs every year, also back into the warm-up
(``304 .. 485`` covers November to April of every winter). The engine works in hours since the
start of the run: ``t_h = warmup_h + 24 * day``.

>>> windows_h(304, 485, 365, warmup_h=720, horizon_h=720 + 24 * 365)
[(0.0, 3600.0), (8016.0, 9480.0)]
"""

from __future__ import annotations

import math
from typing import Any

from hubsim.scenario.schema import Disruption, Investment, Scenario, Service

__all__ = ["check_references", "demand_matches", "describe", "link_of", "windows_h"]


def windows_h(start_day: float, end_day: float, every_days: float | None, warmup_h: float,
              horizon_h: float) -> list[tuple[float, float]]:
    """The window's occurrences inside ``[0, horizon_h)``, in run hours, sorted, clipped."""
    horizon_h = float(horizon_h)
    s0, e0 = warmup_h + 24.0 * start_day, warmup_h + 24.0 * end_day
    if every_days is None:
        shifts = [0.0]
    else:
        period = 24.0 * every_days
        first = math.floor((0.0 - e0) / period) + 1  # first repeat that ends after 0
        last = math.ceil((horizon_h - s0) / period)
        shifts = [k * period for k in range(first, last + 1)]
    out = []
    for shift in shifts:
        s, e = max(0.0, s0 + shift), min(horizon_h, e0 + shift)
        if e > s:
            out.append((s, e))
    return out


def link_of(scn: Scenario, d: Disruption) -> int | None:
    """Index in ``scn.links`` of the link a disruption names (either order of the ends), or
    None when no link or several (without ``mode``) match."""
    a, b = d.link  # type: ignore[misc]
    hits = [i for i, lk in enumerate(scn.links)
            if {lk.from_, lk.to} == {a, b} and d.mode in (None, lk.mode)]
    return hits[0] if len(hits) == 1 else None


def demand_matches(d: Disruption, origin: str, destination: str) -> bool:
    """Whether a demand_shock applies to the demand row ``origin -> destination``."""
    return d.origin in (None, origin) and d.destination in (None, destination)


#: (location, message) of one reference that does not resolve
Problem = tuple[tuple[Any, ...], str]


def _check_link(scn: Scenario, loc: tuple[Any, ...], d: Disruption) -> list[Problem]:
    """Problems with the link a disruption names: none, several, or of the wrong kind."""
    out: list[Problem] = []
    a, b = d.link  # type: ignore[misc]
    on = [lk for lk in scn.links if {lk.from_, lk.to} == {a, b}]
    modes = sorted(lk.mode for lk in on)
    if not on:
        out.append(((*loc, "link"), f"no link joins {a!r} and {b!r}"))
    elif d.mode is not None and d.mode not in modes:
        out.append(((*loc, "mode"), f"no {d.mode} link joins {a!r} and {b!r} "
                                    f"(modes: {', '.join(modes)})"))
    elif d.mode is None and len(on) > 1:
        out.append(((*loc, "mode"), f"{len(on)} links join {a!r} and {b!r} "
                                    f"({', '.join(modes)}): say which with mode"))
    else:
        lk = scn.links[link_of(scn, d)]  # type: ignore[index]
        if d.kind == "low_water" and lk.mode != "water":
            out.append(((*loc, "link"), f"low water applies to a water link, "
                                        f"{a}-{b} is {lk.mode}"))
        if d.kind == "lock_wait" and lk.lock is None:
            out.append(((*loc, "link"), f"the {lk.mode} link {a}-{b} has no lock"))
    return out


def _check_disruption(scn: Scenario, i: int, d: Disruption, nodes: set[str],
                      hubs: str) -> list[Problem]:
    """Unresolved link, hub, node and demand references of disruption ``i``."""
    out: list[Problem] = []
    loc = ("disruptions", i)
    if d.link is not None:
        out += _check_link(scn, loc, d)
    if d.hub is not None and d.hub not in scn.hubs:
        out.append(((*loc, "hub"), f"unknown hub {d.hub!r} (hubs: {hubs})"))
    for field in ("origin", "destination"):
        nid = getattr(d, field)
        if nid is not None and nid not in nodes:
            out.append(((*loc, field), f"unknown node {nid!r}"))
    if d.kind == "demand_shock" and not any(
            demand_matches(d, dem.origin, dem.destination) for dem in scn.demand):
        out.append((loc, "no demand row matches this demand_shock's origin/destination"))
    return out


def _check_investment(scn: Scenario, i: int, inv: Investment, services: dict[str, Service],
                      hubs: str) -> list[Problem]:
    """Unresolved hub and service references of investment ``i``."""
    out: list[Problem] = []
    loc = ("investments", i)
    if inv.hub is not None and inv.hub not in scn.hubs:
        out.append(((*loc, "hub"), f"unknown hub {inv.hub!r} (hubs: {hubs})"))
    out += _check_invested_service(loc, inv, services)
    return out


def _check_invested_service(loc: tuple[Any, ...], inv: Investment,
                            services: dict[str, Service]) -> list[Problem]:
    """Problems with the service an investment names (if any): unknown, or lacking the field."""
    if inv.service is None:
        return []
    svc = services.get(inv.service)
    if svc is None:
        known = ", ".join(sorted(services)) or "none"
        return [((*loc, "service"), f"unknown service {inv.service!r} "
                                    f"(services: {known})")]
    if inv.per_week is not None and svc.on_demand:
        return [((*loc, "per_week"), f"service {svc.id!r} is on demand: it has no "
                                     "frequency")]
    if inv.add_fleet is not None and svc.fleet is None:
        return [((*loc, "add_fleet"), f"service {svc.id!r} has an unlimited fleet")]
    return []


def check_references(scn: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Ids in ``disruptions`` and ``investments`` that do not resolve, as ``(loc, message)``."""
    out: list[tuple[tuple[Any, ...], str]] = []
    nodes = {nid for nid, _, _ in scn.iter_nodes()} | set(scn.markets)
    hubs = ", ".join(sorted(scn.hubs)) or "none"
    for i, d in enumerate(scn.disruptions):
        out += _check_disruption(scn, i, d, nodes, hubs)
    services = {s.id: s for s in scn.services}
    for i, inv in enumerate(scn.investments):
        out += _check_investment(scn, i, inv, services, hubs)
    return out


def describe(scn: Scenario) -> list[str]:
    """Lines summarising disruptions, growth and investments (for ``hubsim validate``); empty
    when the scenario has none."""
    out: list[str] = []
    if scn.disruptions:
        out += ["", f"Disruptions ({len(scn.disruptions)}; days from 1 January of the first "
                    "measured year)"]
        for d in scn.disruptions:
            where = (f"{d.link[0]}-{d.link[1]}" + (f":{d.mode}" if d.mode else "")
                     if d.link else d.hub or "")
            if d.kind == "demand_shock":
                where = f"{d.origin or '*'}->{d.destination or '*'}"
            elif d.kind == "clearance" and not d.hub:
                where = "every hub"
            what = f"hold {d.hold_h}" if d.hold_h is not None else \
                (f"x{d.factor:g}" if d.factor is not None else "closed")
            every = f", every {d.every_days:g} days" if d.every_days else ""
            out.append(f"  {d.kind} {where}: {what}, days {d.start_day:g}-{d.end_day:g}"
                       f"{every}")
    g = scn.growth
    own = sorted({d.growth_per_year for d in scn.demand if d.growth_per_year is not None})
    if g.demand_per_year or own:
        first = f" from {g.first_year}" if g.first_year is not None else ""
        out += ["", f"Growth: demand {g.demand_per_year * 100:+g}% a year{first}"]
        if own:
            rows = sum(d.growth_per_year is not None for d in scn.demand)
            out.append(f"  {rows} demand rows grow at their own rates: "
                       + ", ".join(f"{r * 100:+g}%" for r in own))
    if scn.investments:
        out += ["", f"Investments ({len(scn.investments)})"]
        for inv in scn.investments:
            parts = [f"+{inv.add_equipment} units" if inv.add_equipment else "",
                     f"+{inv.add_yard_teu:g} TEU yard" if inv.add_yard_teu else "",
                     f"{inv.per_week:g}/week" if inv.per_week else "",
                     f"+{inv.add_fleet} vehicles" if inv.add_fleet else ""]
            out.append(f"  day {inv.from_day:g}: {inv.hub or inv.service} "
                       + ", ".join(x for x in parts if x))
    return out
