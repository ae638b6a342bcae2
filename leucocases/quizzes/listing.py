"""Finding a quiz: which quizzes a learner may take, which of a quiz's cases
they may play, why a new attempt may not start, and past attempts' means.

Keyword-only ``<thing>_<action>`` functions (DESIGN §4).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, OuterRef, QuerySet, Subquery
from django.utils import formats, timezone

from leucocases.cases.models import Case, GradedReport

from .exam_lock import exam_items_in_force, items_outside
from .models import Quiz, QuizAttempt, QuizItem


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y, H:i") + " UTC"


def quiz_playable_items(*, quiz: Quiz) -> QuerySet[QuizItem]:
    """The quiz's items whose case learners may open, in quiz order: playable,
    and held by no exam in force but this quiz (``exam_lock``; a quiz
    that breaks the exam-case rule, e.g. one saved before the rule existed,
    still cannot open another exam's case)."""
    held_elsewhere = items_outside(exam_items_in_force(), quiz).values("case_id")
    return (
        quiz.items.filter(case__in=Case.objects.playable())
        .exclude(case__in=held_elsewhere)
        .select_related("case")
        .order_by("position")
    )


def quizzes_for_list(*, user: Any, now: datetime | None = None) -> QuerySet[Quiz]:
    """The quizzes open to ``user`` now, each with ``case_count`` and, for a
    learner, ``attempts_used`` and ``open_attempt_id``. One query."""
    case_count = (
        QuizItem.objects.filter(quiz=OuterRef("pk"), case__in=Case.objects.playable())
        .order_by()
        .values("quiz")
        .annotate(n=Count("pk"))
        .values("n")
    )
    quizzes = Quiz.objects.available(_now(now)).for_learner(user).annotate(case_count=Subquery(case_count))
    if user is not None and user.is_authenticated:
        mine = QuizAttempt.objects.filter(quiz=OuterRef("pk"), user=user).order_by()
        quizzes = quizzes.annotate(
            attempts_used=Subquery(mine.values("quiz").annotate(n=Count("pk")).values("n")),
            open_attempt_id=Subquery(mine.filter(finished_at__isnull=True).values("pk")[:1]),
        )
    return quizzes.order_by("title")


def quiz_for_learner(*, slug: str, user: Any) -> Quiz | None:
    """The quiz a learner may see: published and open to them (staff: any)."""
    quizzes = Quiz.objects.visible_to(user)
    if not (user is not None and user.is_authenticated and user.is_staff):
        quizzes = quizzes.for_learner(user)
    return quizzes.filter(slug=slug).first()


def quiz_start_refusal(
    *, quiz: Quiz, user: Any, attempts_used: int, case_count: int, now: datetime
) -> ValidationError | None:
    """Why ``user`` may not start a new attempt at ``quiz`` now (None: they may)."""
    if not quiz.is_published:
        return ValidationError("This quiz is not published yet, so it cannot be taken.", code="not_published")
    if quiz.available_from is not None and now < quiz.available_from:
        return ValidationError(
            "This quiz opens on %(when)s.", code="not_open_yet", params={"when": _when(quiz.available_from)}
        )
    if quiz.available_until is not None and now >= quiz.available_until:
        return ValidationError(
            "This quiz closed on %(when)s.", code="closed", params={"when": _when(quiz.available_until)}
        )
    if not Quiz.objects.filter(pk=quiz.pk).for_learner(user).exists():
        return ValidationError("This quiz is assigned to a cohort you are not in.", code="not_assigned")
    if case_count == 0:
        return ValidationError("This quiz has no cases yet.", code="no_cases")
    if quiz.max_attempts is not None and attempts_used >= quiz.max_attempts:
        return ValidationError(
            "You have used all %(allowed)s of your attempts at this quiz.",
            code="no_attempts_left",
            params={"allowed": quiz.max_attempts},
        )
    return None


def quiz_attempt_means(*, quiz_attempts: list[QuizAttempt]) -> dict[int, float]:
    """The mean case total of each quiz attempt, in one query (none for an empty list)."""
    if not quiz_attempts:
        return {}
    rows = (
        GradedReport.objects.filter(attempt__quiz_case__quiz_attempt__in=quiz_attempts, superseded_at__isnull=True)
        .values("attempt__quiz_case__quiz_attempt")
        .annotate(mean=Avg("total"))
        .order_by()
    )
    return {row["attempt__quiz_case__quiz_attempt"]: round(row["mean"], 1) for row in rows}
