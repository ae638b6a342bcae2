"""Small ``make_*`` factories for taxonomy content. Every argument is optional.

The other apps' factories build their catalogues with these; users are ``tests.accounts.factories``,
cases ``tests.cases.factories``.
"""

import itertools

from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_group(*, name=None, slug=None, description="", position=0):
    n = _n()
    return CauseGroup.objects.create(
        name=name or f"Group {n}", slug=slug or f"group-{n}", description=description, position=position
    )


def make_mechanism(*, name=None, slug=None, description="", position=0):
    n = _n()
    return Mechanism.objects.create(
        name=name or f"Mechanism {n}", slug=slug or f"mechanism-{n}", description=description, position=position
    )


def make_reference(*, key=None, number=None, kind=Reference.Kind.RESEARCH, title=None, source="Test Journal", **extra):
    n = _n()
    return Reference.objects.create(
        key=key or f"ref-key-{n}",
        number=number or 100 + n,
        kind=kind,
        title=title or f"Reference title {n}",
        source=source,
        **extra,
    )


def make_cause(
    *,
    name=None,
    slug=None,
    group=None,
    summary=None,
    body="",
    mechanisms=(),
    status=ReviewStatus.APPROVED,
    author=None,
    **extra,
):
    n = _n()
    cause = Cause.objects.create(
        name=name or f"Cause {n}",
        slug=slug or f"cause-{n}",
        group=group or make_group(),
        summary=summary if summary is not None else f"Summary of cause {n}.",
        body=body,
        review_status=status,
        author=author,
        **extra,
    )
    if mechanisms:
        cause.mechanisms.set(mechanisms)
    return cause


def make_topic(*, title=None, slug=None, summary=None, body="", status=ReviewStatus.APPROVED, author=None):
    n = _n()
    return Topic.objects.create(
        title=title or f"Topic {n}",
        slug=slug or f"topic-{n}",
        summary=summary if summary is not None else f"Summary of topic {n}.",
        body=body,
        review_status=status,
        author=author,
    )


def make_fact(
    *,
    cause=None,
    topic=None,
    key=None,
    text=None,
    references=(),
    verification=Fact.Verification.AS_STATED,
    editorial_note="",
    is_key=True,
    position=0,
):
    n = _n()
    if cause is None and topic is None:
        cause = make_cause()
    fact = Fact.objects.create(
        key=key or f"fact-{n}",
        text=text or f"Fact number {n}.",
        cause=cause,
        topic=topic,
        verification=verification,
        editorial_note=editorial_note,
        is_key=is_key,
        position=position,
    )
    if references:
        fact.references.set(references)
    return fact


def make_step(
    *,
    name=None,
    slug=None,
    kind=None,
    category=None,
    what_it_shows=None,
    when_indicated=None,
    default_result="No abnormality found.",
    standard_practice=False,
    references=(),
    position=0,
):
    n = _n()
    if kind is None:  # the kind the category belongs to (a check constraint pairs them)
        kind = WorkupStep.CATEGORY_KINDS[category] if category else WorkupStep.Kind.INVESTIGATION
    if category is None:
        category = (
            WorkupStep.Category.BLOOD_COUNT if kind == WorkupStep.Kind.INVESTIGATION else WorkupStep.Category.TREATMENT
        )
    step = WorkupStep.objects.create(
        name=name or f"Step {n}",
        slug=slug or f"step-{n}",
        kind=kind,
        category=category,
        what_it_shows=what_it_shows or f"What step {n} shows.",
        when_indicated=when_indicated or f"When step {n} is indicated.",
        default_result=default_result,
        standard_practice=standard_practice,
        position=position,
    )
    if references:
        step.references.set(references)
    return step
