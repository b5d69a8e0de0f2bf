"""Start-up: the commands that never simulate do not load the simulation's heavy libraries
(pandas and pyarrow, matplotlib, dask, Bokeh), and ``hubsim --help`` loads none of the
scientific stack at all. Checked in a fresh interpreter, as a user starts the command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCN = ROOT / "scenarios" / "chongqing_2022_target.yaml"
WHATIF = ROOT / "scenarios" / "whatif_guoyuan_cranes.yaml"
NEVER = ("pandas", "pyarrow", "matplotlib", "dask", "distributed", "bokeh")
SCIENTIFIC = (*NEVER, "numpy", "scipy", "simpy", "networkx", "pydantic", "yaml")

PROBE = """
import sys
from hubsim.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("LOADED", " ".join(sorted(m for m in {mods} if m in sys.modules)), file=sys.stderr)
"""


def _loaded(*args: str, mods: tuple[str, ...]) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(mods=repr(mods)), *args],
                          capture_output=True, text=True, timeout=120)
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("LOADED"))
    return set(line.split()[1:])


def test_help_loads_nothing_of_the_scientific_stack():
    assert _loaded("--help", mods=SCIENTIFIC) == set()


@pytest.mark.parametrize("args", [
    ("validate", str(SCN)), ("fields",), ("fields", "--markdown"), ("show", str(WHATIF)),
    ("diff", str(SCN), str(WHATIF)), ("run", "--help"), ("capacity", "--help")])
def test_commands_that_never_simulate_load_no_tables_plots_or_dask(args):
    assert _loaded(*args, mods=NEVER) == set()
