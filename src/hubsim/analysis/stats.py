"""Confidence intervals over replications: the one place they are computed.

Every interval hubsim prints, writes or draws comes from here, so a printed confidence interval
and the band in a plot of the same numbers agree:

* :func:`t_quantile` and :func:`t_half_width`: Student's t interval of a mean over ``n``
  replications (``n - 1`` degrees of freedom), used by experiment summaries, the paired
  differences of ``hubsim compare`` and the bands of the figures;
* :func:`wilson`: the Wilson score interval of a proportion (the share of replications that
  met a target);
* :func:`predictive_p`: the probability that one more replication (a year run under the same
  conditions) meets a threshold, from Student's t predictive distribution;
* :func:`summarise` and :func:`mean_ci`: the same t interval per group of a table.

The quantiles and the t distribution come from :mod:`scipy.special` (``stdtrit``, ``stdtr``,
``ndtri``), imported on first use: they are the functions ``scipy.stats.t`` and
``scipy.stats.norm`` call, so the figures are the same, and importing them costs ~20 MB where
:mod:`scipy.stats` costs ~70 MB (a fifth of ``hubsim run``'s memory budget).

>>> round(t_quantile(9), 4)
2.2622
>>> [round(x, 4) for x in wilson(9, 10)]
[0.5958, 0.9821]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["LEVEL", "mean_ci", "predictive_p", "summarise", "t_half_width", "t_quantile",
           "wilson"]

#: Two-sided confidence level of every interval hubsim reports.
LEVEL = 0.95


def t_quantile(df: float, level: float = LEVEL) -> float:
    """Two-sided quantile of Student's t with ``df`` degrees of freedom (NaN when ``df < 1``).

    >>> round(t_quantile(1000), 4)
    1.9623
    """
    if not df >= 1:
        return float("nan")
    from scipy.special import stdtrit

    return float(stdtrit(df, 0.5 + level / 2))


def t_half_width(sd: ArrayLike, n: ArrayLike, level: float = LEVEL) -> np.ndarray:
    """Half-width ``t(n - 1) * sd / sqrt(n)`` of the t interval of a mean of ``n`` values.

    Element-wise over arrays; NaN where ``n < 2`` (no spread to estimate).

    >>> t_half_width([1.0, 1.0], [10, 1]).round(4).tolist()
    [0.7154, nan]
    """
    from scipy.special import stdtrit

    sd_a = np.asarray(sd, dtype=float)
    n_a = np.asarray(n, dtype=float)
    ok = n_a >= 2
    df = np.where(ok, n_a - 1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = stdtrit(df, 0.5 + level / 2) * sd_a / np.sqrt(np.where(ok, n_a, 1.0))
    return np.where(ok, half, np.nan)


def predictive_p(mean: float, sd: float, n: int, threshold: float, sense: str = ">=") -> float:
    """Probability that a new replication's value meets ``threshold`` (``sense`` ``>=`` or
    ``<=``), given ``n`` replications with this ``mean`` and sample ``sd``.

    A new value ``X`` of a normal population whose mean and variance are estimated from ``n``
    values satisfies ``(X - mean) / (sd * sqrt(1 + 1/n)) ~ t(n - 1)`` (the prediction
    interval), so ``P(X >= threshold) = 1 - F_t((threshold - mean) / (sd sqrt(1 + 1/n)))``.
    A yearly total is a sum of many consignments, which makes the normal model apt. With no
    spread (``sd == 0``) it is 1 or 0; NaN when ``n < 2``.

    >>> round(predictive_p(100.0, 10.0, 5, 100.0), 3)
    0.5
    >>> round(predictive_p(110.0, 10.0, 5, 100.0), 3)
    0.794
    """
    if n < 2 or not math.isfinite(mean) or not math.isfinite(sd):
        return float("nan")
    if sense not in (">=", "<="):
        raise ValueError(f"sense must be '>=' or '<=', got {sense!r}")
    if sd == 0:
        ok = mean >= threshold if sense == ">=" else mean <= threshold
        return 1.0 if ok else 0.0
    from scipy.special import stdtr

    z = (threshold - mean) / (sd * math.sqrt(1.0 + 1.0 / n))
    below = float(stdtr(n - 1, z))
    return 1.0 - below if sense == ">=" else below


def wilson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of the proportion ``k / n`` (NaN, NaN when ``n == 0``).

    The bounds are clipped to [0, 1]: 0 successes give a lower bound of exactly 0.
    """
    if n == 0:
        return float("nan"), float("nan")
    from scipy.special import ndtri

    z = float(ndtri(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def summarise(table: pd.DataFrame, by: list[str], value: str = "value") -> pd.DataFrame:
    """Mean, sd and t confidence interval of ``value`` per group of ``by``.

    Columns: ``*by, n, mean, sd, ci_low, ci_high, half_width`` (``sd`` and the interval are
    NaN with one value; NaN values are left out of ``n``).
    """
    g = table.groupby(by, sort=False, dropna=False, observed=True)[value]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    half = t_half_width(out["sd"].to_numpy(float), out["n"].to_numpy(float))
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out["half_width"] = half
    return out


def mean_ci(values: pd.DataFrame, by: str, col: str) -> pd.DataFrame:
    """Mean of ``col`` per ``by`` with the t confidence interval, for bands in figures.

    Columns ``by, mean, lo, hi, n``; ``lo == hi == mean`` with one value (no band).
    """
    g = values.groupby(by)[col]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()}).reset_index()
    half = np.nan_to_num(t_half_width(out["sd"].fillna(0.0).to_numpy(float),
                                      out["n"].to_numpy(float)), nan=0.0)
    out["lo"], out["hi"] = out["mean"] - half, out["mean"] + half
    return out[[by, "mean", "lo", "hi", "n"]]
