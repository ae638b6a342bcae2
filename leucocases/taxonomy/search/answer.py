"""Answering a question: rank the candidates, decide whether the site covers it, and gather the page.

Ranking is BM25F over each entry's fields (title, context, section, body),
computed here in the same way on both databases from the candidates the
database found (``engines.retrieve``), with the index-wide average field
lengths of the snapshot: the databases' own scores only break ties. Next to
the score, each entry gets its *coverage*: the share of the question's
meaning (concepts weighted by IDF) it contains, and a fact on a page or in a
group the question names ranks higher (``PAGE_WEIGHT``).

The refusal: a fact answers only if it covers more than ``ANSWER_COVERAGE`` of
the question, and, when the question has specific words (neither generic, as
"deficiency" or "causes" are, nor said everywhere on the site, as
"leucopenia" is), it holds at least one of them (``answers``). "capital of
France" shares no word with the content; "dose of paracetamol in pregnancy"
shares "dose", a generic word; "b12 deficiency and low white count" without
the vocabulary would share only "deficiency" and "low white count" with the
fact about TPMT deficiency: all get the plain "not covered" reply and the
closest causes, never the nearest fact presented as an answer. So does a
question about a raised count ("what causes a high white count"), with its
own explanation.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import engines
from .highlight import highlight, plain_text
from .models import SearchEntry
from .question import Concept, Question, read_question
from .snapshot import Snapshot, current_snapshot
from .sources import source_for

Kind = SearchEntry.Kind

#: Candidates each kind brings from the database before ranking here.
CANDIDATES = {Kind.FACT: 20, Kind.CAUSE: 10, Kind.TOPIC: 6, Kind.STEP: 8, Kind.CASE: 6}
#: The most entries a concept may hold and still pick candidates by itself: the database ranks at most
#: about this many rows per concept, however large the content grows.
CANDIDATE_BUDGET = 600
#: Share of the question's (IDF-weighted) meaning a fact must hold, more than, to answer it: matching one of
#: two equally weighty words is not enough.
ANSWER_COVERAGE = 0.5
#: Share of the question's specific words (weighted) a fact must hold to answer it: of "sepsis … mortality", a
#: fact giving the mortality of graft failure holds the lesser half and does not answer.
SPECIFIC_COVERAGE = 0.5
#: How much a specific word no fact uses counts in that share, next to a known one ("husband", "infliximab").
UNKNOWN_SPECIFIC_SHARE = 0.5
#: Further answers must score at least this share of the best one.
FOLLOWING_ANSWER_SCORE = 0.6
MAX_ANSWERS = 3
#: Related pages need less: they are offered, not presented as the answer.
RELATED_COVERAGE = 0.4
LIMITS = {Kind.CAUSE: 5, Kind.STEP: 4, Kind.TOPIC: 3, Kind.CASE: 3}

# BM25F: field weights and length normalisation.
FIELD_WEIGHTS = {"title": 1.0, "context": 1.0, "section": 0.5, "body": 0.35}
K1 = 1.2
B = 0.75
#: How much an entry found only through a related word scores (a class: "checkpoint inhibitor" for "Keytruda",
#: "viral" for "CMV"; or a member: "azathioprine" for "immunosuppressants"), next to one holding the question's
#: own words: the fact naming CMV ranks above the one about viruses in general.
RELATED_WEIGHT = 0.3
#: How much more an entry counts when its page or section holds the question's words (IDF-weighted share):
#: a fact on the page the question names ("chemotherapy", "autoimmune disorders", "what causes
#: leucopenia") answers it before a fact elsewhere that mentions the same words in passing.
PAGE_WEIGHT = 0.5
_PAGE_FIELDS = ("context", "section")
#: Where a word naming a class the question's words belong to counts: the page an entry sits on (a fact's cause
#: or topic), not its text (in passing) nor its group (which names siblings too).
_CLASS_FIELD = "context"


@dataclass(frozen=True)
class Ranked:
    kind: str
    object_id: int
    score: float
    coverage: float
    engine_score: float
    matched_terms: frozenset[str]
    specific: float = 0.0  # the share of the question's specific words it holds (``specific_weights``)
    telling: bool = False  # holds a word of the question that is not generic


class _Field:
    """One field's analysed terms, counted once, with what phrase lookups need."""

    __slots__ = ("counts", "length", "spaced")

    def __init__(self, text: str):
        terms = text.split()
        self.length = len(terms)
        self.counts: dict[str, int] = {}
        for value in terms:
            self.counts[value] = self.counts.get(value, 0) + 1
        self.spaced = f" {text} "

    def occurrences(self, alternative: tuple[str, ...]) -> int:
        first = self.counts.get(alternative[0], 0)
        if not first or len(alternative) == 1:
            return first
        if any(value not in self.counts for value in alternative[1:]):
            return 0
        return self.spaced.count(" " + " ".join(alternative) + " ")


