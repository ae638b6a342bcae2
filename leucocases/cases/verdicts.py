"""The words learners and instructors read for the grading engine's verdicts.

One table for a chosen step's verdict and one for the diagnosis, keyed by the
engine's enums (both ``StrEnum``, so a verdict read back from a stored report's
JSON finds its label too). The report page, the instructor's pages and the
dashboard's workup habits all read these, and ``occurrence_name`` for the
n-th order of an entry ("Repeat CBC (2nd time)").

Pure Python (the engine's enums only): the dashboard's and item analysis's
pure modules read it too.
"""

from __future__ import annotations

from .grading import DiagnosisVerdict, Verdict

__all__ = ["DIAGNOSIS_LABELS", "VERDICT_LABELS", "occurrence_name", "ordinal"]

#: Every verdict the engine gives (docs/case-format.md, "How a case is scored").
VERDICT_LABELS: dict[str, str] = {
    Verdict.ESSENTIAL: "Essential",
    Verdict.USEFUL: "Useful",
    Verdict.LOW_YIELD: "Low yield",
    Verdict.HARMFUL: "Harmful",
    Verdict.PREMATURE: "Premature",
    Verdict.NOT_CONTRIBUTORY: "Not contributory",
    # A member of an "any one of" group ordered after another member earned the group's share.
    Verdict.ESSENTIAL_ALTERNATIVE: "Alternative, already credited",
    Verdict.NEVER: "Never",
}
DIAGNOSIS_LABELS: dict[str, str] = {
    DiagnosisVerdict.CORRECT: "Correct",
    DiagnosisVerdict.PARTIAL: "Partly correct",
    DiagnosisVerdict.INCORRECT: "Incorrect",
    DiagnosisVerdict.NONE: "No diagnosis given",
}


def ordinal(n: int) -> str:
    """``1`` -> "1st", ``2`` -> "2nd", ``11`` -> "11th", ``23`` -> "23rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def occurrence_name(name: str, occurrence: int) -> str:
    """An entry's name for its ``occurrence``-th order: the name alone the
    first time, "Repeat CBC (2nd time)" after (the play page's words)."""
    return name if occurrence <= 1 else f"{name} ({ordinal(occurrence)} time)"
