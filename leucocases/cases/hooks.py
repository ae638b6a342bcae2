"""What a higher app may hear from cases: a graded report was stored.

``report_stored`` fires after a submission (``attempts.attempt_submit``) and
after a regrade stores a new report (``instructor.services``). See
``leucocases/hooks.py`` for how callbacks run.
"""

from __future__ import annotations

from dataclasses import dataclass

from leucocases.hooks import Hook

SUBMISSION = "submission"
REGRADE = "regrade"


@dataclass(frozen=True, slots=True)
class ReportStored:
    attempt_id: int
    report_id: int
    reason: str  # SUBMISSION or REGRADE


report_stored: Hook[ReportStored] = Hook("cases.report_stored")
