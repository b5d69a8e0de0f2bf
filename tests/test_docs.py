"""The docs say what the code does: the generated format table is current, the README's quick
start and counting rules are there."""

from pathlib import Path

from hubsim.cli.scenario_cmds import fields_markdown
from hubsim.scenario.schema import field_table

ROOT = Path(__file__).resolve().parents[1]


def test_scenario_format_doc_is_current():
    text = (ROOT / "docs" / "scenario-format.md").read_text()
    assert fields_markdown() in text, "regenerate: see the header of docs/scenario-format.md"


def test_every_numeric_field_has_a_unit():
    numeric_without_unit = [r["field"] for r in field_table()
                            if r["field"].split(".")[-1].endswith(("_h", "_km", "_kmh", "_teu",
                                                                   "_t", "_days", "_year"))
                            and not r["unit"]]
    assert numeric_without_unit == []


def test_readme_quick_start_has_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert ".venv/bin/hubsim run" in readme
    assert ".venv/bin/python -m pytest" in readme
    assert "## Counting rules" in readme


def test_architecture_doc_lists_every_module():
    """docs/architecture.md names every module of the package (its one-line job)."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    src = ROOT / "src" / "hubsim"
    missing = [p.relative_to(src).as_posix() for p in sorted(src.rglob("*.py"))
               if p.name not in ("__init__.py", "__main__.py")
               and f"`{p.relative_to(src).as_posix()}`" not in text]
    assert missing == [], f"add to docs/architecture.md: {missing}"
