"""The emission factors of the ISO 14083 calculation: ``data/emission_factors.csv``, checked.

One row per energy carrier, vehicle type or hub operation (column ``kind``), each with a
``source`` ("estimate: ..." when estimated). Columns and units:

========================= ==================================================================
``kind``                  ``carrier``, ``vehicle`` or ``hub``
``id``                    unique name, referred to by other rows (``carrier``) and results
``mode``                  vehicle and hub rows: rail, road, water or air (a hub row: the
                          area of that mode, e.g. water = the quay)
``carrier``               vehicle and hub rows: the energy carrier's ``id``
``energy_unit``           carrier rows: the unit energy is counted in (L, kWh, kg)
``ttw_kg_co2e``           carrier rows: tank-to-wheel kg CO2e per energy unit
``wtt_kg_co2e``           carrier rows: well-to-tank kg CO2e per energy unit (WTW = TTW + WTT)
``energy_empty``          vehicle rows: energy units per vehicle-km running empty
``energy_full``           vehicle rows: energy units per vehicle-km carrying ``payload_t``
``payload_t``             vehicle rows: the reference payload, t of cargo (> 0); energy per
                          vehicle-km is linear in payload between empty and this load
                          (extrapolated beyond it)
``backhaul_share``        vehicle rows, optional (empty: 0): for on-demand services, whose
                          vehicles run one way, the share of the opposite direction's loaded
                          vehicle trips taken as the return of a vehicle; the other returns
                          are run empty (fraction, 0 to 1)
``default_min/max``       vehicle rows, optional: the type is the default for services of its
                          mode whose capacity per vehicle (TEU, or t for air cargo) is in
                          [min, max); the ranges of one mode may not overlap
``energy_per_op``         hub rows: energy units per container move (``op_unit`` move) or per
                          tonne of air cargo handled (``op_unit`` t)
``op_unit``               hub rows: ``move`` or ``t``
``source``                where the figures come from; "estimate: ..." when estimated
========================= ==================================================================

A bad cell raises :class:`~hubsim.errors.ScenarioError` naming the file, the row (as a
spreadsheet numbers it, header = 1), the id and the field.

>>> f = load_emission_factors()
>>> f.vehicles.loc["barge_container_diesel", "carrier"]
'diesel'
>>> f.default_vehicle("air", 25.0)
'aircraft_cargo_shorthaul'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubsim.errors import ScenarioError
from hubsim.scenario.resources import data_folder, read_rows

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "FILE", "EmissionFactors", "load_emission_factors"]

FILE = "emission_factors.csv"
COLUMNS = ["kind", "id", "mode", "carrier", "energy_unit", "ttw_kg_co2e", "wtt_kg_co2e",
           "energy_empty", "energy_full", "payload_t", "backhaul_share", "default_min",
           "default_max", "energy_per_op", "op_unit", "source"]
KINDS = ("carrier", "vehicle", "hub")
MODES = ("rail", "road", "water", "air")
OP_UNITS = ("move", "t")
#: Numeric fields each kind must fill (``>= 0``; ``payload_t`` > 0).
_NEEDS = {"carrier": ("ttw_kg_co2e", "wtt_kg_co2e"),
          "vehicle": ("energy_empty", "energy_full", "payload_t"),
          "hub": ("energy_per_op",)}
_OPTIONAL = {"vehicle": ("backhaul_share", "default_min", "default_max")}


_FRAMES = {
    "carrier": ["energy_unit", "ttw_kg_co2e", "wtt_kg_co2e", "source"],
    "vehicle": ["mode", "carrier", "energy_empty", "energy_full", "payload_t", "backhaul_share",
                "default_min", "default_max", "source"],
    "hub": ["mode", "carrier", "energy_per_op", "op_unit", "source"],
}


@dataclass(frozen=True)
class EmissionFactors:
    """The checked factors: the rows of the file (numbers as floats), and one table per kind,
    indexed by ``id``, built on first use (the scenario checks need no pandas)."""

    path: Path
    rows: tuple[dict[str, Any], ...]

    def _frame(self, kind: str) -> pd.DataFrame:
        import pandas as pd  # only when a table is asked for (start-up time)

        recs = [r for r in self.rows if r["kind"] == kind]
        return pd.DataFrame(recs, columns=["id", *_FRAMES[kind]]).set_index("id")

    @cached_property
    def carriers(self) -> pd.DataFrame:
        """``energy_unit, ttw_kg_co2e, wtt_kg_co2e, source``"""
        return self._frame("carrier")

    @cached_property
    def vehicles(self) -> pd.DataFrame:
        """``mode, carrier, energy_empty, energy_full, payload_t, backhaul_share, default_min,
        default_max, source`` (``default_min/max`` NaN: not a default)"""
        return self._frame("vehicle")

    @cached_property
    def hubs(self) -> pd.DataFrame:
        """``mode, carrier, energy_per_op, op_unit, source``"""
        return self._frame("hub")

    def vehicle_types(self, mode: str) -> list[str]:
        """The ids of the vehicle types of ``mode``, sorted."""
        return sorted(r["id"] for r in self.rows if r["kind"] == "vehicle" and r["mode"] == mode)

    def default_vehicle(self, mode: str, capacity: float) -> str:
        """The vehicle type for a service of ``mode`` with ``capacity`` per vehicle (TEU, or t
        for air cargo); :class:`ScenarioError` when no default covers it."""
        for r in self.rows:
            if r["kind"] == "vehicle" and r["mode"] == mode \
                    and r["default_min"] <= capacity < r["default_max"]:
                return str(r["id"])
        raise ScenarioError(f"{self.path}: no vehicle type is the default for {mode} "
                            f"services of capacity {capacity:g} per vehicle "
                            "(columns default_min, default_max)")


def _number(where: str, field: str, text: str, required: bool, positive: bool = False) \
        -> float:
    text = text.strip()
    if not text:
        if required:
            raise ScenarioError(f"{where}: {field}: must be a number, got an empty cell")
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(f"{where}: {field}: must be a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ScenarioError(f"{where}: {field}: must be a finite number {bound}, got {text}")
    return value


def _check_row(where: str, row: dict[str, str]) -> dict[str, object]:
    kind = row["kind"]
    if kind not in KINDS:
        raise ScenarioError(f"{where}: kind: must be one of {', '.join(KINDS)}, got {kind!r}")
    if not row["source"].strip():
        raise ScenarioError(f"{where}: source: must say where the figures come from "
                            "('estimate: ...' when estimated)")
    out: dict[str, object] = {"kind": kind, "id": row["id"], "source": row["source"]}
    for f in _NEEDS[kind]:
        out[f] = _number(where, f, row[f], True, positive=f == "payload_t")
    for f in _OPTIONAL.get(kind, ()):
        out[f] = _number(where, f, row[f], False)
    if kind == "carrier":
        if not row["energy_unit"].strip():
            raise ScenarioError(f"{where}: energy_unit: must name the unit (L, kWh, kg)")
        out["energy_unit"] = row["energy_unit"]
        return out
    if row["mode"] not in MODES:
        raise ScenarioError(f"{where}: mode: must be one of {', '.join(MODES)}, "
                            f"got {row['mode']!r}")
    out["mode"], out["carrier"] = row["mode"], row["carrier"]
    if kind == "hub":
        if row["op_unit"] not in OP_UNITS:
            raise ScenarioError(f"{where}: op_unit: must be one of {', '.join(OP_UNITS)}, "
                                f"got {row['op_unit']!r}")
        out["op_unit"] = row["op_unit"]
        return out
    _check_vehicle(where, out)
    return out


def _check_vehicle(where: str, out: dict[str, object]) -> None:
    """The vehicle row's numbers hang together (``out``: its parsed fields, completed)."""
    num = {k: float(v) for k, v in out.items()  # type: ignore[arg-type]
           if k in ("energy_empty", "energy_full", "backhaul_share", "default_min",
                    "default_max")}
    if num["energy_full"] < num["energy_empty"]:
        raise ScenarioError(f"{where}: energy_full: must be >= energy_empty "
                            f"({num['energy_empty']:g}), got {num['energy_full']:g}")
    share = num["backhaul_share"]
    if math.isnan(share):
        out["backhaul_share"] = 0.0
    elif share > 1:
        raise ScenarioError(f"{where}: backhaul_share: must be in [0, 1], got {share:g}")
    lo, hi = num["default_min"], num["default_max"]
    if math.isnan(lo) != math.isnan(hi):
        raise ScenarioError(f"{where}: default_min, default_max: give both or neither")
    if not math.isnan(lo) and not lo < hi:
        raise ScenarioError(f"{where}: default_max: must be > default_min ({lo:g}), "
                            f"got {hi:g}")


