"""Taking a quiz: starting or resuming, the deadline, finishing, and the runner's progress.

Keyword-only ``<thing>_<action>`` functions (DESIGN §4); views only call
these (through ``services``). The server is the clock: a quiz attempt's
deadline is stored when it starts (the earlier of start + time limit and the
end of the quiz's availability window), and every read or write of the
attempt brings it up to date first (``quiz_attempt_enforce_deadline``): once
the deadline has passed the quiz attempt is finished with
``finish_reason=time_up`` and every case not yet submitted is graded as it
stands (no diagnosis), exactly once, through the same ``attempt_submit`` that
grades a normal submission. The case services refuse any choice or
submission after the deadline on their own (the quiz rules registered with
cases, ``policy``: ``AttemptClosed``, code ``time_up``), so a manipulated page
or a request racing the clock changes nothing either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from leucocases.cases.attempts import attempt_submit
from leucocases.cases.grading import InvalidKeyError
from leucocases.cases.models import Attempt

from . import hooks
from .durations import format_duration
from .listing import quiz_playable_items, quiz_start_refusal
from .models import Quiz, QuizAttempt, QuizAttemptCase

logger = logging.getLogger(__name__)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def quiz_attempt_deadline(*, quiz: Quiz, started_at: datetime) -> datetime | None:
    """The earlier of start + time limit and the close of the availability window."""
    candidates = []
    if quiz.time_limit_minutes:
        candidates.append(started_at + timedelta(minutes=quiz.time_limit_minutes))
    if quiz.available_until is not None:
        candidates.append(quiz.available_until)
    return min(candidates) if candidates else None


def quiz_attempt_start_or_resume(*, quiz: Quiz, user: AbstractBaseUser, now: datetime | None = None) -> QuizAttempt:
    """The learner's open attempt at ``quiz``, or a new one.

    A new attempt gets its deadline now and one case attempt per playable quiz
    item, in quiz order, all in one transaction. Raises ``ValidationError``
    (codes ``not_published``, ``not_open_yet``, ``closed``, ``not_assigned``,
    ``no_cases``, ``no_attempts_left``) when a new attempt may not start. An
    open attempt found past its deadline is finished (time up) and returned
    finished: the caller shows its report.
    """
    now = _now(now)
    open_attempt = QuizAttempt.objects.filter(quiz=quiz, user=user, finished_at__isnull=True).first()
    if open_attempt is not None:
        quiz_attempt_enforce_deadline(quiz_attempt=open_attempt, now=now)
        return open_attempt
    items = list(quiz_playable_items(quiz=quiz))
    used = QuizAttempt.objects.filter(quiz=quiz, user=user).count()
    refusal = quiz_start_refusal(quiz=quiz, user=user, attempts_used=used, case_count=len(items), now=now)
    if refusal is not None:
        raise refusal
    try:
        with transaction.atomic():
            quiz_attempt = QuizAttempt.objects.create(
                quiz=quiz, user=user, started_at=now, deadline=quiz_attempt_deadline(quiz=quiz, started_at=now)
            )
            # Created in quiz order, so the ids keep that order even if the
            # quiz is edited while this attempt is under way.
            case_attempts = Attempt.objects.bulk_create(
                [Attempt(case=item.case, user=user, case_version=item.case.version) for item in items]
            )
            QuizAttemptCase.objects.bulk_create(
                [QuizAttemptCase(quiz_attempt=quiz_attempt, attempt=a, case_id=a.case_id) for a in case_attempts]
            )
    except IntegrityError:
        # one_open_quiz_attempt: a second tab started it a moment ago.
        return QuizAttempt.objects.get(quiz=quiz, user=user, finished_at__isnull=True)
    return quiz_attempt


def quiz_attempt_finish(*, quiz_attempt: QuizAttempt, reason: str, now: datetime | None = None) -> QuizAttempt:
    """Finish the quiz attempt once: grade every case not yet submitted as it
    stands (no diagnosis) and record when and why. Finishing again changes
    nothing. Updates ``quiz_attempt`` in place and returns it."""
    now = _now(now)
    with transaction.atomic():
        locked = QuizAttempt.objects.select_for_update().get(pk=quiz_attempt.pk)
        if not locked.is_finished:
            for case_attempt in Attempt.objects.filter(quiz_case__quiz_attempt=locked).open().order_by("pk"):
                try:
                    attempt_submit(attempt=case_attempt, diagnosis=None, even_if_closed=True)
                except InvalidKeyError:
                    # Left ungraded: the quiz report says so rather than invent a score.
                    logger.exception(
                        "Case %s cannot be graded; quiz attempt %s finishes without it", case_attempt.case_id, locked.pk
                    )
            # Time up: the attempt ended at its deadline, whenever it is recorded.
            ended = min(now, locked.deadline) if reason == QuizAttempt.FinishReason.TIME_UP and locked.deadline else now
            locked.finished_at = ended
            locked.finish_reason = reason
            locked.save(update_fields=["finished_at", "finish_reason"])
            hooks.quiz_attempt_finished.fire_on_commit(hooks.QuizAttemptFinished(locked.pk))
    quiz_attempt.finished_at = locked.finished_at
    quiz_attempt.finish_reason = locked.finish_reason
    return quiz_attempt


def quiz_attempt_enforce_deadline(*, quiz_attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Finish an open quiz attempt whose deadline has passed.

    Returns True when this call finished it (time up): the caller tells the
    learner. An attempt already finished, or still in time, is left alone.
    """
    now = _now(now)
    if quiz_attempt.is_finished or not quiz_attempt.is_past_deadline(now):
        return False
    quiz_attempt_finish(quiz_attempt=quiz_attempt, reason=QuizAttempt.FinishReason.TIME_UP, now=now)
    return quiz_attempt.finish_reason == QuizAttempt.FinishReason.TIME_UP


