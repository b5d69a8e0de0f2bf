"""The report script's sections render from the shared cases (the full report, Ciw for every
case included, runs on demand: ``python tests/verification/report.py``)."""

from __future__ import annotations

from . import report
from .cases import MMC_CASES
from .checks import mmc_checks


def test_report_sections_render_and_pass():
    lines, ok = report.deterministic_lines()
    assert ok and len(lines) == 2 + 8 + 2
    assert all(line.endswith("| yes |") for line in lines[2:])
    lines, ok = report.little_lines()
    assert ok and len(lines) == 2 + 4
    table = report.theory_table(mmc_checks(MMC_CASES[0]))
    assert len(table) == 2 + 3 and "Wq" in table[2]
