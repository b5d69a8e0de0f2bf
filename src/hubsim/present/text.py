"""Numbers and tables as text: one number format and one table layout for every command and
the report.

:func:`format_value` writes a value with its unit the same way wherever it is printed
(``hubsim run``, ``compare``, ``check``, ``calibrate``, the sweep and goal tables and the HTML
report), so a KPI reads the same in all of them:

- thousands separators, and at least three significant digits without rounding away integer
  digits: ``2,040,047 TEU/yr``, ``456 h``, ``36.5 h``, ``4.62 h``, ``0.0428 t``;
- fractions (unit ``fraction``) as percent with one decimal: ``98.7%``; a signed difference
  of fractions in percentage points: ``+1.2 pt``;
- times in hours below one hour in minutes, below one minute in seconds: ``27.6 min``,
  ``0.166 s`` instead of ``4.6e-05 h``;
- ``n/a`` for a missing value (None or NaN).

:func:`table` lays out rows of strings: two spaces of indent, columns two spaces apart, text
left-aligned and numbers right-aligned, no trailing blanks.

Why not ``rich``: it is in the environment only as a dependency of the import-linter dev tool,
not of hubsim. Its tables wrap to the terminal's width and draw box characters, so what a
command prints would depend on the terminal, while ours is also redirected to files, quoted in
the README and compared in tests, and must be the same bytes everywhere. The layout is twenty
lines; a runtime dependency for it (and for the one-line progress bar in
:mod:`hubsim.present.progress`) is not worth its weight.

>>> format_value(2040047, "TEU/yr")
'2,040,047 TEU/yr'
>>> format_value(0.987, "fraction")
'98.7%'
>>> format_value(4.6e-05, "h")
'0.166 s'
>>> format_value(0.46, "h")
'27.6 min'
>>> format_value(float("nan"), "h")
'n/a'
>>> print(table([["guoyuan", "41.2%"], ["nanpeng", "4.3%"]], ["hub", "busy"]))
  hub       busy
  guoyuan  41.2%
  nanpeng   4.3%
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "NA",
    "format_interval",
    "format_number",
    "format_ratio",
    "format_value",
    "is_missing",
    "looks_numeric",
    "table",
]

#: What a missing value prints as.
NA = "n/a"

_MINUTE_H = 1.0 / 60.0


def is_missing(value: Any) -> bool:
    """True for None and NaN (what prints as :data:`NA`)."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def format_number(value: Any, signed: bool = False) -> str:
    """A bare number: thousands separators and at least three significant digits.

    Integer digits are never rounded away (``12,902,899``); below 100 one or two decimals
    (``36.5``, ``4.62``), below 1 three significant digits (``0.0428``); a whole number has
    no decimals (``1``, not ``1.00``).

    >>> format_number(12902899.01), format_number(79.34), format_number(-1.2345, signed=True)
    ('12,902,899', '79.3', '-1.23')
    """
    if is_missing(value):
        return NA
    v = float(value)
    if v == 0:
        return "0"
    sign = "+" if signed else ""
    size = abs(v)
    if size >= 99.95 or v.is_integer():  # whole numbers (counts) without decimals
        return f"{v:{sign},.0f}"
    if size >= 9.995:
        return f"{v:{sign},.1f}"
    if size >= 0.9995:
        return f"{v:{sign},.2f}"
    return f"{v:{sign}.3g}"


def format_ratio(value: Any, signed: bool = True) -> str:
    """A relative change or ratio as percent with one decimal: ``+1.2%``, ``102.0%``."""
    if is_missing(value):
        return NA
    return f"{float(value) * 100:{'+' if signed else ''}.1f}%"


def _time(hours: float, signed: bool) -> str:
    size = abs(hours)
    if size == 0 or size >= 1.0:
        return f"{format_number(hours, signed)} h"
    if size >= _MINUTE_H:
        return f"{format_number(hours * 60.0, signed)} min"
    return f"{format_number(hours * 3600.0, signed)} s"


def format_value(value: Any, unit: Any = "", signed: bool = False) -> str:
    """``value`` with its ``unit`` as text, the same in every command and the report.

    Parameters
    ----------
    value : float or None
        The number in ``unit`` (anything ``float`` takes); None or NaN print as ``n/a``.
    unit : str
        The KPI catalogue's unit: ``fraction`` prints as percent, ``h`` in hours, minutes
        or seconds (whichever keeps the number at or above 1), ``1/yr`` as ``/yr``; any other
        unit is written after the number; ``""`` gives the number alone.
    signed : bool
        Always write the sign (differences); a difference of fractions is in percentage
        points (``+1.2 pt``).

    >>> format_value(0.0, "TEU/yr"), format_value(27395, "1/yr")
    ('0 TEU/yr', '27,395/yr')
    >>> format_value(-0.012, "fraction", signed=True), format_value(1.5, "h", signed=True)
    ('-1.2 pt', '+1.50 h')
    """
    if is_missing(value):
        return NA
    v = float(value)
    unit = unit if isinstance(unit, str) else ""  # a missing unit (NaN) prints none
    if unit == "fraction":
        return f"{v * 100:+.1f} pt" if signed else f"{v * 100:.1f}%"
    if unit == "h":
        return _time(v, signed)
    number = format_number(v, signed)
    if not unit:
        return number
    if unit.startswith("1/"):
        return f"{number}/{unit[2:]}"
    return f"{number} {unit}"


