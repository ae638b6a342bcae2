"""The taxonomy's searchable kinds: facts, causes, topics and workup steps.

Only published pages (and the facts on them) are visible; the workup
catalogue is public. Facts come back with their references and owner, in
the shape ``selectors.cite_facts`` numbers.
"""

from collections.abc import Collection

from django.db.models import Prefetch, Q

from leucocases.editorial.models import ReviewStatus

from ..models import Cause, Fact, Reference, Topic, WorkupStep
from .models import SearchEntry
from .sources import Document, Source, register_source

Kind = SearchEntry.Kind


def _filter_ids(queryset, ids: Collection[int] | None):
    return queryset if ids is None else queryset.filter(pk__in=list(ids))


def _joined(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def fact_documents(ids):
    facts = _filter_ids(Fact.objects.select_related("cause__group", "topic").order_by(), ids)
    for fact in facts.iterator(chunk_size=2000):
        owner = fact.cause.name if fact.cause_id else fact.topic.title
        group = fact.cause.group.name if fact.cause_id else ""
        yield Document(Kind.FACT, fact.pk, title=fact.text, body=fact.editorial_note, context=owner, section=group)


def visible_facts(ids):
    """Only what the answer shows: the fact, its page's name and address, its references."""
    approved = ReviewStatus.APPROVED
    facts = (
        Fact.objects.filter(pk__in=list(ids))
        .filter(Q(cause__review_status=approved) | Q(topic__review_status=approved))
        .select_related("cause", "topic")
        .only(
            *("key", "text", "verification", "editorial_note", "cause", "topic"),
            *("cause__name", "cause__slug", "topic__title", "topic__slug"),
        )
        .order_by()
        .prefetch_related(Prefetch("references", queryset=Reference.objects.order_by("number")))
    )
    return {fact.pk: fact for fact in facts}


def cause_documents(ids):
    for cause in _filter_ids(Cause.objects.select_related("group").order_by(), ids).iterator(chunk_size=2000):
        yield Document(
            Kind.CAUSE, cause.pk, title=cause.name, body=_joined(cause.summary, cause.body), section=cause.group.name
        )


def visible_causes(ids):
    causes = Cause.objects.published().filter(pk__in=list(ids)).only("name", "slug", "summary").order_by()
    return {c.pk: c for c in causes}


def topic_documents(ids):
    for topic in _filter_ids(Topic.objects.order_by(), ids).iterator(chunk_size=2000):
        yield Document(Kind.TOPIC, topic.pk, title=topic.title, body=_joined(topic.summary, topic.body))


def visible_topics(ids):
    return {
        t.pk: t for t in Topic.objects.published().filter(pk__in=list(ids)).only("title", "slug", "summary").order_by()
    }


def step_documents(ids):
    for step in _filter_ids(WorkupStep.objects.order_by(), ids).iterator(chunk_size=2000):
        yield Document(Kind.STEP, step.pk, title=step.name, body=_joined(step.what_it_shows, step.when_indicated))


def visible_steps(ids):
    return {
        s.pk: s for s in WorkupStep.objects.filter(pk__in=list(ids)).only("name", "slug", "what_it_shows").order_by()
    }


def register_taxonomy_sources() -> None:
    register_source(Source(Kind.FACT, fact_documents, visible_facts))
    register_source(Source(Kind.CAUSE, cause_documents, visible_causes))
    register_source(Source(Kind.TOPIC, topic_documents, visible_topics))
    register_source(Source(Kind.STEP, step_documents, visible_steps))
