"""Small ``make_*`` factories for taxonomy content. Every argument is optional.

The other apps' factories build their catalogues with these; users are ``tests.accounts.factories``,
cases ``tests.cases.factories``. Also: ``synonyms`` (a synonym group, as the admin writes one),
``answer_keys`` (the fact keys search answers a question with) and ``cause_change_form`` (the
cause's admin change form as an editor posts it).
"""

import itertools

from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep
from leucocases.taxonomy.search.answer import ask
from leucocases.taxonomy.search.index import search_index_touch
from leucocases.taxonomy.search.models import Synonym, SynonymGroup

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


def synonyms(name, *phrases):
    """A synonym group written as the admin and load_synonyms write one: then the index version is renewed."""
    group = SynonymGroup.objects.create(name=name)
    Synonym.objects.bulk_create([Synonym(group=group, phrase=p) for p in phrases])
    search_index_touch()
    return group


def answer_keys(q):
    """The keys of the facts search answers ``q`` with, best first."""
    return [item.fact.key for item in ask(q).facts]


def cause_change_form(cause, fact, *, references, **fields):
    """The POST of ``cause``'s admin change form with its one ``fact`` inline, both as stored (the body
    empty), citing ``references``; ``fields`` (name -> value) replace the cause's. Add
    ``{"facts-0-DELETE": "on"}`` to delete the fact."""
    data = {
        "name": cause.name,
        "slug": cause.slug,
        "group": cause.group_id,
        "position": 0,
        "summary": cause.summary,
        "body": "",
        "facts-TOTAL_FORMS": "1",
        "facts-INITIAL_FORMS": "1",
        "facts-MIN_NUM_FORMS": "0",
        "facts-MAX_NUM_FORMS": "1000",
        "facts-0-id": fact.pk,
        "facts-0-cause": cause.pk,
        "facts-0-key": fact.key,
        "facts-0-position": 0,
        "facts-0-is_key": "on",
        "facts-0-text": fact.text,
        "facts-0-references": [reference.pk for reference in references],
        "facts-0-verification": "as_stated",
        "facts-0-editorial_note": "",
    }
    return data | fields