def quiz_attempt_finish_if_complete(*, quiz_attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Finish the quiz attempt (completed) once every case is submitted; True if it is finished."""
    if quiz_attempt.is_finished:
        return True
    if Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt).open().exists():
        return False
    quiz_attempt_finish(quiz_attempt=quiz_attempt, reason=QuizAttempt.FinishReason.COMPLETED, now=now)
    return True


# --------------------------------------------------------------------------
# The runner: which case, how far, how long
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuizProgress:
    """The runner's view of a quiz attempt: its case attempts in quiz order
    and the first one not yet submitted (where the learner resumes)."""

    quiz_attempt: QuizAttempt
    case_attempts: tuple[Attempt, ...]
    current: Attempt | None
    seconds_left: int | None

    @property
    def total(self) -> int:
        return len(self.case_attempts)

    @property
    def submitted(self) -> int:
        return sum(1 for a in self.case_attempts if a.is_submitted)

    @property
    def position(self) -> int | None:
        """1-based number of the current case."""
        if self.current is None:
            return None
        return next(i for i, a in enumerate(self.case_attempts, start=1) if a.pk == self.current.pk)

    @property
    def is_last(self) -> bool:
        return self.current is not None and self.total - self.submitted == 1

    @property
    def time_left_text(self) -> str:
        return format_duration(self.seconds_left) if self.seconds_left is not None else ""

    def position_of(self, attempt: Attempt) -> int | None:
        return next((i for i, a in enumerate(self.case_attempts, start=1) if a.pk == attempt.pk), None)


def quiz_attempt_progress(*, quiz_attempt: QuizAttempt, now: datetime | None = None) -> QuizProgress:
    """One query: the case attempts with their cases."""
    case_attempts = tuple(
        Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt).select_related("case").order_by("pk")
    )
    current = next((a for a in case_attempts if not a.is_submitted), None)
    seconds_left = None
    if quiz_attempt.deadline is not None and not quiz_attempt.is_finished:
        seconds_left = max(int((quiz_attempt.deadline - _now(now)).total_seconds()), 0)
    return QuizProgress(
        quiz_attempt=quiz_attempt, case_attempts=case_attempts, current=current, seconds_left=seconds_left
    )


def quiz_attempt_case_attempt(*, quiz_attempt: QuizAttempt, pk: Any) -> Attempt | None:
    """The case attempt ``pk`` if it belongs to ``quiz_attempt`` (posted ids are never trusted)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt, pk=pk).select_related("case").first()


def quiz_attempts_for_user(*, user: AbstractBaseUser) -> QuerySet[QuizAttempt]:
    """A learner's quiz attempts, newest first, with the quiz and the number of
    case attempts (``case_count``) in one query."""
    return (
        QuizAttempt.objects.filter(user=user)
        .select_related("quiz")
        .annotate(case_count=Count("case_attempts"))
        .order_by("-started_at", "-pk")
    )
