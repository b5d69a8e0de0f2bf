"""The measured period of a run (kept free of pandas: :func:`hubsim.simulate` makes one before
any table exists)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hubsim.scenario.schema import HOURS_PER_YEAR

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Window"]


@dataclass(frozen=True)
class Window:
    """The measured period, hours since the start: [start_h, end_h)."""

    start_h: float
    end_h: float

    @property
    def hours(self) -> float:
        return self.end_h - self.start_h

    @property
    def per_year(self) -> float:
        """Factor turning a count over the window into a count per year."""
        return HOURS_PER_YEAR / self.hours

    def mask(self, t: pd.Series) -> pd.Series:
        return (t >= self.start_h) & (t < self.end_h)
