"""The notebooks in notebooks/ use only hubsim's public API, are committed without outputs and
run top to bottom from a folder outside the repository."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

import hubsim

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_are_there():
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01_quickstart", "02_what_if", "03_capacity_planning"], names


def _code(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def outside_public_api(source: str) -> list[str]:
    """What a piece of code uses of hubsim beyond ``import hubsim`` and the names of
    ``hubsim.__all__``: ``from hubsim... import``, ``import hubsim.<module>``, or
    ``hubsim.<name>`` for a name not in ``__all__``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "hubsim":
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names
                      if a.name.startswith("hubsim.") or (a.name == "hubsim" and a.asname)]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "hubsim" and node.attr not in hubsim.__all__:
            found.append(f"hubsim.{node.attr}")
    return found


def test_the_public_api_check_finds_private_use():
    code = ("import hubsim\nimport hubsim.present.plots\nfrom hubsim.analysis import series\n"
            "hubsim.simulate\nhubsim.present\n")
    assert outside_public_api(code) == ["import hubsim.present.plots",
                                        "from hubsim.analysis import ...", "hubsim.present"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_only_the_public_api(path):
    source = _code(path)
    assert outside_public_api(source) == []
    assert "import hubsim" in source
    # no path into the repository: the bundled scenarios come from the package
    assert "scenarios/" not in source and "ROOT" not in source and ".parents" not in source


@pytest.mark.slow  # each notebook runs in its own kernel (5-60 s)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped_and_runs_from_any_folder(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="notebook tools are in the dev extra")
    nbclient = pytest.importorskip("nbclient", reason="notebook tools are in the dev extra")
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    assert all(not c.outputs and c.execution_count is None for c in code), \
        f"{path.name}: outputs not stripped"
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # results folders the notebooks write
    work = tmp_path / "elsewhere"  # the kernel's working folder: outside the repository
    work.mkdir()
    client = nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()  # raises CellExecutionError, naming the cell, when a cell fails
    errors = [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    assert not errors
    assert os.listdir(work) == []  # nothing written where it ran
    if path.stem == "01_quickstart":  # it writes a results folder with a report
        assert [p for p in os.listdir(tmp_path) if p != "elsewhere"]
