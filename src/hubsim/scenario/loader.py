"""Load scenario files (YAML, with optional CSV tables) into a validated :class:`Scenario`.

Every problem becomes one :class:`ScenarioError` whose message names the file, the field path,
what was expected (with the field's unit) and what was found::

    scenarios/x.yaml: hubs.guoyuan.yard_teu: must be > 0 [TEU], got 0

``links``, ``services`` and ``demand`` may be given as a path to a CSV file (relative to the
YAML file); errors in such a table name the CSV file and its line. A table must lie in the
scenario file's folder or below it (after symbolic links are followed), unless the file says
``allow_tables_outside: true`` (a top-level key the loader reads, so a reviewer sees it).
Files are read through :mod:`hubsim.scenario.yamlread` (size limit, duplicate keys, aliases).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hubsim.errors import ScenarioError, clip, shown
from hubsim.scenario.build import build_scenario
from hubsim.scenario.checks import Check
from hubsim.scenario.overlay import resolve_overlay
from hubsim.scenario.resources import scenario_folder
from hubsim.scenario.schema import Scenario
from hubsim.scenario.yamlread import read_bytes, read_yaml

__all__ = ["ScenarioError", "bundled_scenario", "load_scenario"]

TABLE_SECTIONS = ("links", "services", "demand")
#: Top-level key of a scenario file that lets its tables lie outside its folder tree.
ALLOW_OUTSIDE = "allow_tables_outside"


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
        raise ScenarioError(f"{clip(str(path), 240)}: no such scenario file")
    digest = hashlib.sha256()
    raw_bytes = read_bytes(path, "scenario file")
    digest.update(raw_bytes)
    data = read_yaml(path, raw_bytes)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of sections at the top level "
                            f"(name, hubs, links, ...), got {type(data).__name__}")
    if "extends" in data:  # an overlay on another scenario file (see hubsim.scenario.overlay)
        return resolve_overlay(path, data, digest, lambda p, c: _load(p, c, checks),
                               (*chain, path.resolve()), checks)
    outside = data.pop(ALLOW_OUTSIDE, False)
    if not isinstance(outside, bool):
        raise ScenarioError(f"{path}: {ALLOW_OUTSIDE}: must be true or false, got "
                            f"{shown(outside)}")
    tables: dict[str, Path] = {}
    for section in TABLE_SECTIONS:
        value = data.get(section)
        if isinstance(value, str):
            table = _table_path(path, section, value, outside)
            try:
                table_bytes = read_bytes(table, "table")
            except ScenarioError as exc:  # (too large, unreadable)
                raise ScenarioError(f"{path}: {section}: {exc}") from None
            data[section] = _read_csv(table, table_bytes)
            digest.update(table_bytes)
            tables[section] = table
    scenario = build_scenario(data, source=str(path), tables=tables, checks=checks)
    scenario._source_path = str(path)
    scenario._source_hash = digest.hexdigest()
    return scenario


def _table_path(path: Path, section: str, value: str, outside: bool) -> Path:
    """The CSV file ``section: value`` names: a file in the scenario's folder tree (or
    anywhere, with ``allow_tables_outside: true``)."""
    if not value.strip() or "\0" in value:
        raise ScenarioError(f"{path}: {section}: must be a list of items or the path of a CSV "
                            f"table, got {shown(value)}")
    folder = path.parent.resolve()
    table = (path.parent / value).resolve()
    if not outside and not table.is_relative_to(folder):
        raise ScenarioError(f"{path}: {section}: table {shown(value)} is outside the "
                            f"scenario's folder {clip(str(folder), 160)} (write "
                            f"'{ALLOW_OUTSIDE}: true' in the scenario to allow it)")
    if not table.is_file():
        what = "is not a file" if table.exists() else "not found"
        raise ScenarioError(f"{path}: {section}: table file {clip(str(table), 240)} {what}")
    return table


def _read_csv(table: Path, raw: bytes) -> list[dict[str, Any]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{table}: not UTF-8 text ({exc.reason})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            if None in row:
                raise ScenarioError(f"{table}: line {reader.line_num}: more cells than the "
                                    f"header's {len(reader.fieldnames or [])} columns")
            rows.append({k.strip(): _cell(v) for k, v in row.items()
                         if k and v is not None and v.strip() != ""})
    except csv.Error as exc:  # a cell beyond the csv module's field limit (in the next row)
        raise ScenarioError(f"{table}: line {reader.line_num + 1}: malformed CSV: "
                            f"{clip(str(exc))}") from None
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
