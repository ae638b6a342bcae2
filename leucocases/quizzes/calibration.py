"""Calibration: how often a learner's stated certainty turned out right.

A well-calibrated learner is right nearly always when they say "high" and
about as often as they expect when they say "low" or "medium". The counting
is the engine's (``cases.grading.certainty.calibration``); here it becomes the
dashboard's chart and table, and the cohort view's columns (``instructor``).
Pure: plain pairs in, dataclasses out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from leucocases.cases.bar_charts import BarChart, bar_chart
from leucocases.cases.certainty import is_right
from leucocases.cases.grading.certainty import Certainty, calibration

__all__ = ["Calibration", "CalibrationLine", "answer_from_report", "learner_calibration"]


@dataclass(frozen=True, slots=True)
class CalibrationLine:
    certainty: str  # "low" | "medium" | "high"
    stated: int
    right: int

    @property
    def label(self) -> str:
        return self.certainty.capitalize()

    @property
    def rate_percent(self) -> float | None:
        """Share of these answers that were right, in percent (None: none stated)."""
        return round(100.0 * self.right / self.stated, 1) if self.stated else None


@dataclass(frozen=True, slots=True)
class Calibration:
    lines: tuple[CalibrationLine, ...]  # low, medium, high
    chart: BarChart

    @property
    def stated(self) -> int:
        return sum(line.stated for line in self.lines)

    def line(self, certainty: str) -> CalibrationLine:
        return next(line for line in self.lines if line.certainty == certainty)

    @property
    def high(self) -> CalibrationLine:
        return self.line(Certainty.HIGH)


def answer_from_report(certainty: str, data: Mapping[str, Any] | None) -> tuple[str, bool] | None:
    """``(certainty, right)`` from an attempt's stated certainty and its stored
    report's JSON; None when no certainty was stated (or the report is odd)."""
    if not certainty or not isinstance(data, Mapping):
        return None
    diagnosis = data.get("diagnosis")
    verdict = diagnosis.get("verdict") if isinstance(diagnosis, Mapping) else None
    return certainty, is_right(verdict)


def learner_calibration(answers: Iterable[tuple[str, bool]], *, title: str = "How often you were right") -> Calibration:
    """Rows per certainty level and a bar chart of the share right (levels never stated are left out of the chart)."""
    lines = tuple(
        CalibrationLine(certainty=str(row.certainty), stated=row.stated, right=row.correct)
        for row in calibration(answers)
    )
    chart = bar_chart(
        title=f"{title}, by stated certainty (percent right)",
        bars=[
            (f"{line.label} certainty ({line.stated} answer{'s' if line.stated != 1 else ''})", line.rate_percent)
            for line in lines
            if line.rate_percent is not None
        ],
        unit="%",
    )
    return Calibration(lines=lines, chart=chart)
