"""What an exam locks at run time: its cases, and their reports until it is over.

Any report on a case shows its key, and so does a practice score beside it.
The rule (docs/quizzes.md, "Exam cases"):

- A case in an exam-mode quiz is never a practice case and is in no other
  quiz (checked where quizzes and cases are edited: ``exam_cases``).
- While that exam is *in force* — from the moment it exists (draft,
  scheduled or open) until its ``available_until`` has passed — nobody plays
  the case outside the exam (anonymous or signed in, any session, any other
  quiz), and no report or score on it shows anywhere except the learner's own
  attempts in that exam, once their quiz attempt is finished.
- A learner taking an exam (an open quiz attempt, still in time) sees no
  report or score on its cases at all until they finish, whatever the
  attempt they come from.

Everything here returns querysets or ``Q`` objects; ``policy.QuizPolicy``
hands them to cases (``cases.policies``), which applies them inside the
queries its pages already run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from leucocases.cases.models import Attempt, Case

from .models import Quiz, QuizAttempt, QuizItem

#: Attempts whose report is not held back by their own quiz: practice
#: attempts, and quiz attempts unless their quiz is an exam still under way
#: (DESIGN: exam reports appear only when the whole quiz is finished).
REPORT_VISIBLE = (
    Q(quiz_case__isnull=True)
    | Q(quiz_case__quiz_attempt__finished_at__isnull=False)
    | Q(quiz_case__quiz_attempt__quiz__mode=Quiz.Mode.PRACTICE)
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


def exam_locked_cases(*, now: datetime | None = None) -> Q:
    """On ``Case``: the cases an exam in force locks."""
    return Q(pk__in=exam_items_in_force(now=now).values("case_id"))


def _exam_under_way(*, user: Any, now: datetime) -> QuerySet[Attempt]:
    """The case attempts of the exams ``user`` is taking now (open, still in time)."""
    return Attempt.objects.filter(
        Q(quiz_case__quiz_attempt__deadline__isnull=True) | Q(quiz_case__quiz_attempt__deadline__gt=now),
        user=user,
        quiz_case__quiz_attempt__finished_at__isnull=True,
        quiz_case__quiz_attempt__quiz__mode=Quiz.Mode.EXAM,
    )


def visible_exam_reports(*, user: Any, now: datetime | None = None) -> Q:
    """On ``Attempt``: of a learner's submitted attempts, those whose report and
    score no exam holds back now (the rule in the module docstring)."""
    now = now or timezone.now()
    in_force = exam_items_in_force(now=now)
    # A finished attempt in the very exam that locks the case (and in no other exam in force).
    in_own_finished_exam = Q(quiz_case__quiz_attempt__finished_at__isnull=False) & ~Exists(
        items_outside(in_force.filter(case=OuterRef("case")), OuterRef("quiz_case__quiz_attempt__quiz"))
    )
    visible = REPORT_VISIBLE & (~Exists(in_force.filter(case=OuterRef("case"))) | in_own_finished_exam)
    if user is not None and user.is_authenticated:
        visible &= ~Q(case__in=_exam_under_way(user=user, now=now).values("case_id"))
    return visible


def exams_holding(*, case: Any, user: Any, now: datetime) -> QuerySet[QuizAttempt]:
    """``user``'s exam-mode quiz attempts under way that include ``case`` (a case,
    its id or an ``OuterRef`` to one), first first."""
    # An exam whose time ran out is over, even before anyone records it.
    running = Q(deadline__isnull=True) | Q(deadline__gt=now)
    return QuizAttempt.objects.filter(
        running,
        user=user,
        finished_at__isnull=True,
        quiz__mode=Quiz.Mode.EXAM,
        case_attempts__case=case,
    ).order_by("pk")


def exam_attempt_holding(*, case: Case, user: Any) -> QuizAttempt | None:
    """The exam-mode quiz attempt under way that includes ``case``, if any.

    Until that quiz attempt is finished the learner may neither practise the
    case nor read any report on it: either would show the answer key mid-exam.
    One query; none for anonymous visitors (they cannot take quizzes).
    """
    if user is None or not user.is_authenticated:
        return None
    return exams_holding(case=case, user=user, now=timezone.now()).first()


__all__ = [
    "REPORT_VISIBLE",
    "exam_attempt_holding",
    "exam_items_in_force",
    "exam_locked_cases",
    "exams_holding",
    "items_outside",
    "visible_exam_reports",
]
