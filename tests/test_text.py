"""The one number format and table layout (hubsim.present.text)."""

from __future__ import annotations

import math

import pytest

from hubsim.present.text import (
    format_interval,
    format_number,
    format_ratio,
    format_value,
    table,
)


@pytest.mark.parametrize(("value", "unit", "text"), [
    (2040047, "TEU/yr", "2,040,047 TEU/yr"),
    (12902899.012887578, "t/yr", "12,902,899 t/yr"),
    (0.987, "fraction", "98.7%"),
    (0.04276, "fraction", "4.3%"),
    (1.0, "fraction", "100.0%"),
    (4.6e-05, "h", "0.166 s"),           # a short wait: seconds, not 4.6e-05 h
    (9.020169e-04, "h", "3.25 s"),
    (0.46, "h", "27.6 min"),
    (1 / 60, "h", "1 min"),
    (1.0, "TEU", "1 TEU"),
    (2.5, "h", "2.50 h"),
    (79.34612, "h", "79.3 h"),
    (456.4689, "h", "456 h"),
    (6.958104, "h", "6.96 h"),
    (0.0, "h", "0 h"),
    (0.0, "TEU/yr", "0 TEU/yr"),
    (918.460199, "USD/TEU", "918 USD/TEU"),
    (1.346648, "t CO2/TEU", "1.35 t CO2/TEU"),
    (27395, "1/yr", "27,395/yr"),
    (0.0428, "t", "0.0428 t"),
    (99.96, "", "100"),
    (99.94, "", "99.9"),
    (-1234.5, "TEU", "-1,234 TEU"),
])
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


@pytest.mark.parametrize("missing", [None, float("nan"), math.nan])
@pytest.mark.parametrize("unit", ["h", "fraction", "TEU/yr", ""])
def test_missing_is_na(missing, unit):
    assert format_value(missing, unit) == "n/a"
    assert format_value(missing, unit, signed=True) == "n/a"


def test_signed_differences():
    assert format_value(12345.2, "TEU/yr", signed=True) == "+12,345 TEU/yr"
    assert format_value(-12345.2, "TEU/yr", signed=True) == "-12,345 TEU/yr"
    assert format_value(0.012, "fraction", signed=True) == "+1.2 pt"
    assert format_value(-0.5 / 60, "h", signed=True) == "-30 s"
    assert format_value(0.0, "t", signed=True) == "0 t"
    assert format_ratio(0.0234) == "+2.3%"
    assert format_ratio(1.02, signed=False) == "102.0%"
    assert format_ratio(float("nan")) == "n/a"


def test_format_number_keeps_three_significant_digits():
    assert format_number(1.2345) == "1.23"
    assert format_number(12.345) == "12.3"
    assert format_number(0.012345) == "0.0123"
    assert format_number(123456.7) == "123,457"


def test_table_aligns_text_left_and_numbers_right():
    text = table([["guoyuan", "2,905,741 TEU/yr", "41.2%", "MET"],
                  ["nanpeng", "16,858 TEU/yr", "n/a", "NOT MET"]],
                 ["hub", "lifts", "busy", "verdict"])
    lines = text.splitlines()
    assert lines == [
        "  hub                 lifts   busy  verdict",
        "  guoyuan  2,905,741 TEU/yr  41.2%  MET",
        "  nanpeng     16,858 TEU/yr    n/a  NOT MET",
    ]
    assert all(line == line.rstrip() for line in lines)


def test_table_explicit_alignment_and_bad_rows():
    assert table([["ab", "b"]], ["x", "yy"], align="rl", indent=0) == " x  yy\nab  b"
    with pytest.raises(ValueError, match="cells"):
        table([["a"]], ["x", "y"])
    with pytest.raises(ValueError, match="align"):
        table([["a", "b"]], ["x", "y"], align="l")


def test_format_interval_writes_a_shared_unit_once():
    assert format_interval(12480, 27719.2, "TEU/yr") == "[12,480, 27,719] TEU/yr"
    assert format_interval(100, 200, "1/yr") == "[100, 200]/yr"
    assert format_interval(0.41, 0.45, "fraction") == "[41.0%, 45.0%]"
    assert format_interval(0.5, 1.5, "h") == "[30 min, 1.50 h]"
    assert format_interval(float("nan"), 3, "t") == "[n/a, 3 t]"


def test_format_column_writes_a_column_alike():
    from hubsim.present.text import format_column

    # waits of 18.6 s and 2.29 min: both in minutes, not "18.6 s" above "2.29 min"
    assert format_column([18.6 / 3600, 2.29 / 60, 0.0, float("nan")], "h") == \
        ["0.31 min", "2.29 min", "0 min", "n/a"]
    assert format_column([273.0, 13.9], "h") == ["273 h", "13.9 h"]
    assert format_column([1.0, 1.9], "units") == ["1.00 units", "1.90 units"]
    assert format_column([1.0, 2.0], "units") == ["1 units", "2 units"]  # whole: as counted
    assert format_column([0.5, 0.25], "fraction") == ["50.0%", "25.0%"]


def test_air_reads_in_tonnes_not_as_zero_teu():
    import pandas as pd

    from hubsim.present.tables import AIR_IN_TONNES, kpi_frame

    kpis = pd.DataFrame([
        ("channel_teu", "mode", "air", 0.0, "TEU/yr"),
        ("channel_teu", "mode", "rail", 586810.0, "TEU/yr"),
        ("international_tonnes", "mode", "air", 218255.0, "t/yr"),
        ("international_tonnes", "mode", "rail", 5079012.0, "t/yr"),
        ("co2_total", "mode", "air", 1547885.0, "t CO2/yr"),
        ("co2_total", "mode", "rail", 842445.0, "t CO2/yr"),
    ], columns=["kpi", "scope", "key", "value", "unit"])
    frame = kpi_frame(kpis, "mode")
    assert frame.loc["air", "Channel throughput"] == AIR_IN_TONNES == "n/a (air: t)"
    assert frame.loc["air", "International logistics volume"] == "218,255 t/yr"
    assert frame.loc["rail", "Channel throughput"] == "586,810 TEU/yr"
    from hubsim.present.text import table

    # the column stays right-aligned, the numbers' column
    lines = table([["air", AIR_IN_TONNES], ["rail", "586,810 TEU/yr"]], ["mode", "TEU"])
    assert lines.splitlines()[1].endswith("n/a (air: t)")
    assert lines.splitlines()[2].endswith("586,810 TEU/yr")
    assert len(lines.splitlines()[1]) == len(lines.splitlines()[2])
