"""A question read into concepts: its content words, their synonyms, and spelling corrections.

"what causes low white count" becomes two concepts: *causes* (the term
``caus``, a generic word) and *low white count*, a phrase of the synonym
table, which stands for every phrase of its group (leucopenia, low wbc, …).
A member of a class stands for itself and the class's words, which are
*related* alternatives ("Keytruda": pembrolizumab, and checkpoint inhibitor).
A word the index and the vocabulary have never seen is looked up by trigram
similarity ("azothioprine" is read as azathioprine, "keytrudda" as Keytruda),
and a word with no close match stays in the question with no alternative: it
still counts when ``answer`` decides whether the site covers the question.
Direction words next to a count are read by ``polarity`` ("lower white cells"
is leucopenia; "a high white count" is a raised count), generic words by
``generic``.
"""

import math
from dataclasses import dataclass, field, replace

from . import engines, polarity
from .analysis import Token, near_spelling, question_tokens
from .generic import is_aspect, is_generic, subject_phrases
from .snapshot import Snapshot
from .synonyms import Expansion, SynonymTable, holds

#: Trigram similarity a misspelling needs to be read as a content word (pg_trgm's own default).
SPELLING_THRESHOLD = 0.3
#: ... and to be read as a word of the synonym table, which reaches a whole group: a closer likeness.
VOCABULARY_SPELLING_THRESHOLD = 0.45
#: How much a corrected word counts, next to one typed as the content spells it.
CORRECTION_WEIGHT = 0.8
MIN_WORD_FOR_SPELLING = 4
#: A concept in more than this share of entries does not pick candidates when rarer ones can
#: (it still counts in their ranking): on this site nearly every entry says "leucopenia".
COMMON_SHARE = 0.25
#: How much a generic word ("deficiency", "causes", "low": fixtures/search_generic_words.yaml) counts in
#: deciding whether a fact answers, next to what its rarity alone would give it.
GENERIC_SHARE = 0.25


@dataclass(frozen=True)
class Concept:
    typed: str  # the words as typed (folded)
    alternatives: tuple[tuple[str, ...], ...]  # term sequences, any of which matches
    idf: float  # rarity among all entries: ranks
    coverage_weight: float  # rarity among facts: how much of the question it is, when deciding to answer
    documents: int = 0  # entries holding it (at most): how many candidates it would bring
    weight: float = 1.0
    corrected_to: str = ""  # the content's word a misspelling was read as
    known: bool = True  # False: no fact holds it, and it is not in the synonym table
    common: bool = False  # in more than COMMON_SHARE of all entries ("leucopenia" here)
    raised: bool = False  # names a raised count ("high white count"): not what the site covers
    #: the alternatives whose every term is in the index: the only ones any entry can hold (a vocabulary
    #: group lists many names the content never uses; the databases are asked about these alone)
    searchable: tuple[tuple[str, ...], ...] = ()
    searchable_documents: tuple[int, ...] = ()  # entries holding each searchable alternative (at most)
    generic: bool = False  # a generic word as typed ("deficiency", "causes"): see ``generic``
    subject: bool = False  # names the site's subject, a low count ("neutropenia"): see ``generic``
    factless: bool = False  # no fact holds any of its alternatives
    aspect: bool = False  # asks what about something: treatment, diagnosis, dose, symptoms (``generic``)
    #: alternatives only related to the words, not the same in other words: a class they belong to
    #: ("checkpoint inhibitor" for "Keytruda") or a member of the class they name ("azathioprine" for
    #: "immunosuppressants"). They match, but an entry naming the thing itself ranks first.
    related: frozenset[tuple[str, ...]] = frozenset()
    #: the related alternatives naming a class the words belong to: they count only on the page an entry sits
    #: on (the checkpoint-inhibitor page answers "Keytruda"; a fact on another page mentioning "drug
    #: interactions" in passing does not answer "clozapine")
    broader: frozenset[tuple[str, ...]] = frozenset()
    #: a related class name → sibling phrases holding it, whose occurrences do not count ("leukaemia" in
    #: "acute leukaemia" is not a match for "hairy cell leukaemia")
    inside: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    @property
    def own(self) -> set[tuple[str, ...]]:
        """The alternatives that say the same thing as the words typed."""
        return set(self.alternatives) - self.related

    @property
    def terms(self) -> set[str]:
        return {t for alternative in self.alternatives for t in alternative}

    @property
    def specific(self) -> bool:
        """What the question is about, as opposed to how it asks: neither generic nor said everywhere on the site.

        Known or not: an unknown specific word ("paracetamol") is a subject the site does not cover."""
        return not (self.generic or self.common or self.raised or self.subject)


