"""Answering a question: rank the candidates, decide whether the site covers it, and gather the page.

Ranking is BM25F over each entry's fields (title, then context, then body),
computed here in the same way on both databases from the candidates the
database found (``engines.retrieve``): the databases' own scores only break
ties. Next to the score, each entry gets its *coverage*: the share of the
question's meaning (concepts weighted by IDF) it contains.

The refusal: a fact answers only if it covers at least ``ANSWER_COVERAGE`` of
the question. "capital of France" shares no word with the content;
"dose of paracetamol in pregnancy" shares "dose", a small part of its
meaning: both get the plain "not covered" reply and the closest causes, never
the nearest fact presented as an answer.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import engines
from .highlight import highlight, plain_text
from .models import SearchEntry
from .question import Concept, Question, read_question
from .sources import source_for

Kind = SearchEntry.Kind

#: Candidates each kind brings from the database before ranking here.
CANDIDATES_PER_KIND = 25
#: Share of the question's (IDF-weighted) meaning a fact must hold, more than, to answer it: matching one of
#: two equally weighty words is not enough.
ANSWER_COVERAGE = 0.5
#: Further answers must score at least this share of the best one.
FOLLOWING_ANSWER_SCORE = 0.6
MAX_ANSWERS = 3
#: Related pages need less: they are offered, not presented as the answer.
RELATED_COVERAGE = 0.4
LIMITS = {Kind.CAUSE: 5, Kind.STEP: 4, Kind.TOPIC: 3, Kind.CASE: 3}

# BM25F: field weights and length normalisation.
FIELD_WEIGHTS = {"title": 1.0, "context": 1.0, "body": 0.35}
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Ranked:
    kind: str
    object_id: int
    score: float
    coverage: float
    engine_score: float
    matched_terms: frozenset[str]


def _occurrences(field: "_Field", alternative: tuple[str, ...]) -> int:
    if alternative[0] not in field.distinct:
        return 0
    if len(alternative) == 1:
        return field.terms.count(alternative[0])
    return field.spaced.count(" " + " ".join(alternative) + " ")


class _Field:
    """One field's terms, with what ``_occurrences`` looks them up by."""

    __slots__ = ("distinct", "spaced", "terms")

    def __init__(self, terms: list[str]):
        self.terms = terms
        self.distinct = frozenset(terms)
        self.spaced = " " + " ".join(terms) + " "


def rank(question: Question, hits: Sequence[engines.Hit]) -> list[Ranked]:
    """Every hit scored by BM25F and coverage, best first (per kind order is what matters)."""
    lengths: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    fields = [{name: _Field(values) for name, values in hit.field_terms().items()} for hit in hits]
    for hit, terms in zip(hits, fields, strict=True):
        counts[hit.kind] += 1
        for name, values in terms.items():
            lengths[hit.kind][name] += len(values.terms)
    total_weight = sum(c.coverage_weight for c in question.concepts) or 1.0
    ranked = []
    for hit, terms in zip(hits, fields, strict=True):
        average = {name: max(lengths[hit.kind][name] / counts[hit.kind], 1.0) for name in FIELD_WEIGHTS}
        score = coverage = 0.0
        matched: set[str] = set()
        for concept in question.concepts:
            tf = _weighted_frequency(concept, terms, average, matched)
            if tf:
                score += concept.weight * concept.idf * tf * (K1 + 1) / (K1 + tf)
                coverage += concept.weight * concept.coverage_weight
        coverage /= total_weight
        # Lucene's coordination factor: an entry holding more of the question ranks above one that
        # repeats a part of it.
        ranked.append(Ranked(hit.kind, hit.object_id, score * coverage, coverage, hit.engine_score, frozenset(matched)))
    ranked.sort(key=lambda r: (-r.score, -r.engine_score, r.object_id))
    return ranked


def _weighted_frequency(
    concept: Concept, terms: dict[str, "_Field"], average: dict[str, float], matched: set[str]
) -> float:
    tf = 0.0
    for name, weight in FIELD_WEIGHTS.items():
        values = terms[name]
        found = 0
        for alternative in concept.alternatives:
            n = _occurrences(values, alternative)
            if n:
                found += n
                matched.update(alternative)
        if found:
            tf += weight * found / (1 - B + B * len(values.terms) / average[name])
    return tf


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
    question = read_question(query)
    answer = Answer(query=query, question=question)
    if not question.concepts:
        return answer
    ranked = rank(question, engines.retrieve(question.retrieval_alternatives, per_kind=CANDIDATES_PER_KIND))
    by_kind: dict[str, list[Ranked]] = defaultdict(list)
    for item in ranked:
        by_kind[item.kind].append(item)

    facts = _visible(Kind.FACT, by_kind[Kind.FACT], limit=MAX_ANSWERS * 2)
    best = facts[0][0] if facts else None
    if best is not None and best.coverage > ANSWER_COVERAGE:
        for item, fact in facts:
            if len(answer.facts) == MAX_ANSWERS:
                break
            if item.coverage > ANSWER_COVERAGE and item.score >= FOLLOWING_ANSWER_SCORE * best.score:
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
    question = read_question(query)
    if not question.concepts:
        return []
    ranked = rank(question, engines.retrieve(question.retrieval_alternatives, per_kind=CANDIDATES_PER_KIND))
    facts = _visible(Kind.FACT, [r for r in ranked if r.kind == Kind.FACT], limit=depth)
    if not facts or facts[0][0].coverage <= ANSWER_COVERAGE:
        return []
    return [fact.key for _, fact in facts]
