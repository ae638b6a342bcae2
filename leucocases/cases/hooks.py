"""What a higher app may hear from cases: a graded report was stored, or
anonymous attempts joined an account.

``report_stored`` fires after a submission (``attempts.attempt_submit``) and
after a regrade stores a new report (``instructor.services``).
``attempts_claimed`` fires when a visitor's anonymous practice attempts move to
the account they logged in or signed up with (``attempts.attempts_claim_for_user``):
their reports were stored while nobody owned them, so what acts on a learner's
submissions (spaced practice) hears of them only then. See
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


@dataclass(frozen=True, slots=True)
class AttemptsClaimed:
    user_id: int
    attempt_ids: tuple[int, ...]  # the attempts this claim moved, submitted or not


attempts_claimed: Hook[AttemptsClaimed] = Hook("cases.attempts_claimed")
