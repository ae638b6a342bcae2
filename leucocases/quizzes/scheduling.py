"""Spaced practice with FSRS: when each case should come back to a learner.

Each (learner, case) pair is one FSRS card. A submitted report becomes a
review with a rating, by what the report says about the reasoning:

* a never choice or a wrong cause: **Again** (the case comes back soon);
* the right cause with an essential step missed: **Hard**;
* the right cause and every essential: **Good**;
* all of that, efficiently (no low-yield choice) and stated with high
  certainty: **Easy**.

Pure apart from the ``fsrs`` library (itself pure Python): no database, no
clock — the caller passes the review time. Fuzzing is off, so the same
reviews always give the same due date, and tests and learners can rely on
the sentence "due again in 6 days".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fsrs import Card, Rating, Scheduler

from leucocases.cases.grading.report import DiagnosisVerdict

__all__ = [
    "ReviewOutcome",
    "ScheduledReview",
    "due_in_words",
    "interleave_by_group",
    "outcome_from_report",
    "rating_for",
    "schedule_review",
]

#: Efficiency at or above which a right, certain answer counts as Easy.
EASY_EFFICIENCY = 1.0

# No minute-scale learning steps: a case is a whole workup, not a flashcard,
# so even a first or failed review comes back days later, never in minutes.
_SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What a report says, reduced to what the rating needs."""

    diagnosis_correct: bool
    never_triggered: bool = False
    missed_essentials: int = 0
    efficiency: float = 0.0
    certainty: str | None = None  # "low" | "medium" | "high" | None


def outcome_from_report(data: Mapping[str, Any] | None, *, certainty: str = "") -> ReviewOutcome:
    """What the rating needs from a stored report's JSON (``Report.to_dict()``)
    and the certainty stated with it. Tolerant, like ``progress.record_from_report``:
    a part missing from an old or odd report counts as nothing (so never Easy)."""
    data = data if isinstance(data, Mapping) else {}
    diagnosis = data.get("diagnosis")
    verdict = diagnosis.get("verdict") if isinstance(diagnosis, Mapping) else None
    missed = data.get("missed_essentials")
    efficiency = data.get("efficiency")
    return ReviewOutcome(
        # Full credit only: a partly right cause is a wrong answer to relearn.
        diagnosis_correct=verdict == DiagnosisVerdict.CORRECT,
        never_triggered=bool(data.get("never_triggered")),
        missed_essentials=len(missed) if isinstance(missed, list) else 0,
        efficiency=float(efficiency) if isinstance(efficiency, int | float) else 0.0,
        certainty=certainty or None,
    )


def rating_for(outcome: ReviewOutcome) -> Rating:
    """The FSRS rating of one submitted case (see the module docstring)."""
    if outcome.never_triggered or not outcome.diagnosis_correct:
        return Rating.Again
    if outcome.missed_essentials:
        return Rating.Hard
    if outcome.efficiency >= EASY_EFFICIENCY and outcome.certainty == "high":
        return Rating.Easy
    return Rating.Good


@dataclass(frozen=True, slots=True)
class ScheduledReview:
    card: dict[str, Any]  # the card to store (``Card.to_dict()``)
    log: dict[str, Any]  # the review log to store (``ReviewLog.to_dict()``)
    rating: Rating
    due: datetime

    def log_columns(self) -> dict[str, Any]:
        """What a review log row keeps of this review: the rating, and the card as it left it."""
        return {
            "rating": int(self.rating),
            "state": self.card["state"],
            "stability": self.card["stability"],
            "difficulty": self.card["difficulty"],
            "due": self.due,
        }


def schedule_review(
    card: Mapping[str, Any] | None, rating: Rating, *, reviewed_at: datetime, card_id: int = 0
) -> ScheduledReview:
    """Review ``card`` (None: the case's first review) at ``reviewed_at``.

    ``reviewed_at`` must be timezone-aware (FSRS works in UTC).
    """
    if reviewed_at.tzinfo is None:
        raise ValueError("reviewed_at must be timezone-aware")
    current = Card.from_dict(dict(card)) if card else Card(card_id=card_id or None, due=reviewed_at)
    updated, log = _SCHEDULER.review_card(current, rating, review_datetime=reviewed_at)
    return ScheduledReview(card=updated.to_dict(), log=log.to_dict(), rating=rating, due=updated.due)


def due_in_words(due: datetime, *, now: datetime) -> str:
    """ "due now", "due again tomorrow", "due again in 6 days" (whole days, rounded up)."""
    left = due - now
    if left <= timedelta(0):
        return "due now"
    days = -(-left // timedelta(days=1))  # ceiling division
    if days <= 1:
        return "due again tomorrow" if left > timedelta(hours=12) else "due again later today"
    return f"due again in {days} days"


def interleave_by_group(items: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """Order case slugs so that consecutive cases teach different cause groups
    where possible, keeping each group's own order (most overdue first).

    ``items`` are ``(slug, groups)`` in priority order; a case is filed under
    its first group. Round-robin over groups, in order of their first case.
    """
    queues: dict[str, list[str]] = {}
    for slug, groups in items:
        queues.setdefault(groups[0] if groups else "", []).append(slug)
    ordered: list[str] = []
    while any(queues.values()):
        for queue in queues.values():
            if queue:
                ordered.append(queue.pop(0))
    return ordered
