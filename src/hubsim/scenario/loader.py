"""Load scenario files (YAML, with optional CSV tables) into a validated :class:`Scenario`.

Every problem becomes one :class:`ScenarioError` whose message names the file, the field path,
what was expected (with the field's unit) and what was found::

    scenarios/x.yaml: hubs.guoyuan.equipment: must be >= 1 [count], got 0

``links``, ``services`` and ``demand`` may be given as a path to a CSV file (relative to the
YAML file); errors in such a table name the CSV file and its line.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from hubsim.errors import ScenarioError
from hubsim.scenario.build import build_scenario
from hubsim.scenario.checks import Check
from hubsim.scenario.overlay import resolve_overlay
from hubsim.scenario.resources import scenario_folder
from hubsim.scenario.schema import Scenario

__all__ = ["ScenarioError", "bundled_scenario", "load_scenario"]

TABLE_SECTIONS = ("links", "services", "demand")


def load_scenario(path: str | Path, checks: Sequence[Check] = ()) -> Scenario:
    """Read, validate and cross-check a scenario file.

    Parameters
    ----------
    path : str or Path
        A YAML scenario file, or an overlay file that ``extends`` another (resolved through
        the whole chain; see :mod:`hubsim.scenario.overlay`).
    checks : sequence of callables, optional
        More cross-checks ``check(scenario) -> [(loc, message), ...]`` from the layers above
        (:func:`hubsim.load_scenario` passes the route check).

    Returns
    -------
    Scenario
        Immutable and checked: every reference resolves. (:func:`hubsim.load_scenario` also
        checks that every demand pair has a route.)

    Raises
    ------
    ScenarioError
        With the file, field path and expectation in the message.
    """
    return _load(Path(path), (), tuple(checks))


def _load(path: Path, chain: tuple[Path, ...], checks: tuple[Check, ...] = ()) -> Scenario:
    """load_scenario, with the overlay files being resolved (to detect ``extends`` cycles)."""
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    digest = hashlib.sha256()
    raw_bytes = path.read_bytes()
    digest.update(raw_bytes)
    try:
        data = yaml.safe_load(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{path}: {where}malformed YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of sections at the top level "
                            f"(name, hubs, links, ...), got {type(data).__name__}")
    if "extends" in data:  # an overlay on another scenario file (see hubsim.scenario.overlay)
        return resolve_overlay(path, data, digest, lambda p, c: _load(p, c, checks),
                               (*chain, path.resolve()), checks)
    tables: dict[str, Path] = {}
    for section in TABLE_SECTIONS:
        value = data.get(section)
        if isinstance(value, str):
            table = (path.parent / value).resolve()
            data[section] = _read_csv(table, path, section)
            digest.update(table.read_bytes())
            tables[section] = table
    scenario = build_scenario(data, source=str(path), tables=tables, checks=checks)
    scenario._source_path = str(path)
    scenario._source_hash = digest.hexdigest()
    return scenario


def _read_csv(table: Path, yaml_path: Path, section: str) -> list[dict[str, Any]]:
    if not table.is_file():
        shown = str(table) if str(table).isprintable() else repr(str(table))  # one line
        raise ScenarioError(f"{yaml_path}: {section}: table file {shown} not found")
    with table.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = []
        for row in reader:
            if None in row:
                raise ScenarioError(f"{table}: line {reader.line_num}: more cells than the "
                                    f"header's {len(reader.fieldnames or [])} columns")
            rows.append({k.strip(): _cell(v) for k, v in row.items()
                         if k and v is not None and v.strip() != ""})
    return rows


def _cell(value: str) -> Any:
    text = value.strip()
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    return text


def bundled_scenario(filename: str) -> Path:
    """The bundled ``scenarios/<filename>``: from the working folder's ``scenarios/`` first
    (in a checkout, the root symlink to the same files), else the copy installed with the
    package (:mod:`hubsim.scenario.resources`), so it works from any folder."""
    local = Path.cwd() / "scenarios" / filename
    if local.is_file():
        return local
    installed = scenario_folder() / filename
    if installed.is_file():
        return installed
    raise ScenarioError(f"no scenario given and the bundled scenarios/{filename} "
                        "was not found; pass a scenario file")
