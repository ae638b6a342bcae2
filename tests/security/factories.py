"""Small ``make_*`` factories for the security, concurrency and backup tests.

``make_site`` builds one of everything a page shows: a cause group,
mechanism, cause, topic, reference, cited facts, three workup steps (the third keyed by no case) and a
playable case with labs, findings (one with a table and a time series), an
order rule and a diagnosis option. Every free-text field gets
``text(field_name)``, so the XSS tests can put a payload in each field and
prove where it is shown.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model

from leucocases.cases import services
from leucocases.cases.models import Attempt, Case, DiagnosisOption, Finding, InitialLab, OrderRule, Tier
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep

PASSWORD = "security-tests-passphrase-9d2f"
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def plain(field: str) -> str:
    return f"Plain text for {field}."


def _name(text: Callable[[str], str], field: str, suffix: str, max_length: int) -> str:
    """A unique name of at most ``max_length`` characters."""
    tail = f" {suffix}"
    return text(field)[: max_length - len(tail)] + tail


def make_learner(*, username: str | None = None, password: str | None = PASSWORD, **extra):
    n = _n()
    return get_user_model().objects.create_user(
        username=username or f"sec-learner-{n}", email=f"sec{n}@example.org", password=password, **extra
    )


@dataclass
class Site:
    group: CauseGroup
    mechanism: Mechanism
    cause: Cause
    topic: Topic
    reference: Reference
    steps: list[WorkupStep]
    case: Case


def make_site(*, text: Callable[[str], str] = plain, slug_suffix: str | None = None) -> Site:
    """One of every row a page shows, every free-text field filled by ``text``."""
    suffix = slug_suffix or str(_n())
    approved = ReviewStatus.APPROVED
    group = CauseGroup.objects.create(
        name=_name(text, "CauseGroup.name", suffix, 120),
        slug=f"group-{suffix}",
        description=text("CauseGroup.description"),
    )
    mechanism = Mechanism.objects.create(
        name=_name(text, "Mechanism.name", suffix, 120),
        slug=f"mechanism-{suffix}",
        description=text("Mechanism.description"),
    )
    reference = Reference.objects.create(
        key=f"ref-{suffix}",
        number=500 + _n(),
        kind=Reference.Kind.GUIDELINE,
        title=text("Reference.title")[:300],
        source=text("Reference.source")[:300],
        year=2020,
        note=text("Reference.note"),
    )
    cause = Cause.objects.create(
        name=_name(text, "Cause.name", suffix, 160),
        slug=f"cause-{suffix}",
        group=group,
        summary=text("Cause.summary"),
        body=text("Cause.body"),
        review_status=approved,
    )
    cause.mechanisms.add(mechanism)
    topic = Topic.objects.create(
        title=_name(text, "Topic.title", suffix, 160),
        slug=f"topic-{suffix}",
        summary=text("Topic.summary"),
        body=text("Topic.body"),
        review_status=approved,
    )
    for owner in ({"cause": cause}, {"topic": topic}):
        fact = Fact.objects.create(
            key=f"fact-{_n()}",
            text=text("Fact.text"),
            verification=Fact.Verification.DISPUTED,
            editorial_note=text("Fact.editorial_note"),
            **owner,
        )
        fact.references.add(reference)
    steps = []
    # The third step is keyed by no case: ordering it shows its default result.
    categories = (WorkupStep.Category.BLOOD_COUNT, WorkupStep.Category.MARROW, WorkupStep.Category.BLOOD_COUNT)
    for position, category in enumerate(categories):
        step = WorkupStep.objects.create(
            name=_name(text, "WorkupStep.name", f"{suffix}-{position}", 160),
            slug=f"step-{suffix}-{position}",
            category=category,
            what_it_shows=text("WorkupStep.what_it_shows"),
            when_indicated=text("WorkupStep.when_indicated"),
            default_result=text("WorkupStep.default_result"),
            position=position,
        )
        step.references.add(reference)
        steps.append(step)
    case = Case.objects.create(
        title=_name(text, "Case.title", suffix, 200),
        slug=f"case-{suffix}",
        presentation=text("Case.presentation"),
        learning_objectives=text("Case.learning_objectives"),
        review_status=approved,
        is_practice=True,
    )
    case.groups.add(group)
    InitialLab.objects.create(
        case=case,
        position=1,
        name=text("InitialLab.name")[:120],
        value=text("InitialLab.value")[:40],
        unit=text("InitialLab.unit")[:40],
        reference_range=text("InitialLab.reference_range")[:60],
        flag="low",
    )
    essential = Finding.objects.create(
        case=case,
        step=steps[0],
        tier=Tier.ESSENTIAL,
        result=text("Finding.result"),
        rationale=text("Finding.rationale"),
        expert_position=1,
        table=[
            {
                "label": text("Finding.table.label"),
                "value": text("Finding.table.value"),
                "unit": text("Finding.table.unit"),
                "range": text("Finding.table.range"),
            }
        ],
        series={
            "label": text("Finding.series.label"),
            "unit": text("Finding.series.unit"),
            "low": 4.0,
            "high": 11.0,
            "points": [{"when": text("Finding.series.when"), "value": 6.2}, {"when": "Now", "value": 2.1}],
        },
    )
    essential.references.add(reference)
    harmful = Finding.objects.create(
        case=case, step=steps[1], tier=Tier.HARMFUL, result=text("Finding.result"), rationale=text("Finding.rationale")
    )
    harmful.references.add(reference)
    rule = OrderRule.objects.create(case=case, before=steps[0], after=steps[1], rationale=text("OrderRule.rationale"))
    rule.references.add(reference)
    option = DiagnosisOption.objects.create(
        case=case, cause=cause, credit=Decimal("1"), rationale=text("DiagnosisOption.rationale")
    )
    option.references.add(reference)
    return Site(group=group, mechanism=mechanism, cause=cause, topic=topic, reference=reference, steps=steps, case=case)


def make_quiz(*, site: Site, text: Callable[[str], str] = plain, learner=None):
    """A published quiz of the site's case; with ``learner``, also their quiz attempt (started).

    Returns (quiz, quiz_attempt or None).
    """
    from leucocases.quizzes import services as quiz_services
    from leucocases.quizzes.models import Quiz, QuizItem

    n = _n()
    quiz = Quiz.objects.create(
        title=_name(text, "Quiz.title", str(n), 200),
        slug=f"quiz-{n}",
        description=text("Quiz.description"),
        review_status=ReviewStatus.APPROVED,
    )
    QuizItem.objects.create(quiz=quiz, case=site.case, position=1)
    attempt = None
    if learner is not None:
        attempt = quiz_services.quiz_attempt_start_or_resume(quiz=quiz, user=learner)
    return quiz, attempt


def make_attempt(
    *,
    case: Case,
    user=None,
    session_key: str = "",
    steps: list[WorkupStep] = (),
    submit: bool = False,
    diagnosis: Cause | None = None,
) -> Attempt:
    """An attempt with ``steps`` chosen in order through the real services, submitted if asked."""
    attempt = Attempt.objects.create(case=case, user=user, session_key=session_key)
    for step in steps:
        services.attempt_choose_step(attempt=attempt, step=step)
    if submit:
        services.attempt_submit(attempt=attempt, diagnosis=diagnosis)
    return attempt
