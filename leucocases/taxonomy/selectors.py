"""Querysets and page data for the reader's pages.

Each page function fetches everything its template shows in a fixed number of
queries (``select_related`` / ``prefetch_related``), however much content
there is: the query-count tests hold it to that.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from leucocases.editorial.models import ReviewStatus

from .models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep


def is_staff(user) -> bool:
    return user is not None and user.is_authenticated and user.is_staff


def visible_facts(user) -> "Q":
    """Facts are as public as the page they belong to."""
    if is_staff(user):
        return Q()
    approved = ReviewStatus.APPROVED
    return Q(cause__review_status=approved) | Q(topic__review_status=approved)


# Citations ------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    number: int
    reference: Reference


@dataclass(frozen=True)
class CitedFact:
    fact: Fact
    citations: tuple[Citation, ...]


def cite_facts(facts: Iterable[Fact]) -> tuple[list[CitedFact], list[Citation]]:
    """Number each fact's references by the order in which the page first cites them.

    ``facts`` must be in page order with ``references`` prefetched. Returns the
    facts with their numbered citations and the page's reference list.
    """
    numbers: dict[int, Citation] = {}
    cited: list[CitedFact] = []
    for fact in facts:
        citations = []
        for reference in fact.references.all():
            if reference.pk not in numbers:
                numbers[reference.pk] = Citation(number=len(numbers) + 1, reference=reference)
            citations.append(numbers[reference.pk])
        cited.append(CitedFact(fact=fact, citations=tuple(sorted(citations, key=lambda c: c.number))))
    return cited, list(numbers.values())


def disputed(facts: Iterable[CitedFact]) -> list[Fact]:
    return [c.fact for c in facts if c.fact.verification == Fact.Verification.DISPUTED]


def _page_facts() -> Prefetch:
    """A page's facts, key facts first, as ``page_facts`` (what ``FactsPage.split`` reads)."""
    facts = Fact.objects.with_references().order_by("-is_key", "position", "pk")
    return Prefetch("facts", queryset=facts, to_attr="page_facts")


@dataclass(frozen=True)
class FactsPage:
    """What a cause page and a topic page share: their facts, key facts apart, and the references they cite."""

    key_facts: list[CitedFact]
    other_facts: list[CitedFact]
    references: list[Citation]

    @property
    def disputed_facts(self) -> list[Fact]:
        return disputed([*self.key_facts, *self.other_facts])

    @staticmethod
    def split(page_facts: Iterable[Fact]) -> dict:
        """The three fields above, for the page's facts (``_page_facts``)."""
        cited, references = cite_facts(page_facts)
        return {
            "key_facts": [c for c in cited if c.fact.is_key],
            "other_facts": [c for c in cited if not c.fact.is_key],
            "references": references,
        }


# The cause index --------------------------------------------------------------


@dataclass(frozen=True)
class CauseIndex:
    groups: list[CauseGroup]  # each with .visible_causes
    mechanisms: list[Mechanism]
    topics: list[Topic]
    active_mechanism: Mechanism | None
    unknown_mechanism: str = ""
    shows_drafts: bool = False
    cause_count: int = 0


def cause_index(*, user, mechanism_slug: str = "") -> CauseIndex:
    """Every cause group with its visible causes (and their mechanisms), optionally filtered."""
    mechanisms = list(Mechanism.objects.all())
    active = next((m for m in mechanisms if m.slug == mechanism_slug), None) if mechanism_slug else None
    causes = Cause.objects.visible_to(user).prefetch_related("mechanisms")
    if active is not None:
        causes = causes.filter(mechanisms=active)
    groups = list(CauseGroup.objects.prefetch_related(Prefetch("causes", queryset=causes, to_attr="visible_causes")))
    return CauseIndex(
        groups=groups,
        mechanisms=mechanisms,
        topics=list(Topic.objects.visible_to(user)),
        active_mechanism=active,
        unknown_mechanism=mechanism_slug if mechanism_slug and active is None else "",
        shows_drafts=is_staff(user),
        cause_count=sum(len(g.visible_causes) for g in groups),
    )


# A cause page -------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderCase:
    """A case the reader has already submitted whose answer is the cause: its title and their report."""

    title: str
    report_url: str
    submitted_at: datetime


#: ``(cause=, user=, session_key=) -> list[ReaderCase]``, supplied by the cases app.
ReaderCasesLookup = Callable[..., list[ReaderCase]]
_reader_cases_lookup: list[ReaderCasesLookup] = []


def provide_reader_cases(lookup: ReaderCasesLookup) -> None:
    """Taxonomy sits below cases and never imports it (DESIGN §4): the cases app
    hands in, from ``CasesConfig.ready``, how to find a reader's own cases."""
    _reader_cases_lookup[:] = [lookup]


