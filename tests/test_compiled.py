"""The engine compiled with mypyc at install (setup.py) gives the pure-Python engine's results."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import hubsim.sim

#: run in a fresh interpreter: simulate, then pickle the record tables, the KPIs and which
#: modules ran compiled; with "pure", ``hubsim.sim``'s modules load from their sources (a path
#: hook for that folder only, ahead of the one that would find the compiled extensions)
_CHILD = """
import os, pickle, sys
from importlib.machinery import SOURCE_SUFFIXES, FileFinder, SourceFileLoader
if sys.argv[1] == "pure":
    def sources_only(path):
        if os.path.normpath(path).endswith(os.path.join("hubsim", "sim")):
            return FileFinder(path, (SourceFileLoader, SOURCE_SUFFIXES))
        raise ImportError
    sys.path_hooks.insert(0, sources_only)
    sys.path_importer_cache.clear()
import hubsim, hubsim.sim
res = hubsim.simulate(hubsim.load_scenario(sys.argv[2]), days=30)
tables = {k: getattr(res, k) for k in ("events", "consignments", "trips", "handling")}
with open(sys.argv[3], "wb") as f:
    pickle.dump((hubsim.sim.compiled(), res.simpy_events, tables, res.kpis), f)
"""


def _run(how: str, scenario: Path, out: Path) -> tuple:
    subprocess.run([sys.executable, "-c", _CHILD, how, str(scenario), str(out)], check=True)
    with open(out, "rb") as f:
        return pickle.load(f)


def test_compiled_names_the_modules_loaded_from_extensions():
    import importlib
    from importlib.machinery import EXTENSION_SUFFIXES

    names = hubsim.sim.compiled()
    assert names == sorted(set(names))
    for name in names:
        module = importlib.import_module(f"hubsim.sim.{name}")
        assert str(module.__file__).endswith(tuple(EXTENSION_SUFFIXES))


def test_the_compiled_engine_gives_the_pure_python_results(tiny_path, tmp_path):
    as_installed = _run("installed", tiny_path, tmp_path / "installed.pkl")
    pure = _run("pure", tiny_path, tmp_path / "pure.pkl")
    assert pure[0] == []  # the child really ran the sources
    assert as_installed[0] == hubsim.sim.compiled()
    assert as_installed[1] == pure[1]  # the same SimPy events
    for name, table in as_installed[2].items():
        pd.testing.assert_frame_equal(table, pure[2][name], check_exact=True, obj=name)
    pd.testing.assert_frame_equal(as_installed[3], pure[3], check_exact=True)


def test_a_source_edited_after_its_compile_is_named(tmp_path):
    """An editable install loads a compiled module over its source: an edit made since the
    compile would silently not run, so importing hubsim.sim warns (the check itself here)."""
    import os
    from importlib.machinery import EXTENSION_SUFFIXES

    from hubsim.sim import _edited_since_compiled

    for name in ("flow", "slots", "engine"):
        (tmp_path / f"{name}.py").write_text("")
    for name in ("flow", "slots"):
        (tmp_path / f"{name}{EXTENSION_SUFFIXES[0]}").write_bytes(b"")
    os.utime(tmp_path / f"flow{EXTENSION_SUFFIXES[0]}", (1000, 1000))
    os.utime(tmp_path / "flow.py", (2000, 2000))  # edited after the compile
    os.utime(tmp_path / f"slots{EXTENSION_SUFFIXES[0]}", (3000, 3000))
    os.utime(tmp_path / "slots.py", (2000, 2000))  # compiled after its last edit
    assert _edited_since_compiled(str(tmp_path)) == ["flow"]  # engine: never compiled


@pytest.mark.parametrize(("direct_url", "expected"), [
    ('{"dir_info": {"editable": true}, "url": "file:///src/hubsim"}', True),
    ('{"dir_info": {}, "url": "file:///src/hubsim"}', False),  # pip install <folder>
    (None, False),  # from an index or a wheel file: no direct_url.json
    ("not json", False),
])
def test_only_a_source_tree_is_checked_for_stale_builds(monkeypatch, direct_url, expected):
    """An install from a wheel or a folder copies sources and builds in no particular order
    (a source can be a moment newer than its build): only an editable install, or no install
    (the sources run from their tree), is checked."""
    from importlib import metadata

    from hubsim.sim import _installed_editable

    class Dist:
        def read_text(self, name):
            assert name == "direct_url.json"
            return direct_url

    monkeypatch.setattr(metadata, "distribution", lambda name: Dist())
    assert _installed_editable() is expected

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    assert _installed_editable() is True
