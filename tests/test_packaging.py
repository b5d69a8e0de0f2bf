"""The bundled scenarios and data ship inside the package and are found from any folder; one
version source."""

import os
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

import hubsim
from hubsim.api import load_scenario
from hubsim.experiments.calibration import data_dir
from hubsim.scenario.loader import bundled_scenario
from hubsim.scenario.resources import (
    bundled_data_files,
    bundled_scenarios,
    data_folder,
    scenario_folder,
)

ROOT = Path(__file__).resolve().parents[1]


def test_root_folders_are_the_package_resources():
    # scenarios/ and data/ at the root are symlinks to the package's copies: same files
    assert [p.name for p in bundled_scenarios()] == \
        sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
    assert [p.name for p in bundled_data_files()] == \
        ["backtest.csv", "calibration_map.csv", "emission_factors.csv", "nodes.csv",
         "reference_figures.csv"]
    assert (ROOT / "scenarios").resolve() == scenario_folder().resolve()
    assert (ROOT / "data").resolve() == data_folder().resolve()


@pytest.mark.parametrize("name", [p.name for p in bundled_scenarios()])
def test_every_bundled_scenario_loads_from_the_package(name):
    # extends and CSV tables resolve inside the package folder
    scn = load_scenario(scenario_folder() / name)
    assert scn.source_hash
    assert load_scenario(ROOT / "scenarios" / name).source_hash == scn.source_hash


def test_lookups_work_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert bundled_scenario("chongqing_2019.yaml") == scenario_folder() / "chongqing_2019.yaml"
    assert data_dir() == data_folder()


def test_one_version_source():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert hubsim.__version__ == version("hubsim") == pyproject["project"]["version"]


@pytest.mark.slow
def test_non_editable_install_runs_from_another_folder(tmp_path):
    # build from a copy of what a wheel is made of, so no build/ folder is left in the checkout
    source = tmp_path / "source"
    # (without the engine's extensions an editable install built in src/, and without compiling
    # them again: a minute more; tests/test_compiled.py checks the compiled engine's results)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.so", "*.pyd"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, source / name)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(target), str(source)],
                   check=True, capture_output=True, cwd=tmp_path,
                   env={**os.environ, "HUBSIM_PURE_PYTHON": "1"})
    assert (target / "hubsim" / "bundled" / "scenarios" / "chongqing_2022_target.yaml").is_file()
    assert (target / "hubsim" / "bundled" / "data" / "calibration_map.csv").is_file()
    env = {**os.environ, "PYTHONPATH": str(target), "MPLBACKEND": "Agg"}
    where = subprocess.run([sys.executable, "-c", "import hubsim; print(hubsim.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert where.stdout.strip().startswith(str(target))  # the installed copy, not src/
    run = subprocess.run([sys.executable, "-m", "hubsim", "run", "--days", "30", "--quiet",
                          "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "kpis.csv").stat().st_size > 0