@dataclass(frozen=True)
class Question:
    text: str
    concepts: list[Concept] = field(default_factory=list)

    @property
    def specific(self) -> list[Concept]:
        return [c for c in self.concepts if c.specific]

    @property
    def asks_about_something_else(self) -> bool:
        """It asks how something is treated, diagnosed or dosed (or its symptoms, its outlook) and names no low
        count: a question about that thing in general ("how is lupus diagnosed"), which the site does not cover."""
        concepts = self.concepts
        return any(c.aspect for c in concepts) and not any(c.subject or c.common or c.raised for c in concepts)

    @property
    def raised_count(self) -> str:
        """The words naming a raised count, when the question asks about one ("" otherwise)."""
        return next((c.typed for c in self.concepts if c.raised), "")

    @property
    def corrections(self) -> list[tuple[str, str]]:
        return [(c.typed, c.corrected_to) for c in self.concepts if c.corrected_to]

    def retrieval(self, per_kind: dict[str, int], *, budget: int) -> engines.Retrieval:
        """What to ask the database for, so that it ranks a bounded number of entries.

        The known concepts (words the facts or the synonym table use) that pick
        few entries (at most ``budget``, and not common) pick the candidates:
        any entry holding one of them, and any entry on a page named by a class
        they belong to. When every concept is common ("what
        causes a low white count"), no entry stands out by holding them: the
        candidates are the entries on the pages and in the groups the question
        names ("What causes leucopenia", "Infection-related"), and the entries
        holding them only while those are few enough to rank (``budget``): past
        that, ranking them would cost as much as the content is large.
        """
        usable = [c for c in self.concepts if c.documents > 0 and not c.raised]
        known = [c for c in usable if c.known] or usable
        selective, classes = [], []
        for concept in (c for c in known if not c.common):
            # Alternatives few enough to rank pick candidates: a member the content uses everywhere does not
            # drag every entry holding it along. A class the words belong to counts only on an entry's page
            # (``answer``), so it picks the entries on pages naming it.
            counted = zip(concept.searchable, concept.searchable_documents, strict=True)
            rare = [(a, n) for a, n in counted if a not in concept.broader and n <= budget]
            if rare and sum(n for _, n in rare) <= budget:
                selective.append(tuple(a for a, _ in rare))
            if broader := tuple(a for a in concept.searchable if a in concept.broader):
                classes.append(broader)
        if selective or classes:
            return engines.Retrieval(
                any_of=_fewest(tuple(selective)), pages_of=_fewest(tuple(classes)), per_kind=per_kind
            )
        every = _fewest(tuple(c.searchable for c in known))
        affordable = sum(c.documents for c in known) <= budget
        return engines.Retrieval(any_of=every if affordable else (), pages_of=every, per_kind=per_kind)


def _fewest(concepts: tuple[tuple[tuple[str, ...], ...], ...]) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """The same candidates with fewer alternatives: one holding another ("tpmt test" holds "tpmt") finds no entry
    the shorter one does not. (PostgreSQL's planner also reads a long list of alternatives as unselective.)"""
    every = {a for alternatives in concepts for a in alternatives}
    return tuple(
        tuple(a for a in alternatives if not any(b != a and holds(a, b) for b in every)) for alternatives in concepts
    )


def idf(documents: int, total: int) -> float:
    """BM25's inverse document frequency: rare terms weigh more, a term in every entry almost nothing."""
    return math.log(1 + (total - documents + 0.5) / (documents + 0.5))


def _parts(tokens: list[Token], table: SynonymTable) -> list[polarity.Part]:
    """Split the question into the longest synonym phrases it contains, and single words."""
    counts = polarity.count_phrases()  # a count is read as one part even where the synonym table lacks it
    longest = max(table.longest, *(len(p) for p in counts))
    out, position = [], 0
    while position < len(tokens):
        for length in range(min(longest, len(tokens) - position), 0, -1):
            window = tokens[position : position + length]
            phrase = tuple(t.term for t in window)
            if length == 1 or phrase in table.groups_of or phrase in counts:
                typed = tuple(t.word for t in window)
                out.append(polarity.Part(typed=" ".join(typed), words=typed, phrase=phrase))
                position += length
                break
    return out


def _documents(alternative: tuple[str, ...], counts: dict[str, int]) -> int:
    # A phrase is in at most as many entries as its rarest word.
    return min(counts.get(t, 0) for t in alternative)


