"""What a learner may play and read: exams lock their cases.

Any report on a case shows its key, and so does a practice score beside it.
The rule (docs/quizzes.md, "Exam cases"):

- A case in an exam-mode quiz is never a practice case and is in no other
  quiz (checked where quizzes and cases are edited: ``quizzes.exam_cases``).
- While that exam is *in force* — from the moment it exists (draft,
  scheduled or open) until its ``available_until`` has passed — nobody plays
  the case outside the exam (anonymous or signed in, any session, any other
  quiz), and no report or score on it shows anywhere except the learner's own
  attempts in that exam, once their quiz attempt is finished.
- A learner taking an exam (an open quiz attempt, still in time) sees no
  report or score on its cases at all until they finish, whatever the
  attempt they come from.

Everything here returns querysets or ``Q`` objects, so the pages apply the
rule inside the queries they already run: no page adds a query per case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from leucocases.quizzes.models import Quiz, QuizItem
from leucocases.taxonomy.models import Cause
from leucocases.taxonomy.selectors import ReaderCase

from .models import Attempt, Case

#: Attempts whose report is not held back by their own quiz: practice
#: attempts, and quiz attempts unless their quiz is an exam still under way
#: (DESIGN: exam reports appear only when the whole quiz is finished).
REPORT_VISIBLE = (
    Q(quiz_attempt__isnull=True)
    | Q(quiz_attempt__finished_at__isnull=False)
    | Q(quiz_attempt__quiz__mode=Quiz.Mode.PRACTICE)
)


def exam_items_in_force(*, now: datetime | None = None) -> QuerySet[QuizItem]:
    """The items of every exam that has not closed, whatever its review status:
    a draft or scheduled exam locks its cases too, so nobody rehearses them
    before it opens. An exam with no ``available_until`` locks them for as long
    as it exists."""
    now = now or timezone.now()
    return QuizItem.objects.filter(quiz__mode=Quiz.Mode.EXAM).filter(
        Q(quiz__available_until__isnull=True) | Q(quiz__available_until__gt=now)
    )


def items_outside(items: QuerySet[QuizItem], quiz: Any) -> QuerySet[QuizItem]:
    """``items`` less those of ``quiz`` (a quiz, its id or an ``OuterRef`` to
    one) and of its draft of changes: a draft of changes to an exam holds the
    exam's cases as the exam does (it locks them too), but it is the same exam,
    not another quiz sharing them."""
    return items.exclude(quiz=quiz).exclude(quiz__draft_of=quiz)


def without_exam_cases(cases: QuerySet[Case], *, now: datetime | None = None) -> QuerySet[Case]:
    """``cases`` less those an exam in force locks: what may be played outside an exam."""
    return cases.exclude(pk__in=exam_items_in_force(now=now).values("case_id"))


def case_is_exam_locked(*, case: Case, now: datetime | None = None) -> bool:
    return exam_items_in_force(now=now).filter(case=case).exists()


def _exam_under_way(*, user: Any, now: datetime) -> QuerySet[Attempt]:
    """The case attempts of the exams ``user`` is taking now (open, still in time)."""
    return Attempt.objects.filter(
        Q(quiz_attempt__deadline__isnull=True) | Q(quiz_attempt__deadline__gt=now),
        user=user,
        quiz_attempt__finished_at__isnull=True,
        quiz_attempt__quiz__mode=Quiz.Mode.EXAM,
    )


def attempts_with_visible_reports(
    *, user: Any, session_key: str | None, now: datetime | None = None
) -> QuerySet[Attempt]:
    """The learner's submitted attempts whose report and score they may see now.

    The one rule every page applies (module docstring): the case list, the
    play page's link to a past report, the report itself, the dashboard and
    the cause pages.
    """
    now = now or timezone.now()
    in_force = exam_items_in_force(now=now)
    # A finished attempt in the very exam that locks the case (and in no other exam in force).
    in_own_finished_exam = Q(quiz_attempt__finished_at__isnull=False) & ~Exists(
        items_outside(in_force.filter(case=OuterRef("case")), OuterRef("quiz_attempt__quiz"))
    )
    visible = (
        Attempt.objects.owned_by(user=user, session_key=session_key)
        .submitted()
        .filter(REPORT_VISIBLE)
        .filter(~Exists(in_force.filter(case=OuterRef("case"))) | in_own_finished_exam)
    )
    if user is not None and user.is_authenticated:
        visible = visible.exclude(case__in=_exam_under_way(user=user, now=now).values("case_id"))
    return visible


def reader_cases_for_cause(*, cause: Cause, user: Any, session_key: str | None) -> list[ReaderCase]:
    """The reader's own cases whose full-credit cause is ``cause``, each with
    their latest report they may see (for the cause page; see
    ``taxonomy.selectors.reader_cases_for``). One query."""
    attempts = (
        attempts_with_visible_reports(user=user, session_key=session_key)
        .filter(case__diagnosis_options__cause=cause, case__diagnosis_options__credit=1)
        .select_related("case")
        .order_by("case__title", "case_id", "-submitted_at", "-pk")
    )
    latest: dict[int, Attempt] = {}
    for attempt in attempts:
        latest.setdefault(attempt.case_id, attempt)
    return [
        ReaderCase(title=a.case.title, report_url=a.get_absolute_url(), submitted_at=a.submitted_at)
        for a in latest.values()
    ]


__all__ = [
    "REPORT_VISIBLE",
    "attempts_with_visible_reports",
    "case_is_exam_locked",
    "exam_items_in_force",
    "items_outside",
    "reader_cases_for_cause",
    "without_exam_cases",
]
