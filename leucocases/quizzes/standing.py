"""Where a learner stands with one quiz: what its page offers them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from .attempts import quiz_attempt_enforce_deadline
from .listing import quiz_attempt_means, quiz_playable_items, quiz_start_refusal
from .models import Quiz, QuizAttempt


@dataclass(frozen=True, slots=True)
class PastAttempt:
    quiz_attempt: QuizAttempt
    mean_total: float | None


@dataclass(frozen=True, slots=True)
class QuizStanding:
    """Where a learner stands with one quiz: what its page offers them.

    ``refusal`` says why a new attempt cannot start (None: it can); an open
    attempt can always be resumed until its deadline.
    """

    case_count: int
    attempts_used: int
    attempts_allowed: int | None
    open_attempt: QuizAttempt | None
    finished_attempts: tuple[PastAttempt, ...]  # newest first
    refusal: ValidationError | None

    @property
    def can_start(self) -> bool:
        return self.open_attempt is None and self.refusal is None

    @property
    def attempts_left(self) -> int | None:
        if self.attempts_allowed is None:
            return None
        return max(self.attempts_allowed - self.attempts_used, 0)

    @property
    def refusal_message(self) -> str:
        return " ".join(self.refusal.messages) if self.refusal is not None else ""


def quiz_standing(*, quiz: Quiz, user: AbstractBaseUser, now: datetime | None = None) -> QuizStanding:
    """Where ``user`` stands with ``quiz``. An open attempt whose deadline has
    passed is finished first (time up), so the page never offers to resume it."""
    now = now or timezone.now()
    attempts = list(QuizAttempt.objects.filter(quiz=quiz, user=user).order_by("-started_at", "-pk"))
    open_attempt = next((a for a in attempts if not a.is_finished), None)
    if open_attempt is not None and quiz_attempt_enforce_deadline(quiz_attempt=open_attempt, now=now):
        open_attempt = None
    case_count = quiz_playable_items(quiz=quiz).count()
    refusal = quiz_start_refusal(quiz=quiz, user=user, attempts_used=len(attempts), case_count=case_count, now=now)
    finished = [a for a in attempts if a.is_finished]
    means = quiz_attempt_means(quiz_attempts=finished)
    return QuizStanding(
        case_count=case_count,
        attempts_used=len(attempts),
        attempts_allowed=quiz.max_attempts,
        open_attempt=open_attempt,
        finished_attempts=tuple(PastAttempt(quiz_attempt=a, mean_total=means.get(a.pk)) for a in finished),
        refusal=refusal,
    )
