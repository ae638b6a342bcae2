"""What a learner's stated certainty means on their report.

The marks and calibration are the pure engine's (``grading.certainty``);
here they meet a stored attempt and report. Certainty never changes a case's
score: with certainty-based marking (a quiz's option, ``quizzes``) the report
adds the mark beside the score; otherwise it only repeats what was stated.

An answer counts as right for certainty only when the diagnosis earned full
credit: partial credit is a wrong answer here, as in Moodle's marking of a
question answered partly right at high certainty.
"""

from __future__ import annotations

from dataclasses import dataclass

from .grading import DiagnosisVerdict, Report
from .grading.certainty import CBM_MARKS, Certainty, cbm_mark

__all__ = ["CertaintyStatement", "cbm_scale_text", "certainty_statement", "is_right"]


def _signed(number: int) -> str:
    return f"\u2212{-number}" if number < 0 else str(number)


def cbm_scale_text() -> str:
    """Moodle's scale in one sentence, from the engine's table."""
    levels = ", ".join(level.value for level in Certainty)
    right = ", ".join(_signed(CBM_MARKS[level][0]) for level in Certainty)
    wrong = ", ".join(_signed(CBM_MARKS[level][1]) for level in Certainty)
    return (
        f"a right diagnosis earns {right} marks and a wrong one {wrong} marks "
        f"at {levels} certainty (Moodle's certainty-based marking scale)"
    )


def is_right(verdict: str | DiagnosisVerdict | None) -> bool:
    """Whether a diagnosis verdict counts as right for certainty (full credit only)."""
    return verdict == DiagnosisVerdict.CORRECT


@dataclass(frozen=True, slots=True)
class CertaintyStatement:
    """The report's line on certainty: what was stated and, with marking on, the mark."""

    certainty: str  # "low" | "medium" | "high"
    right: bool
    mark: int | None  # None: the quiz does not use certainty-based marking

    @property
    def mark_text(self) -> str:
        return "" if self.mark is None else _signed(self.mark) if self.mark <= 0 else f"+{self.mark}"


def certainty_statement(*, certainty: str, report: Report, marking: bool) -> CertaintyStatement | None:
    """None when no certainty was stated (time ran out, or submitted before it was asked)."""
    if certainty not in {level.value for level in Certainty}:
        return None
    right = is_right(report.diagnosis.verdict)
    return CertaintyStatement(
        certainty=certainty, right=right, mark=cbm_mark(correct=right, certainty=certainty) if marking else None
    )
