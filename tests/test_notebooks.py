"""The notebooks in notebooks/ are committed without outputs and run top to bottom."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each notebook runs in its own kernel (5-25 s)

nbformat = pytest.importorskip("nbformat", reason="notebook tools are in the dev extra")
nbclient = pytest.importorskip("nbclient", reason="notebook tools are in the dev extra")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_are_there():
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01_quickstart", "02_what_if", "03_capacity_planning"], names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped_and_runs(path, tmp_path, monkeypatch):
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    assert all(not c.outputs and c.execution_count is None for c in code), \
        f"{path.name}: outputs not stripped"
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # results folders the notebooks write
    client = nbclient.NotebookClient(book, timeout=240, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell, when a cell fails
    errors = [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    assert not errors
    if path.stem == "01_quickstart":  # it writes a results folder with a report
        assert os.listdir(tmp_path)
