"""Scenario fields as data: each declared once with its unit, default and description.

:func:`F` declares a field; :class:`ScenarioModel` is the base of every scenario section;
:func:`field_rows` renders the declarations as the table ``hubsim fields`` prints and
``docs/scenario-format.md`` holds; :func:`unit_of` finds a field's unit for error messages.
So the unit is written down in exactly one place. (The sections themselves are in
:mod:`hubsim.scenario.schema` and :mod:`hubsim.scenario.changes`.)

:data:`PLAUSIBLE` is the table of plausible ranges per mode (speeds, distances, handling
rates of a hub's shared pool and of its areas, in TEU/h: moves/h x teu_per_move): a value
outside its range is almost always a unit slip (``speed_kmh: 8000``, metres written as km), so
:func:`hubsim.scenario.checks.check_plausible` reports it unless the scenario lists its path
under ``allow_outliers``.

>>> from hubsim.scenario.schema import Hub
>>> unit_of(Hub, ("yard_teu",))
'TEU'
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

from hubsim.scenario.distributions import Dist

__all__ = ["MODES", "PLAUSIBLE", "F", "Mode", "Plausible", "ScenarioModel", "field_rows",
           "plausible", "unit_of"]

#: Transport modes of links, services and disruptions.
MODES = ("rail", "road", "water", "air")
Mode = Literal["rail", "road", "water", "air"]


def F(default: Any = ..., *, unit: str = "", desc: str, **kw: Any) -> Any:
    """A field with its unit and one-line description (the single source for docs and errors)."""
    return Field(default, description=desc, json_schema_extra={"unit": unit}, **kw)


def _numeric(annotation: Any) -> bool:
    """True for ``int``, ``float`` and either ``| None``."""
    args = typing.get_args(annotation) or (annotation,)
    return all(a in (int, float, type(None)) for a in args) and \
        any(a in (int, float) for a in args)


class ScenarioModel(BaseModel):
    """Base of every scenario section: immutable, no unknown fields, no inf/nan, no booleans
    read as numbers."""

    # no inf/nan anywhere: an infinite distance or demand is a typo, never a scenario
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_as_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic would read YAML true or a CSV cell TRUE in a number field as 1
        name = info.field_name
        if isinstance(value, bool) and name is not None and \
                _numeric(cls.model_fields[name].annotation):
            raise ValueError(f"must be a number, got {value!r}")
        return value


def _unit(info: FieldInfo) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return str(extra.get("unit", ""))


def field_rows(sections: Sequence[tuple[str, type[BaseModel]]]) -> list[dict[str, str]]:
    """One row per field of each ``(path prefix, model)``: field, unit, default, description."""
    rows: list[dict[str, str]] = []
    for prefix, model in sections:
        for name, info in model.model_fields.items():
            default = "required" if info.is_required() else _show_default(info.default)
            rows.append({"field": f"{prefix}.{info.alias or name}", "unit": _unit(info),
                         "default": default, "description": info.description or ""})
    return rows


def _show_default(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, Dist):
        return str(value)
    if isinstance(value, BaseModel):
        return "(section defaults)"
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def unit_of(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The unit of the field at ``loc`` inside ``model`` ('' when unknown)."""
    current: Any = model
    unit = ""
    for part in loc:
        if isinstance(current, _DictOf):
            current = current.model  # this part is the dict key (a hub id)
            continue
        if isinstance(part, int) or not (isinstance(current, type)
                                          and issubclass(current, BaseModel)):
            continue
        fields = current.model_fields
        info = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if info is None:
            return unit
        unit = _unit(info)
        current = _inner_model(info.annotation)
    return unit


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside M, dict[str, M] (as _DictOf), tuple[M, ...] or M | None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return _DictOf(found) if typing.get_origin(annotation) is dict else found
    return None


class _DictOf:
    """Marks 'the next loc part is a dict key, then model M follows'."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model


# --------------------------------------------------------------------------- plausible ranges
@dataclass(frozen=True)
class Plausible:
    """The range a planner would accept for one field (for one mode, or any mode when ``mode``
    is empty), with where the bounds come from."""

    field: str  # as the field table writes it: "links[].speed_kmh"
    mode: str
    low: float
    high: float
    unit: str
    source: str

    def text(self) -> str:
        """``5-160 km/h``."""
        return f"{self.low:,g}-{self.high:,g} {self.unit}"


# (a link given a transit time is held to the same range by distance_km / mean transit_h)
_SPEED = "links[].speed_kmh"

#: Plausible ranges, one row per field and mode; a value outside is an error naming the range
#: unless the scenario lists its path under ``allow_outliers``. Bounds are deliberately wide:
#: they catch unit slips (km/h vs m/s, km vs m, a factor 1000), not unusual but real values.
PLAUSIBLE: tuple[Plausible, ...] = (
    Plausible(_SPEED, "road", 5, 120, "km/h",
              "estimate: congested urban drayage about 10 km/h; trucks are limited to "
              "80-100 km/h on Chinese and EU motorways"),
    Plausible(_SPEED, "rail", 5, 160, "km/h",
              "estimate: China-Europe trains average 25-35 km/h with border waits; the fastest "
              "freight trains (China's 160 km/h express freight) set the top"),
    Plausible(_SPEED, "water", 2, 40, "km/h",
              "estimate: upstream Yangtze barges 8-12 km/h; container ships cruise at "
              "30-40 km/h (16-22 knots)"),
    Plausible(_SPEED, "air", 200, 1000, "km/h",
              "estimate: block speed of short hops about 300 km/h; jet freighters cruise at "
              "850-900 km/h"),
    Plausible("links[].distance_km", "road", 1, 10_000, "km",
              "estimate: a zone's access road of a few km; cross-border trucking "
              "China-Europe about 7,000-9,000 km"),
    Plausible("links[].distance_km", "rail", 1, 15_000, "km",
              "estimate: a terminal shunt of a few km; the longest regular freight route, "
              "Yiwu-Madrid, is about 13,000 km"),
    Plausible("links[].distance_km", "water", 1, 30_000, "km",
              "estimate: a river crossing; Shanghai-Rotterdam round the Cape of Good Hope is "
              "about 26,000 km"),
    Plausible("links[].distance_km", "air", 50, 18_000, "km",
              "estimate: the longest non-stop flights are about 15,000-16,000 km"),
    Plausible("hubs.<id>.moves_per_hour", "", 1, 200, "TEU/h per unit",
              "estimate: reach stackers 10-20 and quay cranes 25-40 moves/h, up to about "
              "80 TEU/h with twin lifts of 40-foot boxes; air terminals count t/h per unit "
              "(held: moves_per_hour x teu_per_move)"),
    Plausible("hubs.<id>.areas.<mode>.moves_per_hour", "", 1, 200, "TEU/h per unit",
              "estimate: river-port quay cranes 20-30 and seaport quay cranes 25-40 moves/h, "
              "rail and yard gantries 15-30, reach stackers 10-20; up to about 80 TEU/h with "
              "twin lifts of 40-foot boxes; air stands count t/h per unit (held: "
              "moves_per_hour x the hub's teu_per_move)"),
)


def plausible(field: str, mode: str = "") -> Plausible | None:
    """The row of :data:`PLAUSIBLE` for ``field`` and ``mode`` (or for any mode), if any.

    >>> plausible("links[].speed_kmh", "rail").text()
    '5-160 km/h'
    """
    return next((r for r in PLAUSIBLE if r.field == field and r.mode in ("", mode)), None)
