"""Site search over causes, facts and workup steps (published content only).

PostgreSQL gets real full-text search (English stemming, ranked, websearch
syntax: quoted phrases, ``or``, ``-word``). Other databases (SQLite in
development and the default test run) fall back to case-insensitive
substring matching of every word over the same fields.
"""

import string
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django import forms
from django.db import connection
from django.db.models import Q, QuerySet

from leucocases.editorial.models import ReviewStatus

from .models import Cause, Fact, WorkupStep

MAX_QUERY_LENGTH = 200
RESULTS_PER_KIND = 50

# (model field, weight) — the first field of each kind matters most.
CAUSE_FIELDS = (("name", "A"), ("summary", "B"), ("body", "C"))
FACT_FIELDS = (("text", "A"),)
STEP_FIELDS = (("name", "A"), ("what_it_shows", "B"), ("when_indicated", "C"))


@dataclass(frozen=True)
class SearchResults:
    query: str
    causes: list[Cause] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    steps: list[WorkupStep] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.causes) + len(self.facts) + len(self.steps)


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


def _full_text(queryset: QuerySet, fields, query: str) -> QuerySet:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = reduce(
        lambda a, b: a + b,
        (SearchVector(name, weight=weight, config="english") for name, weight in fields),
    )
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return (
        queryset.annotate(search_document=vector, rank=SearchRank(vector, search_query))
        .filter(search_document=search_query)
        .order_by("-rank", "pk")
    )


def _substring(queryset: QuerySet, fields, query: str) -> QuerySet:
    # Trim punctuation around words ("smear," or a quoted phrase) so they still match.
    words = [word.strip(string.punctuation) for word in query.split()]
    words = [word for word in words if word]
    if not words:
        return queryset.none()
    conditions = [reduce(or_, (Q(**{f"{name}__icontains": word}) for name, _ in fields)) for word in words]
    return queryset.filter(reduce(and_, conditions)).order_by("pk")


def search_content(*, query: str) -> SearchResults:
    """Published causes, facts and workup steps matching ``query``, best first."""
    query = query.strip()
    if not query:
        return SearchResults(query=query)
    match = _full_text if uses_full_text_search() else _substring
    approved = ReviewStatus.APPROVED
    causes = match(Cause.objects.published().select_related("group"), CAUSE_FIELDS, query)
    facts = match(
        Fact.objects.filter(Q(cause__review_status=approved) | Q(topic__review_status=approved)).select_related(
            "cause", "topic"
        ),
        FACT_FIELDS,
        query,
    )
    steps = match(WorkupStep.objects.all(), STEP_FIELDS, query)
    return SearchResults(
        query=query,
        causes=list(causes[:RESULTS_PER_KIND]),
        facts=list(facts[:RESULTS_PER_KIND]),
        steps=list(steps[:RESULTS_PER_KIND]),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search causes, facts and workup steps",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": f"That search is too long: keep it under {MAX_QUERY_LENGTH} characters "
            "(a few words work best)."
        },
    )