def reader_cases_for(*, cause: Cause, user, session_key: str | None) -> list[ReaderCase]:
    """The reader's own submitted cases whose answer is ``cause``, and only those.

    A cause page never lists the cases that teach it to someone who has not
    solved them: that would give each case's answer away before it is worked.
    A visitor with no session has no cases, so their page, the same for all
    of them, can be cached; per-reader pages never are (views.cause_detail).
    """
    if not _reader_cases_lookup or not ((user is not None and user.is_authenticated) or session_key):
        return []
    return _reader_cases_lookup[0](cause=cause, user=user, session_key=session_key)


@dataclass(frozen=True)
class CausePage(FactsPage):
    cause: Cause
    related_causes: list[Cause]


def cause_page(*, slug: str, user) -> CausePage:
    """The cause (404 unless visible to ``user``) and everything its page shows but
    the reader's own solved cases (``reader_cases_for``): the same for every reader
    who is not staff, so it is kept per worker (``cause_article``)."""
    queryset = (
        Cause.objects.visible_to(user)
        .select_related("group")
        .prefetch_related(
            "mechanisms",
            Prefetch("related", queryset=Cause.objects.visible_to(user).order_by("name"), to_attr="visible_related"),
            _page_facts(),
        )
    )
    cause = get_object_or_404(queryset, slug=slug)
    return CausePage(cause=cause, related_causes=cause.visible_related, **FactsPage.split(cause.page_facts))


# A topic page -------------------------------------------------------------------


@dataclass(frozen=True)
class TopicPage(FactsPage):
    topic: Topic


def topic_page(*, slug: str, user) -> TopicPage:
    topic = get_object_or_404(Topic.objects.visible_to(user).prefetch_related(_page_facts()), slug=slug)
    return TopicPage(topic=topic, **FactsPage.split(topic.page_facts))


# References ---------------------------------------------------------------------


def references_with_citers(*, user) -> list[Reference]:
    """Every reference with the facts (``citing_facts``) and workup steps that cite it."""
    facts = Fact.objects.filter(visible_facts(user)).select_related("cause", "topic").order_by("pk")
    return list(
        Reference.objects.order_by("number").prefetch_related(
            Prefetch("facts", queryset=facts, to_attr="citing_facts"),
            Prefetch("workup_steps", queryset=WorkupStep.objects.order_by("position", "name"), to_attr="citing_steps"),
        )
    )


# The catalogue: investigations and management actions ---------------------------

# Headings for a kind's section of the catalogue; a kind added later without one
# is headed by its label.
KIND_HEADINGS = {WorkupStep.Kind.INVESTIGATION: "Investigations", WorkupStep.Kind.ACTION: "Management actions"}
# What ``what_it_shows`` is called on an entry's page, by kind.
DESCRIPTION_HEADINGS = {WorkupStep.Kind.INVESTIGATION: "What it shows", WorkupStep.Kind.ACTION: "What it involves"}


@dataclass(frozen=True)
class StepCategory:
    value: str
    label: str
    steps: list[WorkupStep]


@dataclass(frozen=True)
class StepKind:
    value: str
    heading: str
    categories: list[StepCategory]

    @property
    def count(self) -> int:
        return sum(len(category.steps) for category in self.categories)


def workup_catalogue() -> list[StepKind]:
    """The catalogue in menu order: each kind, then each of its categories that has entries (one query)."""
    by_place: dict[tuple[str, str], list[WorkupStep]] = {}
    for step in WorkupStep.objects.order_by("position", "name"):
        by_place.setdefault((step.kind, step.category), []).append(step)
    kinds = []
    for kind, label in WorkupStep.Kind.choices:
        categories = [
            StepCategory(value=value, label=category_label, steps=by_place[(kind, value)])
            for value, category_label in WorkupStep.Category.choices
            if (kind, value) in by_place
        ]
        if categories:
            kinds.append(StepKind(value=kind, heading=KIND_HEADINGS.get(kind, label), categories=categories))
    return kinds


@dataclass(frozen=True)
class StepPage:
    step: WorkupStep
    references: list[Citation]
    description_heading: str


def workup_step_page(*, slug: str) -> StepPage:
    """An entry's reader page: what it shows or involves, when it is indicated, its citations.

    Never its default result: a reader who knows it could tell, in a case,
    an entry the case keys from one it does not.
    """
    step = get_object_or_404(
        WorkupStep.objects.prefetch_related(Prefetch("references", queryset=Reference.objects.order_by("number"))),
        slug=slug,
    )
    references = [Citation(number=n, reference=r) for n, r in enumerate(step.references.all(), start=1)]
    heading = DESCRIPTION_HEADINGS.get(step.kind, DESCRIPTION_HEADINGS[WorkupStep.Kind.INVESTIGATION])
    return StepPage(step=step, references=references, description_heading=heading)
