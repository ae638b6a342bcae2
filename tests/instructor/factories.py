"""Small ``make_*`` factories for the instructor-tools tests.

Cases come from ``tests.cases.factories.make_case`` (three essential steps:
smear, prior counts, medication review; a useful TPMT test; a low-yield
B12; a harmful marrow biopsy that must follow the smear; thiopurines for full
credit, drugs and toxins for half). Attempts here are played and graded by
the real services, so their stored reports are the engine's own.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from leucocases.accounts.management.commands.create_demo_accounts import INSTRUCTORS_GROUP, instructor_permissions
from leucocases.cases.grading import number_occurrences
from leucocases.cases.import_workflow import case_files_import
from leucocases.cases.models import Attempt, Case, Choice, GradedReport
from leucocases.cases.services import attempt_submit
from leucocases.quizzes.models import Cohort, Quiz, QuizAttempt, QuizAttemptCase, QuizItem
from leucocases.taxonomy.models import Cause, WorkupStep
from tests.cases import casefile_factories
from tests.cases.factories import make_case

__all__ = [
    "GOOD_PATH",
    "import_schema2_case",
    "make_case",
    "make_cohort",
    "make_graded_attempt",
    "make_instructor",
    "make_learner",
    "make_quiz",
    "make_quiz_attempt",
]

_seq = itertools.count(1)

#: All three essentials in order, the useful test, and the right cause: 100 points.
GOOD_PATH = (["peripheral-smear", "prior-counts", "medication-review", "tpmt-nudt15"], "thiopurines")


def instructors_group() -> Group:
    group, created = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    if created:
        group.permissions.set(instructor_permissions())
    return group


def make_instructor(*, username: str | None = None, password: str | None = None, staff: bool = True):
    """A member of the Instructors group, with the group's permissions (as ``create_demo_accounts`` sets them)."""
    user = get_user_model().objects.create_user(
        username=username or f"instructor{next(_seq)}",
        email=f"i{next(_seq)}@example.org",
        password=password,
        is_staff=staff,
    )
    user.groups.add(instructors_group())
    return user


def make_learner(*, username: str | None = None, password: str | None = None, email: str | None = None, **extra):
    return get_user_model().objects.create_user(
        username=username or f"learner{next(_seq)}",
        email=email or f"l{next(_seq)}@example.org",
        password=password,
        **extra,
    )


def make_graded_attempt(
    *,
    case: Case,
    user=None,
    steps: Sequence[str] = (),
    diagnosis: str | None = None,
    quiz_attempt: QuizAttempt | None = None,
    started_at: datetime | None = None,
    submitted_at: datetime | None = None,
) -> Attempt:
    """An attempt with ``steps`` chosen in order and submitted with ``diagnosis``, graded by the real engine.

    A step listed twice is chosen twice: its second choice is occurrence 2.
    """
    attempt = Attempt.objects.create(case=case, user=user, session_key="" if user else "s")
    if quiz_attempt is not None:
        QuizAttemptCase.objects.create(quiz_attempt=quiz_attempt, attempt=attempt, case=case)
    step_ids = dict(WorkupStep.objects.filter(slug__in=steps).values_list("slug", "pk"))
    Choice.objects.bulk_create(
        Choice(attempt=attempt, step_id=step_ids[slug], position=i, occurrence=occurrence)
        for i, (slug, occurrence) in enumerate(number_occurrences(steps), start=1)
    )
    cause = Cause.objects.get(slug=diagnosis) if diagnosis else None
    attempt_submit(attempt=attempt, diagnosis=cause)
    if started_at or submitted_at:
        Attempt.objects.filter(pk=attempt.pk).update(
            started_at=started_at or attempt.started_at, submitted_at=submitted_at or attempt.submitted_at
        )
        attempt.refresh_from_db()
    return attempt


def make_quiz(*, cases: Sequence[Case], slug: str | None = None, title: str | None = None, **fields) -> Quiz:
    n = next(_seq)
    quiz = Quiz.objects.create(title=title or f"Quiz {n}", slug=slug or f"quiz-{n}", review_status="approved", **fields)
    for position, case in enumerate(cases, start=1):
        QuizItem.objects.create(quiz=quiz, case=case, position=position)
    return quiz


def make_cohort(*, learners=(), name: str | None = None) -> Cohort:
    n = next(_seq)
    cohort = Cohort.objects.create(name=name or f"Cohort {n}", slug=f"cohort-{n}")
    cohort.learners.set(learners)
    return cohort


def make_quiz_attempt(
    *,
    quiz: Quiz,
    user,
    paths: Sequence[tuple[Sequence[str], str | None] | None],
    finished: bool = True,
    started_at: datetime | None = None,
    minutes_per_case: int = 5,
) -> QuizAttempt:
    """A quiz attempt: one case attempt per quiz case, all started with the quiz;
    ``paths[i]`` (steps, diagnosis) plays case i, submitted ``minutes_per_case``
    after the previous one (None: left open)."""
    started_at = started_at or timezone.now() - timedelta(hours=2)
    qa = QuizAttempt.objects.create(quiz=quiz, user=user, started_at=started_at)
    when = started_at
    for item, path in zip(quiz.items.order_by("position").select_related("case"), paths, strict=True):
        if path is None:
            open_attempt = Attempt.objects.create(case=item.case, user=user)
            QuizAttemptCase.objects.create(quiz_attempt=qa, attempt=open_attempt, case=item.case)
            Attempt.objects.filter(pk=open_attempt.pk).update(started_at=started_at)  # auto_now_add otherwise
            continue
        when = when + timedelta(minutes=minutes_per_case)
        make_graded_attempt(
            case=item.case,
            user=user,
            steps=path[0],
            diagnosis=path[1],
            quiz_attempt=qa,
            started_at=started_at,
            submitted_at=when,
        )
    if finished:
        qa.finished_at = when
        qa.finish_reason = QuizAttempt.FinishReason.COMPLETED
        qa.save(update_fields=["finished_at", "finish_reason"])
    return qa


def import_schema2_case(directory: Path) -> Case:
    """The case-file tests' schema-2 case (``casefile_factories.schema2_document``), imported:
    a repeat count whose second order is essential and must follow withholding the drug (an
    action, weight 2), an any-of group, a never choice (continuing the drug; never total 10),
    a harmful marrow biopsy and grade bands A 85, B 75. Its catalogue comes with it."""
    casefile_factories.make_catalogue()
    path = casefile_factories.write_case_file(directory, "schema2.yaml", casefile_factories.schema2_document())
    assert case_files_import(paths=[path]).ok
    return Case.objects.get(slug=casefile_factories.CASE_DOCUMENT["slug"])


def current_report(attempt: Attempt) -> GradedReport:
    return GradedReport.objects.get(attempt=attempt, superseded_at__isnull=True)