def load_emission_factors(path: Path | str | None = None) -> EmissionFactors:
    """Read and check ``emission_factors.csv`` (``path``, default the bundled
    ``data/emission_factors.csv``).

    Raises
    ------
    ScenarioError
        ``file: row n (id): field: expectation, got value`` for a bad cell; a duplicate id, a
        vehicle or hub naming an unknown carrier, or overlapping default ranges likewise.
    """
    path = Path(path) if path is not None else data_folder() / FILE
    rows: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for i, row in enumerate(read_rows(path, COLUMNS)):
        where = f"{path}: row {i + 2} ({row['id'] or 'no id'})"
        if not row["id"].strip():
            raise ScenarioError(f"{where}: id: must not be empty")
        if row["id"] in seen:
            raise ScenarioError(f"{where}: id: {row['id']!r} is already used by an earlier row")
        seen.add(row["id"])
        rows.append((where, _check_row(where, row)))
    carriers = {str(r["id"]) for _, r in rows if r["kind"] == "carrier"}
    for where, r in rows:
        if r["kind"] != "carrier" and r["carrier"] not in carriers:
            raise ScenarioError(f"{where}: carrier: must be a carrier row's id "
                                f"({', '.join(sorted(carriers))}), got {r['carrier']!r}")
    _check_default_ranges(path, [r for _, r in rows if r["kind"] == "vehicle"])
    return EmissionFactors(path=path, rows=tuple(r for _, r in rows))


def _check_default_ranges(path: Path, vehicles: list[dict[str, Any]]) -> None:
    """The default ranges of one mode do not overlap."""
    ranged = sorted((r for r in vehicles if not math.isnan(r["default_min"])),
                    key=lambda r: (r["mode"], r["default_min"]))
    for prev, cur in pairwise(ranged):
        if cur["mode"] == prev["mode"] and cur["default_min"] < prev["default_max"]:
            raise ScenarioError(f"{path}: vehicle {cur['id']}: default_min: the default "
                                f"ranges of {cur['mode']} overlap ({prev['id']} runs to "
                                f"{prev['default_max']:g}, {cur['id']} starts at "
                                f"{cur['default_min']:g})")
