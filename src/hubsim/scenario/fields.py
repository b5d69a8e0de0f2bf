"""Scenario fields as data: each declared once with its unit, default and description.

:func:`F` declares a field; :class:`ScenarioModel` is the base of every scenario section;
:func:`field_rows` renders the declarations as the table ``hubsim fields`` prints and
``docs/scenario-format.md`` holds; :func:`unit_of` finds a field's unit for error messages.
So the unit is written down in exactly one place. (The sections themselves are in
:mod:`hubsim.scenario.schema` and :mod:`hubsim.scenario.changes`.)

>>> from hubsim.scenario.schema import Hub
>>> unit_of(Hub, ("yard_teu",))
'TEU'
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

from hubsim.scenario.distributions import Dist

__all__ = ["MODES", "F", "Mode", "ScenarioModel", "field_rows", "unit_of"]

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
