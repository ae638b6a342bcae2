"""The outline of a stored report: the few parts that summaries of many reports read.

A stored report is ``Report.to_dict()``. The report page reads all of it back
with ``Report.from_dict()``, strictly. The learner's dashboard
(``quizzes.progress``) and the instructor's item analysis
(``instructor.statistics``) read hundreds at a time and only need the choices,
the missed essentials, the diagnosis and the grade letter: they read them
here, through one tolerant reading, because a report stored by an older
engine, or made by hand, may lack a part; what is missing counts as nothing.

An entry may be chosen more than once: the n-th line of one entry is its
occurrence n (the engine's ``number_occurrences``), which the outline gives
each line, so a follow-up count is told from the first count everywhere.

Pure Python (no Django), like the statistics built on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .grading import GradeBands, number_occurrences

__all__ = ["OutlineLine", "ReportOutline", "grade_letter", "occurrence_pairs", "report_outline"]


@dataclass(frozen=True, slots=True)
class OutlineLine:
    """One graded choice: the step, its verdict, its tier (None: not keyed) and which order of the step it was."""

    step: str
    verdict: str
    tier: str | None = None
    occurrence: int = 1


@dataclass(frozen=True, slots=True)
class ReportOutline:
    lines: tuple[OutlineLine, ...]  # in the learner's order
    missed: tuple[str, ...]  # essential steps never chosen
    diagnosis: str | None  # the chosen cause's slug; None: no diagnosis
    diagnosis_verdict: str  # "correct", "partial", "incorrect" or "none"
    #: Parallel to ``missed``: which occurrence of the step was missed (the follow-up count is 2).
    missed_occurrences: tuple[int, ...] = ()
    grade: str = GradeBands.FAIL  # the report's grade letter (see ``grade_letter``)


def report_outline(data: Any) -> ReportOutline:
    """The outline of ``data``, a stored report's JSON (anything else reads as an empty report).

    A line without a step or a verdict is no choice; a missed essential
    without a step is none.
    """
    data = data if isinstance(data, Mapping) else {}
    raw_lines = sorted(
        (line for line in data.get("lines") or () if isinstance(line, Mapping)),
        key=lambda line: line.get("position") or 0,
    )
    chosen = [line for line in raw_lines if line.get("step") and line.get("verdict")]
    numbered = number_occurrences(str(line["step"]) for line in chosen)
    missed = [item for item in data.get("missed_essentials") or () if isinstance(item, Mapping) and item.get("step")]
    diagnosis = data.get("diagnosis")
    diagnosis = diagnosis if isinstance(diagnosis, Mapping) else {}
    cause = diagnosis.get("chosen")
    scoring = data.get("scoring")
    return ReportOutline(
        lines=tuple(
            OutlineLine(step=step, verdict=str(line["verdict"]), tier=_text(line.get("tier")), occurrence=occurrence)
            for line, (step, occurrence) in zip(chosen, numbered, strict=True)
        ),
        missed=tuple(str(item["step"]) for item in missed),
        missed_occurrences=tuple(_positive(item.get("occurrence")) for item in missed),
        diagnosis=str(cause) if cause else None,
        diagnosis_verdict=str(diagnosis.get("verdict") or "none"),
        grade=grade_letter(
            data.get("grade"),
            total=data.get("total"),
            bands=scoring.get("grade_bands") if isinstance(scoring, Mapping) else None,
        ),
    )


def grade_letter(grade: Any, *, total: Any, bands: Any = None) -> str:
    """A stored report's grade letter: ``grade`` as stored (engine 2), else
    the letter ``bands`` (the stored ``{"A": 90, …}``; the defaults when
    absent or unreadable, as for every engine-1 report) give ``total``."""
    if isinstance(grade, str) and grade:
        return grade
    try:
        read = GradeBands.from_mapping(bands) if isinstance(bands, Mapping) else GradeBands()
    except (TypeError, ValueError):
        read = GradeBands()
    try:
        return read.letter_for(float(total))
    except (TypeError, ValueError):
        return GradeBands.FAIL


def occurrence_pairs(steps: Iterable[str], occurrences: Iterable[int] = ()) -> list[tuple[str, int]]:
    """``steps`` paired with the parallel ``occurrences``; a step without one is occurrence 1."""
    steps = list(steps)
    given = list(occurrences)
    return [(step, given[i] if i < len(given) else 1) for i, step in enumerate(steps)]


def _positive(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def _text(value: Any) -> str | None:
    return str(value) if value else None
