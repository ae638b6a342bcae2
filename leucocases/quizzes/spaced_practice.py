"""Spaced practice: each submitted practice attempt reviews the learner's FSRS card of its case.

``on_report_stored`` is connected to ``cases.hooks.report_stored`` (in
``apps.QuizzesConfig.ready``): cases fires it after a submission, without
knowing this app exists. The rating comes from the stored report and the
certainty stated with it (``scheduling.rating_for``); the card and the
review log row are written together, once per attempt.

What counts as a review:

* only a logged-in learner's own practice attempts. A quiz's case is not
  one: an exam holds its reports back, and a due date moved by an exam answer
  ("due again tomorrow") would tell the learner how it went before the exam
  lets them see;
* only submissions: a regrade changes the report, not what the learner
  remembered when they played the case, so it reviews nothing again.

A case played before logging in (anonymous practice) is reviewed when the
attempt joins the account (``on_attempts_claimed``, on ``cases.hooks.attempts_claimed``),
through the same ``practice_review_record``, at the time it was submitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from leucocases.cases import hooks
from leucocases.cases.models import Attempt, GradedReport

from .models import PracticeCard, PracticeReview
from .scheduling import outcome_from_report, rating_for, schedule_review

__all__ = ["on_attempts_claimed", "on_report_stored", "practice_review_record"]


def on_report_stored(event: hooks.ReportStored) -> None:
    """The hook's callback: review the case's card if the submission was practice."""
    if event.reason != hooks.SUBMISSION:
        return
    attempt = (
        Attempt.objects.practice()
        .submitted()
        .filter(pk=event.attempt_id, user__isnull=False)
        .only("pk", "user_id", "case_id", "submitted_at", "certainty")
        .first()
    )
    report = GradedReport.objects.filter(pk=event.report_id).values_list("data", flat=True).first()
    if attempt is not None and report is not None:
        practice_review_record(attempt=attempt, report_data=report)


def on_attempts_claimed(event: hooks.AttemptsClaimed) -> None:
    """The hook's callback: review the cards of the claimed attempts that were
    submitted practice, oldest first (as they would have been, logged in), each
    with its current report (the one the learner reads)."""
    attempts = (
        Attempt.objects.practice()
        .submitted()
        .filter(pk__in=event.attempt_ids, user_id=event.user_id)
        .only("pk", "user_id", "case_id", "submitted_at", "certainty")
        .order_by("submitted_at", "pk")
    )
    reports = dict(
        GradedReport.objects.filter(attempt_id__in=event.attempt_ids, superseded_at__isnull=True).values_list(
            "attempt_id", "data"
        )
    )
    for attempt in attempts:
        if attempt.pk in reports:
            practice_review_record(attempt=attempt, report_data=reports[attempt.pk])


def practice_review_record(*, attempt: Attempt, report_data: Mapping[str, Any]) -> PracticeReview | None:
    """Review the learner's card of ``attempt``'s case with the report's rating.

    Returns the review, or None when this attempt was reviewed already (a
    hook delivered twice). The card row is locked, so two submissions of the
    same case at once review one after the other.
    """
    if attempt.submitted_at is None or attempt.user_id is None:
        raise ValueError("only a learner's submitted attempt reviews a card")
    rating = rating_for(outcome_from_report(report_data, certainty=attempt.certainty))
    with transaction.atomic():
        PracticeCard.objects.get_or_create(
            user_id=attempt.user_id,
            case_id=attempt.case_id,
            defaults={"card": {}, "due": attempt.submitted_at, "last_reviewed_at": attempt.submitted_at},
        )
        card = PracticeCard.objects.select_for_update().get(user_id=attempt.user_id, case_id=attempt.case_id)
        if PracticeReview.objects.filter(attempt=attempt).exists():
            return None
        # FSRS counts the days since the last review: one delivered late must not go back in time.
        reviewed_at: datetime = max(attempt.submitted_at, card.last_reviewed_at) if card.card else attempt.submitted_at
        scheduled = schedule_review(card.card or None, rating, reviewed_at=reviewed_at, card_id=card.pk)
        card.card, card.due, card.last_reviewed_at = scheduled.card, scheduled.due, reviewed_at
        card.save(update_fields=["card", "due", "last_reviewed_at"])
        return PracticeReview.objects.create(
            card=card, attempt=attempt, reviewed_at=reviewed_at, **scheduled.log_columns()
        )
