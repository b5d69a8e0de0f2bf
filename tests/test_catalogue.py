"""The KPI catalogue is what the KPI code emits, both ways, and what every consumer reads."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import hubsim
from hubsim.analysis.empties import EMPTY_KPIS
from hubsim.catalogue import CATALOGUE, SCOPES, KpiInfo, info, label, unit
from hubsim.errors import ScenarioError
from hubsim.experiments import compare, golden
from hubsim.scenario import schema

ROOT = Path(__file__).resolve().parents[1]


def _declared() -> set[tuple[str, str, str]]:
    return {(k.name, scope, k.unit) for k in CATALOGUE.values() for scope in k.scopes}


@pytest.mark.parametrize(("scenario", "days"), [
    ("tests/scenarios/tiny.yaml", 20), ("scenarios/chongqing_2022_target.yaml", 7),
    ("scenarios/chongqing_2022_empties.yaml", 7)])
def test_kpi_table_emits_exactly_the_catalogue(scenario, days):
    res = hubsim.simulate(hubsim.load_scenario(ROOT / scenario), days=days)
    kpis = res.kpis
    emitted = set(zip(kpis["kpi"], kpis["scope"], kpis["unit"], strict=True))
    assert emitted - _declared() == set(), "emitted but not in the catalogue"
    # lock KPIs need a lock passage, berth occupancy an area with positions (the scenario of
    # tests/test_terminal_kpis.py has both)
    absent = set() if len(res.lock_passages) else \
        {(k, s, u) for k, s, u in _declared() if s == "link"}
    if res.areas["positions"].isna().all():
        absent.add(("berth_occupancy", "area", "fraction"))
    if res.scenario.empties is None:  # the empties KPIs come with an empties section only
        absent |= {(k, s, u) for k, s, u in _declared() if k in EMPTY_KPIS}
    assert _declared() - emitted - absent == set(), "in the catalogue but never emitted"


def test_golden_files_hold_the_golden_kpis_with_catalogue_units():
    path = ROOT / "expected" / "chongqing_2022_target.csv"
    rows = list(csv.DictReader(line for line in path.read_text().splitlines()
                               if not line.startswith("#")))
    assert {(r["kpi"], r["scope"], r["unit"]) for r in rows} == \
        {(k, s, u) for k, s, u in _declared() if CATALOGUE[k].golden}


def test_entries_are_consistent():
    for name, k in CATALOGUE.items():
        assert isinstance(k, KpiInfo) and k.name == name
        assert k.unit and k.label and k.description
        assert k.scopes and set(k.scopes) <= set(SCOPES)
        assert set(k.compared) <= set(k.scopes)
        assert set(k.plotted) <= set(k.compared)
        if k.target:
            assert k.golden and (k.scopes[0] == "total" or k.scopes == ("hub",))
    labels = [k.label for k in CATALOGUE.values()]
    assert len(set(labels)) == len(labels)


def test_lookups():
    assert info("channel_teu").unit == unit("channel_teu") == "TEU/yr"
    assert label("international_tonnes") == "International logistics volume"
    assert label("not_a_kpi") == "not_a_kpi"
    with pytest.raises(KeyError, match="unknown KPI 'nope'"):
        info("nope")


def test_consumers_read_the_catalogue():
    assert tuple(k.name for k in CATALOGUE.values() if k.target) == schema.KPI_NAMES
    assert set(golden.GOLDEN_KPIS) == {k.name for k in CATALOGUE.values() if k.golden}
    assert set(compare.HEADLINE) == {(k.name, s) for k in CATALOGUE.values()
                                     for s in k.compared}
    # the comparison table's row order did not change with the move to the catalogue
    assert compare.HEADLINE[:7] == tuple((k, "total") for k in (
        "channel_teu", "international_tonnes", "air_tonnes", "door_to_door_mean_h",
        "cost_per_teu", "co2_total", "backlog_end_teu"))
    assert [k for k, s in compare.HEADLINE if s == "hub"] == [
        "hub_lifts_teu", "hub_lifts_tonnes_air", "equipment_utilisation",
        "equipment_wait_mean_h", "hub_dwell_mean_h", "yard_mean_utilisation",
        "yard_wait_mean_h", "yard_wait_teu", "depot_teu", "depot_cost_usd"]


def test_a_target_must_name_a_target_kpi(tmp_path):
    text = (ROOT / "tests/scenarios/tiny.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("kpi: channel_teu", "kpi: yard_mean", 1))
    assert "kpi: yard_mean" in bad.read_text()
    with pytest.raises(ScenarioError, match=r"targets\[0\]\.kpi: must be 'channel_teu'.*"
                                            r"got 'yard_mean'"):
        hubsim.load_scenario(bad)


def catalogue_markdown() -> str:
    """The KPI table of docs/kpis.md, generated from the catalogue."""
    lines = ["| kpi | unit | label | scopes | target | golden | compared | description |",
             "|---|---|---|---|---|---|---|---|"]
    for k in CATALOGUE.values():
        lines.append(f"| `{k.name}` | {k.unit} | {k.label} | {', '.join(k.scopes)} | "
                     f"{'yes' if k.target else ''} | {'yes' if k.golden else ''} | "
                     f"{', '.join(k.compared)} | {k.description} |")
    return "\n".join(lines) + "\n"


def test_kpi_doc_is_current():
    text = (ROOT / "docs" / "kpis.md").read_text()
    assert catalogue_markdown() in text, "regenerate: python tests/test_catalogue.py"


if __name__ == "__main__":  # regenerate docs/kpis.md
    doc = ROOT / "docs" / "kpis.md"
    head = doc.read_text().split("| kpi | unit |")[0]
    doc.write_text(head + catalogue_markdown())
