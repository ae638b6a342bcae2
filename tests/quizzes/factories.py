"""Small ``make_*`` factories for quiz and dashboard tests.

Cases come from ``tests.cases.factories.make_case`` (a complete little case
whose key has three essential steps, a harmful marrow biopsy and a
thiopurine diagnosis); these add quizzes, cohorts, and quickly made past
attempts with stored reports.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from leucocases.cases.models import Attempt, Case, GradedReport
from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes.models import Cohort, PracticeCard, Quiz, QuizAttempt, QuizAttemptCase, QuizItem
from tests.cases.factories import make_case, make_user

__all__ = [
    "make_card",
    "make_case",
    "make_cohort",
    "make_quiz",
    "make_report_data",
    "make_submitted",
    "make_user",
    "bulk_submitted",
]

_seq = itertools.count(1)


def make_quiz(
    *,
    cases: list[Case] | None = None,
    title: str | None = None,
    slug: str | None = None,
    mode: str = Quiz.Mode.EXAM,
    status: str = ReviewStatus.APPROVED,
    n_cases: int = 3,
    **fields: Any,
) -> Quiz:
    """An approved quiz over ``cases`` (default: ``n_cases`` new cases), in that order."""
    n = next(_seq)
    if cases is None:
        cases = [make_case(title=f"Quiz case {n}.{i}").case for i in range(1, n_cases + 1)]
    quiz = Quiz.objects.create(
        title=title or f"Quiz {n}", slug=slug or f"quiz-{n}", mode=mode, review_status=status, **fields
    )
    for position, case in enumerate(cases, start=1):
        QuizItem.objects.create(quiz=quiz, case=case, position=position)
    return quiz


def make_cohort(*, name: str | None = None, learners=(), instructors=()) -> Cohort:
    n = next(_seq)
    cohort = Cohort.objects.create(name=name or f"Cohort {n}", slug=f"cohort-{n}")
    cohort.learners.set(learners)
    cohort.instructors.set(instructors)
    return cohort


def make_report_data(
    *, total: float, lines: list[tuple[str, str, str | None]] = (), missed: list[str] = ()
) -> dict[str, Any]:
    """The parts of a stored report the dashboard reads: lines (step, verdict, tier) and missed essentials."""
    return {
        "total": total,
        "lines": [
            {"position": i, "step": step, "verdict": verdict, "tier": tier, "points": 0.0}
            for i, (step, verdict, tier) in enumerate(lines, start=1)
        ],
        "missed_essentials": [{"step": step, "rationale": "", "citations": []} for step in missed],
    }


def make_submitted(
    *,
    user,
    case: Case,
    total: float,
    submitted_at: datetime | None = None,
    lines: list[tuple[str, str, str | None]] = (),
    missed: list[str] = (),
    quiz_attempt: QuizAttempt | None = None,
) -> Attempt:
    """A submitted attempt with a current report holding ``total`` and the given lines."""
    attempt = Attempt.objects.create(case=case, user=user, submitted_at=submitted_at or timezone.now())
    if quiz_attempt is not None:
        QuizAttemptCase.objects.create(quiz_attempt=quiz_attempt, attempt=attempt, case=case)
    GradedReport.objects.create(
        attempt=attempt,
        data=make_report_data(total=total, lines=lines, missed=missed),
        engine_version="test",
        total=total,
        workup_score=total,
        diagnosis_score=total,
    )
    return attempt


def bulk_submitted(*, user, cases: list[Case], count: int, now: datetime | None = None) -> None:
    """``count`` submitted attempts with reports, spread over ``cases``, made with two bulk inserts."""
    now = now or timezone.now()
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(case=cases[i % len(cases)], user=user, submitted_at=now - timedelta(hours=count - i))
            for i in range(count)
        ]
    )
    GradedReport.objects.bulk_create(
        [
            GradedReport(
                attempt=attempt,
                data=make_report_data(
                    total=float(30 + (i * 7) % 70),
                    lines=[("peripheral-smear", "essential", "essential"), ("cmv-pcr", "not_contributory", None)],
                    missed=["prior-counts"] if i % 2 else [],
                ),
                engine_version="test",
                total=float(30 + (i * 7) % 70),
                workup_score=50.0,
                diagnosis_score=50.0,
            )
            for i, attempt in enumerate(attempts)
        ]
    )


def make_card(*, user, case: Case, due: datetime) -> PracticeCard:
    """A learner's spaced-practice card of ``case``, due at ``due`` (its FSRS state left empty)."""
    return PracticeCard.objects.create(user=user, case=case, card={}, due=due, last_reviewed_at=due - timedelta(days=1))