def rank(question: Question, hits: Sequence[engines.Hit], snapshot: Snapshot) -> list[Ranked]:
    """Every hit scored by BM25F (averages over the whole index), coverage and page match, best first."""
    concepts = [c for c in question.concepts if c.searchable]
    # A generic word counts in the question's meaning only where an entry holds it: "first" in "first step in
    # the workup" does not make a fact about the workup answer less of the question.
    meaning = sum(c.coverage_weight for c in question.concepts if not c.generic)
    specific_weight = specific_weights(question)
    specific_total = sum(specific_weight.values()) or 1.0
    ranked = []
    for hit in hits:
        fields = {name: _Field(getattr(hit, name)) for name in FIELD_WEIGHTS}
        average = snapshot.average(hit.kind)
        score = coverage = page = generic = 0.0
        matched: set[str] = set()
        specific, telling = 0.0, False
        for concept in concepts:
            found = _weighted_frequency(concept, fields, average, matched)
            if found.tf:
                # Only a related word found (the class "checkpoint inhibitor" for "Keytruda"): it answers, but
                # an entry naming the thing itself ranks first.
                share = 1.0 if found.own else RELATED_WEIGHT
                score += share * concept.weight * concept.idf * found.tf * (K1 + 1) / (K1 + found.tf)
                coverage += concept.weight * concept.coverage_weight
                generic += concept.coverage_weight if concept.generic else 0.0
                specific += specific_weight.get(id(concept), 0.0)
                telling = telling or not concept.generic
                if found.page:
                    page += share * concept.weight * concept.coverage_weight
        total_weight = (meaning + generic) or 1.0
        coverage /= total_weight
        # Lucene's coordination factor: an entry holding more of the question ranks above one that
        # repeats a part of it.
        score *= coverage * (1 + PAGE_WEIGHT * page / total_weight)
        matched_terms = frozenset(matched)
        ranked.append(
            Ranked(
                hit.kind,
                hit.object_id,
                score,
                coverage,
                hit.engine_score,
                matched_terms,
                specific / specific_total,
                telling,
            )
        )
    ranked.sort(key=lambda r: (-r.score, -r.engine_score, r.object_id))
    return ranked


@dataclass(frozen=True)
class _Found:
    tf: float  # BM25F's weighted term frequency
    own: bool  # found as typed or in words meaning the same, not only through a related word
    page: bool  # on the page or in the section (context fields)


def _weighted_frequency(
    concept: Concept, fields: dict[str, _Field], average: dict[str, float], matched: set[str]
) -> _Found:
    tf, own, on_page = 0.0, False, False
    for name, weight in FIELD_WEIGHTS.items():
        values = fields[name]
        found = 0
        for alternative in concept.searchable:
            if name != _CLASS_FIELD and alternative in concept.broader:
                continue
            n = values.occurrences(alternative)
            if n and alternative in concept.inside:
                n -= sum(values.occurrences(sibling) for sibling in concept.inside[alternative])
            if n > 0:
                found += n
                own = own or alternative not in concept.related
                matched.update(alternative)
        if found:
            tf += weight * found / (1 - B + B * values.length / average.get(name, 1.0))
            on_page = on_page or name in _PAGE_FIELDS
    return _Found(tf, own, on_page)


@dataclass(frozen=True)
class AnswerFact:
    fact: Any  # a Fact with references, cause and topic loaded
    matched_terms: frozenset[str]
    coverage: float

    @property
    def owner(self):
        return self.fact.cause or self.fact.topic

    @property
    def highlighted(self):
        return highlight(plain_text(self.fact.text), self.matched_terms)


@dataclass
class Answer:
    query: str
    question: Question
    facts: list[AnswerFact] = field(default_factory=list)
    causes: list[Any] = field(default_factory=list)
    steps: list[Any] = field(default_factory=list)
    topics: list[Any] = field(default_factory=list)
    cases: list[Any] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return bool(self.facts)

    @property
    def has_related(self) -> bool:
        return bool(self.causes or self.steps or self.topics or self.cases)