def _decimals(size: float) -> int:
    """Decimals :func:`format_number` gives a non-whole number of this size (>= 0.9995)."""
    return 0 if size >= 99.95 else 1 if size >= 9.995 else 2


def format_column(values: Sequence[Any], unit: Any = "") -> list[str]:
    """Values of one table column, written alike so they compare at a glance.

    Times (``h``) all in the unit that suits the column's largest value (hours, minutes or
    seconds: ``0.31 min`` beside ``2.29 min``, not ``18.6 s`` beside ``2.29 min``); other
    numbers, when some are not whole and the largest is at least 1, all with that largest's
    decimals (``1.00 units`` beside ``1.90 units``). Missing values print as ``n/a``;
    fractions and anything else as :func:`format_value` writes them.

    >>> format_column([18.6 / 3600, 2.29 / 60, 0.0], "h")
    ['0.31 min', '2.29 min', '0 min']
    >>> format_column([1.0, 1.9, 2.0], "units")
    ['1.00 units', '1.90 units', '2.00 units']
    """
    nums = [float(v) for v in values if not is_missing(v)]
    unit = unit if isinstance(unit, str) else ""
    if not nums or unit == "fraction":
        return [format_value(v, unit) for v in values]
    size = max(abs(v) for v in nums)
    if unit == "h":
        name, scale = ("h", 1.0) if size >= 1.0 or size == 0 else \
            ("min", 60.0) if size >= _MINUTE_H else ("s", 3600.0)
        return [NA if is_missing(v) else f"{format_number(float(v) * scale)} {name}"
                for v in values]
    if size < 0.9995 or all(v.is_integer() for v in nums):
        return [format_value(v, unit) for v in values]
    places = _decimals(size)
    suffix = f"/{unit[2:]}" if unit.startswith("1/") else (f" {unit}" if unit else "")
    return [NA if is_missing(v) else f"{float(v):,.{places}f}{suffix}" for v in values]


def format_interval(low: Any, high: Any, unit: Any = "") -> str:
    """A confidence interval, the unit written once when both ends share it.

    >>> format_interval(12480, 27719.2, "TEU/yr"), format_interval(0.5, 1.5, "h")
    ('[12,480, 27,719] TEU/yr', '[30 min, 1.50 h]')
    """
    lo, hi = format_value(low, unit), format_value(high, unit)
    unit = unit if isinstance(unit, str) else ""
    suffix = unit[1:] if unit.startswith("1/") else " " + unit
    if unit and unit not in ("fraction", "h") and lo.endswith(suffix) and hi.endswith(suffix):
        return f"[{lo[:-len(suffix)]}, {hi[:-len(suffix)]}]{suffix}"
    return f"[{lo}, {hi}]"


def looks_numeric(cell: str) -> bool:
    """Looks like a number (right-aligned): starts with a digit, a sign then a digit, or is
    n/a (``n/a (air: t)`` too)."""
    c = cell.strip()
    if not c or c == "-" or c == NA or c.startswith(NA + " ("):  # n/a, or n/a with a reason
        return True
    if c[0] in "+-±[<>" and len(c) > 1:
        c = c.lstrip("+-±[<>= ")
    return c[:1].isdigit()


def table(rows: Sequence[Sequence[Any]], header: Sequence[str], align: str | None = None,
          indent: int = 2) -> str:
    """Rows of cells as aligned text columns, the layout of every hubsim table.

    Parameters
    ----------
    rows : sequence of sequences
        The cells (converted with ``str``); every row as long as ``header``.
    header : sequence of str
        Column titles.
    align : str, optional
        One letter per column, ``l`` (left) or ``r`` (right). Default: a column whose cells
        all look like numbers (or ``n/a``, ``-``) is right-aligned, any other left-aligned.
    indent : int
        Spaces before each line.
    """
    cells = [[str(c) for c in r] for r in rows]
    head = [str(h) for h in header]
    for r in cells:
        if len(r) != len(head):
            raise ValueError(f"table row has {len(r)} cells, the header {len(head)}: {r}")
    if align is None:
        align = "".join("r" if cells and all(looks_numeric(r[i]) for r in cells) else "l"
                        for i in range(len(head)))
    if len(align) != len(head):
        raise ValueError(f"align {align!r}: one letter per column ({len(head)})")
    widths = [max(len(r[i]) for r in [head, *cells]) for i in range(len(head))]
    lines = []
    for r in [head, *cells]:
        parts = [c.rjust(w) if a == "r" else c.ljust(w)
                 for c, w, a in zip(r, widths, align, strict=True)]
        lines.append((" " * indent + "  ".join(parts)).rstrip())
    return "\n".join(lines)
