"""A question read into concepts: its content words, their synonyms, and spelling corrections.

"what causes low white count" becomes two concepts: *causes* (the term
``caus``) and *low white count*, a phrase of the synonym table, which stands
for every phrase of its group (leucopenia, low wbc, …). A word the index has
never seen is looked up by trigram similarity ("azothioprine" is read as
azathioprine), and a word with no close match stays in the question with no
alternative: it still counts when ``answer`` decides whether the site covers
the question.
"""

import math
from dataclasses import dataclass, field, replace

from . import engines
from .analysis import Token, question_tokens
from .synonyms import SynonymTable, synonym_table

#: Trigram similarity a misspelling needs to be read as a content word (pg_trgm's own default).
SPELLING_THRESHOLD = 0.3
#: How much a corrected word counts, next to one typed as the content spells it.
CORRECTION_WEIGHT = 0.8
MIN_WORD_FOR_SPELLING = 4
#: A concept in more than this share of entries does not pick candidates when rarer ones can
#: (it still counts in their ranking): on this site nearly every entry says "leucopenia".
COMMON_SHARE = 0.25


@dataclass(frozen=True)
class Concept:
    typed: str  # the words as typed (folded)
    alternatives: tuple[tuple[str, ...], ...]  # term sequences, any of which matches
    idf: float  # rarity among all entries: ranks
    coverage_weight: float  # rarity among facts: how much of the question it is, when deciding to answer
    weight: float = 1.0
    corrected_to: str = ""  # the content's word a misspelling was read as
    known: bool = True  # False: no fact holds it, and it is not in the synonym table
    common: bool = False  # in more than COMMON_SHARE of all entries ("leucopenia" here)

    @property
    def terms(self) -> set[str]:
        return {t for alternative in self.alternatives for t in alternative}


@dataclass(frozen=True)
class Question:
    text: str
    concepts: list[Concept] = field(default_factory=list)

    @property
    def alternatives(self) -> list[tuple[str, ...]]:
        seen: list[tuple[str, ...]] = []
        for concept in self.concepts:
            seen += [a for a in concept.alternatives if a not in seen]
        return seen

    @property
    def retrieval_alternatives(self) -> list[tuple[str, ...]]:
        """What the database is asked for: the rarer concepts when there are any, else all of them."""
        specific = [c for c in self.concepts if not c.common and c.idf > 0 and c.known]
        if not specific:
            return self.alternatives
        return Question(text=self.text, concepts=specific).alternatives

    @property
    def corrections(self) -> list[tuple[str, str]]:
        return [(c.typed, c.corrected_to) for c in self.concepts if c.corrected_to]


def idf(documents: int, total: int) -> float:
    """BM25's inverse document frequency: rare terms weigh more, a term in every entry almost nothing."""
    return math.log(1 + (total - documents + 0.5) / (documents + 0.5))


def _phrases(tokens: list[Token], table: SynonymTable) -> list[tuple[str, tuple[str, ...]]]:
    """Split the question into the longest synonym phrases it contains, and single words."""
    out, position = [], 0
    while position < len(tokens):
        for length in range(min(table.longest, len(tokens) - position), 0, -1):
            window = tokens[position : position + length]
            phrase = tuple(t.term for t in window)
            if length == 1 or phrase in table.groups_of:
                out.append((" ".join(t.word for t in window), phrase))
                position += length
                break
    return out


def _documents(alternative: tuple[str, ...], counts: dict[str, int]) -> int:
    # A phrase is in at most as many entries as its rarest word.
    return min(counts.get(t, 0) for t in alternative)


def read_question(text: str) -> Question:
    """The question's concepts (three queries at most: synonyms, vocabulary, spelling)."""
    tokens = question_tokens(text)
    if not tokens:
        return Question(text=text)
    table = synonym_table()
    parts = [(typed, table.alternatives(phrase)) for typed, phrase in _phrases(tokens, table)]
    vocabulary = engines.vocabulary(t for _, alternatives in parts for a in alternatives for t in a)
    counts, total = vocabulary.documents, max(vocabulary.total, 1)
    fact_counts, total_facts = vocabulary.facts, max(vocabulary.total_facts, 1)
    unknown = [
        alternatives[0][0]
        for typed, alternatives in parts
        if len(alternatives) == 1
        and len(alternatives[0]) == 1
        and alternatives[0][0] not in counts
        and len(typed) >= MIN_WORD_FOR_SPELLING
        and not typed.isdigit()
    ]
    corrections = engines.closest_terms(unknown, threshold=SPELLING_THRESHOLD) if unknown else {}
    concepts = []
    for typed, alternatives in parts:
        correction = corrections.get(alternatives[0][0]) if len(alternatives) == 1 else None
        if correction is not None:
            corrected = table.alternatives((correction.term,))
            concepts.append(
                Concept(
                    typed=typed,
                    alternatives=tuple(corrected),
                    idf=idf(correction.documents, total),
                    coverage_weight=idf(correction.facts, total_facts),
                    weight=CORRECTION_WEIGHT,
                    known=correction.facts > 0,
                    corrected_to=correction.word,
                )
            )
            continue
        documents = max(_documents(a, counts) for a in alternatives)
        facts = max(_documents(a, fact_counts) for a in alternatives)
        # A word from the synonym table is medical vocabulary even when no fact holds it (EBV): it stays weighty.
        known = facts > 0 or len(alternatives) > 1
        concepts.append(
            Concept(
                typed=typed,
                alternatives=tuple(alternatives),
                idf=idf(documents, total),
                coverage_weight=idf(facts, total_facts),
                known=known,
                common=documents > COMMON_SHARE * total,
            )
        )
    return Question(text=text, concepts=_cap_unknown(_merge_repeats(concepts)))


def _cap_unknown(concepts: list[Concept]) -> list[Concept]:
    """A word no fact uses weighs as much as the question's most specific known word, no more.

    It may be the subject ("paracetamol") or a turn of phrase ("main", "often"),
    and without a language model we cannot tell which: capped like this, two
    unknown words against one known one still outweigh it (not covered), while
    one unknown word beside the subject does not block an answer.
    """
    known = [c.coverage_weight for c in concepts if c.known]
    if not known:
        return concepts
    cap = max(known)
    return [c if c.known or c.coverage_weight <= cap else replace(c, coverage_weight=cap) for c in concepts]


def _merge_repeats(concepts: list[Concept]) -> list[Concept]:
    """A concept typed twice ("wbc … white count") counts once."""
    out: list[Concept] = []
    for concept in concepts:
        if not any(set(concept.alternatives) & set(seen.alternatives) for seen in out):
            out.append(concept)
    return out
