"""Certainty-based marking and calibration: pure functions of what the
learner stated and whether the cause was right.

The scale is Moodle's certainty-based marking (Gardner-Medwin): a right
answer earns 1, 2 or 3 marks at low, medium or high certainty, a wrong one
0, -2 or -6. Stating high certainty pays only when the learner is right more
than 80 % of the time, so the scale rewards knowing what one knows. The
marks are reported beside the case's score, never folded into it: a quiz
that opts in adds them up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CBM_MARKS",
    "CalibrationRow",
    "Certainty",
    "calibration",
    "cbm_mark",
]


class Certainty(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


#: (marks if right, marks if wrong), by stated certainty.
CBM_MARKS: dict[Certainty, tuple[int, int]] = {
    Certainty.LOW: (1, 0),
    Certainty.MEDIUM: (2, -2),
    Certainty.HIGH: (3, -6),
}


def cbm_mark(*, correct: bool, certainty: Certainty | str) -> int:
    """The certainty-based mark of one answer."""
    right, wrong = CBM_MARKS[Certainty(certainty)]
    return right if correct else wrong


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    """How often answers stated at one certainty were right."""

    certainty: Certainty
    stated: int
    correct: int

    @property
    def rate(self) -> float | None:
        """Share of right answers (0..1), or None when none were stated."""
        return self.correct / self.stated if self.stated else None


def calibration(answers: Iterable[tuple[Certainty | str, bool]]) -> tuple[CalibrationRow, ...]:
    """One row per certainty level, low to high, from ``(certainty, correct)`` pairs."""
    stated = dict.fromkeys(Certainty, 0)
    correct = dict.fromkeys(Certainty, 0)
    for certainty, right in answers:
        level = Certainty(certainty)
        stated[level] += 1
        correct[level] += bool(right)
    return tuple(CalibrationRow(level, stated[level], correct[level]) for level in Certainty)
