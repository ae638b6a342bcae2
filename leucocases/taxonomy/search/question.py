"""A question read into concepts: its content words, their synonyms, and spelling corrections.

"what causes low white count" becomes two concepts: *causes* (the term
``caus``) and *low white count*, a phrase of the synonym table, which stands
for every phrase of its group (leucopenia, low wbc, …). A word the index has
never seen is looked up by trigram similarity ("azothioprine" is read as
azathioprine), and a word with no close match stays in the question with no
alternative: it still counts when ``answer`` decides whether the site covers
the question. Direction words next to a count are read by ``polarity``
("lower white cells" is leucopenia; "a high white count" is a raised count).
"""

import math
from dataclasses import dataclass, field, replace

from . import engines, polarity
from .analysis import Token, question_tokens
from .snapshot import Snapshot
from .synonyms import SynonymTable

#: Trigram similarity a misspelling needs to be read as a content word (pg_trgm's own default).
SPELLING_THRESHOLD = 0.3
#: How much a corrected word counts, next to one typed as the content spells it.
CORRECTION_WEIGHT = 0.8
MIN_WORD_FOR_SPELLING = 4
#: A concept in more than this share of entries does not pick candidates when rarer ones can
#: (it still counts in their ranking): on this site nearly every entry says "leucopenia".
COMMON_SHARE = 0.25
#: How much a word counts that the site uses, but no fact does, next to one it never uses (``_cap_unknown``).
SITE_WORD_SHARE = 0.5


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

    @property
    def terms(self) -> set[str]:
        return {t for alternative in self.alternatives for t in alternative}


@dataclass(frozen=True)
class Question:
    text: str
    concepts: list[Concept] = field(default_factory=list)

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
        any entry holding one of them. When every concept is common ("what
        causes a low white count"), no entry stands out by holding them: the
        candidates are the entries on the pages and in the groups the question
        names ("What causes leucopenia", "Infection-related"), and the entries
        holding them only while those are few enough to rank (``budget``): past
        that, ranking them would cost as much as the content is large.
        """
        usable = [c for c in self.concepts if c.documents > 0 and not c.raised]
        known = [c for c in usable if c.known] or usable
        selective = tuple(c.alternatives for c in known if c.documents <= budget and not c.common)
        if selective:
            return engines.Retrieval(any_of=selective, per_kind=per_kind)
        every = tuple(c.alternatives for c in known)
        affordable = sum(c.documents for c in known) <= budget
        return engines.Retrieval(any_of=every if affordable else (), pages_of=every, per_kind=per_kind)


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
    counts, total = snapshot.documents, max(snapshot.total, 1)
    fact_counts, total_facts = snapshot.facts, max(snapshot.total_facts, 1)
    unknown = [
        part.phrase[0]
        for part in parts
        if len(part.phrase) == 1
        and not part.raised
        and part.phrase[0] not in counts
        and len(part.typed) >= MIN_WORD_FOR_SPELLING
        and not part.typed.isdigit()
        and len(table.alternatives(part.phrase)) == 1
    ]
    corrections = engines.closest_terms(unknown, threshold=SPELLING_THRESHOLD) if unknown else {}
    concepts = []
    for part in parts:
        if part.raised:
            concepts.append(Concept(typed=part.typed, alternatives=(), idf=0.0, coverage_weight=0.0, raised=True))
            continue
        alternatives = table.alternatives(part.phrase)
        correction = corrections.get(part.phrase[0]) if len(alternatives) == 1 else None
        if correction is not None:
            concepts.append(
                Concept(
                    typed=part.typed,
                    alternatives=tuple(table.alternatives((correction.term,))),
                    idf=idf(correction.documents, total),
                    coverage_weight=idf(correction.facts, total_facts),
                    documents=correction.documents,
                    weight=CORRECTION_WEIGHT,
                    known=correction.facts > 0,
                    corrected_to=correction.word,
                    common=correction.documents > COMMON_SHARE * total,
                )
            )
            continue
        documents = max(_documents(a, counts) for a in alternatives)
        facts = max(_documents(a, fact_counts) for a in alternatives)
        # A word from the synonym table is medical vocabulary even when no fact holds it (EBV): it stays weighty.
        known = facts > 0 or len(alternatives) > 1
        concepts.append(
            Concept(
                typed=part.typed,
                alternatives=tuple(alternatives),
                idf=idf(documents, total),
                coverage_weight=idf(facts, total_facts),
                documents=sum(_documents(a, counts) for a in alternatives),
                known=known,
                common=documents > COMMON_SHARE * total,
            )
        )
    return Question(text=text, concepts=_cap_unknown(_merge_repeats(concepts)))


def _cap_unknown(concepts: list[Concept]) -> list[Concept]:
    """A word no fact uses weighs as much as the question's most specific known word, no more.

    It may be the subject ("paracetamol") or a turn of phrase ("main", "first
    step"), and without a language model we cannot tell which: capped like
    this, two unknown words against one known one still outweigh it (not
    covered), while one unknown word beside the subject does not block an
    answer. A word the site uses elsewhere (a cause page, a case, the workup
    catalogue) but no fact does is on the site's subject, only not in a fact's
    words: it counts ``SITE_WORD_SHARE`` of that.
    """
    known = [c.coverage_weight for c in concepts if c.known and not c.raised]
    if not known:
        return concepts
    cap = max(known)
    out = []
    for concept in concepts:
        if not concept.known:
            weight = min(concept.coverage_weight, cap) * (SITE_WORD_SHARE if concept.documents else 1.0)
            concept = replace(concept, coverage_weight=weight)
        out.append(concept)
    return out


def _merge_repeats(concepts: list[Concept]) -> list[Concept]:
    """A concept typed twice ("wbc … white count") counts once."""
    out: list[Concept] = []
    for concept in concepts:
        if concept.raised or not any(set(concept.alternatives) & set(seen.alternatives) for seen in out):
            out.append(concept)
    return out