def read_question(text: str, snapshot: Snapshot) -> Question:
    """The question's concepts (no query, or one to correct spelling)."""
    tokens = question_tokens(text)
    if not tokens:
        return Question(text=text)
    table = snapshot.synonyms
    parts = polarity.read(_parts(tokens, table), table)
    unknown = [
        part.phrase[0]
        for part in parts
        if len(part.phrase) == 1
        and not part.raised
        and part.phrase[0] not in snapshot.documents
        and len(part.typed) >= MIN_WORD_FOR_SPELLING
        and not part.typed.isdigit()
        and not is_generic(part.words)
        and len(table.alternatives(part.phrase)) == 1
    ]
    corrections = engines.closest_terms(unknown, threshold=SPELLING_THRESHOLD) if unknown else {}
    concepts = []
    for part in parts:
        if part.raised:
            concepts.append(Concept(typed=part.typed, alternatives=(), idf=0.0, coverage_weight=0.0, raised=True))
            continue
        generic = len(part.words) == 1 and is_generic(part.words)
        aspect = is_aspect(part.words)
        if len(part.phrase) == 1 and part.phrase[0] in unknown:
            corrected = _corrected(part, corrections.get(part.phrase[0]), snapshot)
            if corrected is not None:
                concepts.append(corrected)
                continue
        concepts.append(_concept(part.typed, table.expand(part.phrase), snapshot, generic=generic, aspect=aspect))
    return Question(text=text, concepts=_cap_unknown(_merge_repeats(concepts)))


def _concept(typed: str, expansion: Expansion, snapshot: Snapshot, **extra) -> Concept:
    counts, total = snapshot.documents, max(snapshot.total, 1)
    alternatives = expansion.alternatives
    own = [a for a in alternatives if a not in expansion.related]
    documents = max(_documents(a, counts) for a in alternatives)
    facts = max(_documents(a, snapshot.facts) for a in alternatives)
    weight = idf(facts, max(snapshot.total_facts, 1))
    subject = not subject_phrases().isdisjoint(own)
    if extra.get("generic") or subject:
        # A generic word no fact holds is a turn of phrase ("main causes"): it weighs nothing.
        weight = weight * GENERIC_SHARE if facts else 0.0
    searchable = [a for a in alternatives if all(t in counts for t in a)]
    return Concept(
        typed=typed,
        alternatives=tuple(alternatives),
        searchable=tuple(searchable),
        searchable_documents=tuple(_documents(a, counts) for a in searchable),
        related=expansion.related,
        broader=expansion.broader,
        inside=expansion.inside,
        idf=idf(documents, total),
        coverage_weight=weight,
        documents=sum(_documents(a, counts) for a in alternatives),
        # A word from the synonym table is medical vocabulary even when no fact holds it (Hodgkin lymphoma).
        known=facts > 0 or len(alternatives) > 1,
        factless=facts == 0,
        common=documents > COMMON_SHARE * total,
        subject=subject,
        **extra,
    )


def _corrected(part: polarity.Part, found: engines.Correction | None, snapshot: Snapshot) -> Concept | None:
    """A misspelt word read as the closest word of the content, or of the synonym table when that is closer
    ("pembrolizumb" is pembrolizumab, a member of the checkpoint inhibitors, which the content names)."""
    table = snapshot.synonyms
    if found is not None and not near_spelling(part.typed, found.word):
        found = None  # a different word sharing letters ("radiotherapy" is not "chemotherapy")
    in_table = table.closest_word(part.phrase[0], part.typed, threshold=VOCABULARY_SPELLING_THRESHOLD)
    if in_table is not None and (found is None or in_table[1] > found.similarity):
        word, _ = in_table
        expansion = table.expand((word,))
        return _concept(part.typed, expansion, snapshot, weight=CORRECTION_WEIGHT, corrected_to=table.spelled[word])
    if found is None:
        return None
    return _concept(
        part.typed,
        table.expand((found.term,)),
        snapshot,
        weight=CORRECTION_WEIGHT,
        corrected_to=found.word,
        generic=is_generic((found.word,)),
    )


def _cap_unknown(concepts: list[Concept]) -> list[Concept]:
    """A word no fact holds weighs as much as the question's most specific word some fact holds, no more.

    It may be the subject ("paracetamol", "Hodgkin lymphoma") or context
    ("first step", "in Crohn's disease"), and without a language model we
    cannot tell which: capped like this, such a word beside the subject alone
    makes the question half covered, not enough to answer ("amoxicillin
    rash"), while with a word of the site's own subject too ("azathioprine in
    Crohn's disease, low white count") it is answered. Where no specific word
    is held by a fact, nothing is capped: beside "deficiency" alone, an unknown
    word keeps its full weight (and must be matched for an answer:
    ``answer.answers``). Generic words are never capped: they weigh little.
    """
    specific = [c.coverage_weight for c in concepts if c.specific and not c.factless]
    if not specific:
        return concepts
    cap = max(specific)
    return [
        replace(c, coverage_weight=min(c.coverage_weight, cap)) if c.factless and c.specific else c for c in concepts
    ]


def _merge_repeats(concepts: list[Concept]) -> list[Concept]:
    """A concept typed twice ("wbc … white count") counts once (two members of one class are two concepts)."""
    out: list[Concept] = []
    for concept in concepts:
        if concept.raised or not any(concept.own & seen.own for seen in out):
            out.append(concept)
    return out