def ask(query: str) -> Answer:
    """The answer page for ``query``: a fixed number of queries, whatever the size of the content."""
    question, ranked = _ranked(query)
    answer = Answer(query=query, question=question)
    if not ranked:
        return answer
    by_kind: dict[str, list[Ranked]] = defaultdict(list)
    for item in ranked:
        by_kind[item.kind].append(item)

    facts = _visible(Kind.FACT, by_kind[Kind.FACT], limit=MAX_ANSWERS * 2)
    answering = [(item, fact) for item, fact in facts if answers(question, item)]
    if answering:
        best = answering[0][0]
        for item, fact in answering:
            if len(answer.facts) == MAX_ANSWERS:
                break
            if item.score >= FOLLOWING_ANSWER_SCORE * best.score:
                answer.facts.append(AnswerFact(fact=fact, matched_terms=item.matched_terms, coverage=item.coverage))
    if answer.answered:
        _gather_related(answer, by_kind)
    else:
        # Not covered: offer the causes closest to the question, however partial: the pages of the
        # facts that came nearest, then causes matching in their own words.
        owners = [fact.cause for _, fact in facts if fact.cause_id]
        matching = [obj for _, obj in _visible(Kind.CAUSE, by_kind[Kind.CAUSE], limit=LIMITS[Kind.CAUSE])]
        answer.causes = _unique(owners + matching)[: LIMITS[Kind.CAUSE]]
    return answer


def specific_weights(question: Question) -> dict[int, float]:
    """The weight of each specific concept (by id) in deciding whether a fact answers: a word neither the content
    nor the vocabulary knows counts ``UNKNOWN_SPECIFIC_SHARE`` of its weight here, as it may be a turn of phrase
    rather than the subject ("husband"); a name the vocabulary knows counts in full."""
    return {
        id(c): c.coverage_weight * (1.0 if c.known else UNKNOWN_SPECIFIC_SHARE) for c in question.concepts if c.specific
    }


def answers(question: Question, item: Ranked) -> bool:
    """Whether a ranked fact answers the question: it holds more than ``ANSWER_COVERAGE`` of its meaning, more
    than generic words ("what is a normal white count" is not answered by "a normal TPMT test"), and, when the
    question has specific words, at least ``SPECIFIC_COVERAGE`` of them; and the question does not ask about
    something else's treatment, diagnosis or dose (``Question.asks_about_something_else``)."""
    if question.asks_about_something_else or not item.telling or item.coverage <= ANSWER_COVERAGE:
        return False
    return item.specific >= SPECIFIC_COVERAGE or not question.specific


def _ranked(query: str) -> tuple[Question, list[Ranked]]:
    """The question read, and its candidates ranked (none for an empty question or a raised count)."""
    snapshot = current_snapshot()
    question = read_question(query, snapshot)
    if not question.concepts or question.raised_count:
        return question, []
    hits = engines.retrieve(question.retrieval(CANDIDATES, budget=CANDIDATE_BUDGET))
    return question, rank(question, hits, snapshot)


def _visible(kind: str, items: list[Ranked], *, limit: int, min_coverage: float = 0.0) -> list[tuple[Ranked, Any]]:
    """The first ``limit`` items readers may see, with their objects (one query for the kind)."""
    items = [item for item in items if item.coverage >= min_coverage][: limit * 2]
    if not items:
        return []
    try:
        objects = source_for(kind).visible([item.object_id for item in items])
    except KeyError:  # a kind whose app is not installed
        return []
    return [(item, objects[item.object_id]) for item in items if item.object_id in objects][:limit]


def _gather_related(answer: Answer, by_kind: dict[str, list[Ranked]]) -> None:
    owners = [a.fact.cause for a in answer.facts if a.fact.cause_id]
    causes = owners + [
        obj
        for _, obj in _visible(Kind.CAUSE, by_kind[Kind.CAUSE], limit=LIMITS[Kind.CAUSE], min_coverage=RELATED_COVERAGE)
    ]
    answer.causes = _unique(causes)[: LIMITS[Kind.CAUSE]]
    topics = [a.fact.topic for a in answer.facts if a.fact.topic_id] + [
        obj
        for _, obj in _visible(Kind.TOPIC, by_kind[Kind.TOPIC], limit=LIMITS[Kind.TOPIC], min_coverage=RELATED_COVERAGE)
    ]
    answer.topics = _unique(topics)[: LIMITS[Kind.TOPIC]]
    for kind, name in ((Kind.STEP, "steps"), (Kind.CASE, "cases")):
        found = _visible(kind, by_kind[kind], limit=LIMITS[kind], min_coverage=RELATED_COVERAGE)
        setattr(answer, name, [obj for _, obj in found])


def _unique(objects: list) -> list:
    seen, out = set(), []
    for obj in objects:
        if obj.pk not in seen:
            seen.add(obj.pk)
            out.append(obj)
    return out


def ranked_facts(query: str, *, depth: int = 10) -> list[str]:
    """The keys of the visible facts in ranked order, as the answer would take them; empty when refused.

    For the evaluation (``benchmarks/search_quality.py``): the reciprocal rank
    needs the order past the three answers shown.
    """
    question, ranked = _ranked(query)
    facts = _visible(Kind.FACT, [r for r in ranked if r.kind == Kind.FACT], limit=depth)
    answering = [fact.key for item, fact in facts if answers(question, item)]
    if not answering:
        return []
    return answering + [fact.key for _, fact in facts if fact.key not in answering]
