"""The words learners and instructors read for the grading engine's verdicts.

One table for a chosen step's verdict and one for the diagnosis, keyed by the
engine's enums (both ``StrEnum``, so a verdict read back from a stored report's
JSON finds its label too). The report page, the instructor's pages and the
dashboard's workup habits all read these.
"""

from __future__ import annotations

from .grading import DiagnosisVerdict, Verdict

__all__ = ["DIAGNOSIS_LABELS", "VERDICT_LABELS"]

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
