"""The outline of a stored report: the few parts that summaries of many reports read.

A stored report is ``Report.to_dict()``. The report page reads all of it back
with ``Report.from_dict()``, strictly. The learner's dashboard
(``quizzes.progress``) and the instructor's item analysis
(``instructor.statistics``) read hundreds at a time and only need the choices,
the missed essentials and the diagnosis: they read them here, through one
tolerant reading, because a report stored by an older engine, or made by
hand, may lack a part; what is missing counts as nothing.

Pure Python (no Django), like the statistics built on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["OutlineLine", "ReportOutline", "report_outline"]


@dataclass(frozen=True, slots=True)
class OutlineLine:
    """One graded choice: the step, its verdict and its tier (None: not keyed)."""

    step: str
    verdict: str
    tier: str | None = None


@dataclass(frozen=True, slots=True)
class ReportOutline:
    lines: tuple[OutlineLine, ...]  # in the learner's order
    missed: tuple[str, ...]  # essential steps never chosen
    diagnosis: str | None  # the chosen cause's slug; None: no diagnosis
    diagnosis_verdict: str  # "correct", "partial", "incorrect" or "none"


def report_outline(data: Any) -> ReportOutline:
    """The outline of ``data``, a stored report's JSON (anything else reads as an empty report).

    A line without a step or a verdict is no choice; a missed essential
    without a step is none.
    """
    data = data if isinstance(data, Mapping) else {}
    lines = sorted(
        (line for line in data.get("lines") or () if isinstance(line, Mapping)),
        key=lambda line: line.get("position") or 0,
    )
    diagnosis = data.get("diagnosis")
    diagnosis = diagnosis if isinstance(diagnosis, Mapping) else {}
    chosen = diagnosis.get("chosen")
    return ReportOutline(
        lines=tuple(
            OutlineLine(step=str(line["step"]), verdict=str(line["verdict"]), tier=_text(line.get("tier")))
            for line in lines
            if line.get("step") and line.get("verdict")
        ),
        missed=tuple(
            str(item["step"])
            for item in data.get("missed_essentials") or ()
            if isinstance(item, Mapping) and item.get("step")
        ),
        diagnosis=str(chosen) if chosen else None,
        diagnosis_verdict=str(diagnosis.get("verdict") or "none"),
    )


def _text(value: Any) -> str | None:
    return str(value) if value else None
