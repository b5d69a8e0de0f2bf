"""The scenarios and data tables that ship with hubsim, found as package resources.

The files live inside the package, ``src/hubsim/bundled/scenarios/*.yaml`` (with any CSV
tables they read) and ``src/hubsim/bundled/data/*.csv`` (``nodes``, ``reference_figures``,
``calibration_map``, ``backtest``, ``emission_factors``), and are read through
:mod:`importlib.resources`, so an installed hubsim (editable or not) finds them from any
working folder. The repository root keeps the paths
users, the README, the tests, the notebooks, ``.ci/run`` and the golden files know
(``scenarios/chongqing_2019.yaml``, ``data/calibration_map.csv``) as two git symlinks,
``scenarios -> src/hubsim/bundled/scenarios`` and ``data -> src/hubsim/bundled/data``.

Why this layout rather than keeping the folders at the root and mapping them into the wheel:
the package is then self-contained (a wheel or sdist built from ``src/`` needs no mapping of
outside folders, and an editable install reads the same files through the same lookup), and
the file bytes are unchanged, so the ``scenario_sha256`` in ``expected/*.csv`` still matches.
The symlinks are only a convenience for people working in the repository.

>>> sorted(p.name for p in bundled_data_files())  # doctest: +NORMALIZE_WHITESPACE
['backtest.csv', 'calibration_map.csv', 'emission_factors.csv', 'nodes.csv',
 'reference_figures.csv']
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from hubsim.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["bundled_data_files", "bundled_scenarios", "data_folder", "read_rows",
           "read_table", "scenario_folder"]

#: Where the bundled files sit inside the ``hubsim`` package.
SCENARIOS = ("bundled", "scenarios")
DATA = ("bundled", "data")


def _folder(parts: tuple[str, ...]) -> Path:
    resource = files("hubsim")
    for part in parts:
        resource = resource / part
    if not isinstance(resource, Path) or not resource.is_dir():
        # a zip import would give another Traversable; scenario files extend each other by
        # relative path, so they must be real files in a folder
        raise ScenarioError(f"the bundled folder hubsim/{'/'.join(parts)} was not found in "
                            "the installed package (reinstall hubsim)")
    return resource


def scenario_folder() -> Path:
    """The folder of the bundled scenario files (``hubsim/bundled/scenarios``)."""
    return _folder(SCENARIOS)


def data_folder() -> Path:
    """The folder of the bundled data tables (``hubsim/bundled/data``)."""
    return _folder(DATA)


def bundled_scenarios() -> list[Path]:
    """Every bundled scenario file (``*.yaml``), sorted by name."""
    return sorted(scenario_folder().glob("*.yaml"))


def bundled_data_files() -> list[Path]:
    """Every bundled data table (``*.csv``), sorted by name."""
    return sorted(data_folder().glob("*.csv"))


def _missing_columns(path: Path, header: list[str], columns: list[str]) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise ScenarioError(f"{path}: columns: must include {', '.join(columns)}, "
                            f"missing {', '.join(missing)}")


def read_table(path: Path, columns: list[str]) -> pd.DataFrame:
    """A data table read as text (every cell a string, empty cells ``""``); a missing file or
    column raises :class:`ScenarioError` naming it. The reader of the ``data/`` tables."""
    import pandas as pd  # only when a table is asked for (start-up time)

    if not path.is_file():
        raise ScenarioError(f"{path}: file not found")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    _missing_columns(path, [str(c) for c in table.columns], columns)
    return table


def read_rows(path: Path, columns: list[str]) -> list[dict[str, str]]:
    """:func:`read_table` as a list of rows (column -> text), read with the ``csv`` module:
    for the data a scenario's checks read while it loads (``emission_factors.csv``), which
    must not import pandas (commands that never simulate stay quick to start)."""
    if not path.is_file():
        raise ScenarioError(f"{path}: file not found")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        _missing_columns(path, list(reader.fieldnames or []), columns)
        return [{str(k): v or "" for k, v in row.items() if k is not None} for row in reader]
