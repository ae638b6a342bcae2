"""How text becomes search terms: one analyser for the index and the question alike.

Pure Python, no Django and no database. Both databases index the terms this
module produces (SQLite's FTS5 and PostgreSQL's ``simple`` text-search
configuration, which only split on spaces), so a word matches the same way
everywhere, and spelling variants no database stemmer folds still meet:

- British and American spellings: leucopenia/leukopenia, anaemia/anemia,
  haemolytic/hemolytic, oesophagus/esophagus, tumour/tumor, centre/center;
- English stemming (Snowball, the algorithm PostgreSQL's ``english``
  configuration uses), then a medical suffix fold so that neutropenia and
  neutropenic, or cytopenia and cytopenias, end up as one term;
- stop words, including the words that make a question a question
  ("what", "does", "can"), which carry no subject.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")

_STOP_WORDS_TEXT = """
a about above after again against all am an and any are aren as at be because been before being
below between both but by can cannot could couldn did didn do does doesn doing don down during each
few for from further had hadn has hasn have haven having he her here hers herself him himself his
how i if in into is isn it its itself just let me might more most must mustn my myself no nor not
now of off on once only or other ought our ours ourselves out over own same shall shan she should
shouldn so some such than that the their theirs them themselves then there these they this those
through to too under until up upon us very was wasn we were weren what whats when where which while
who whom whose why will with won would wouldn you your yours yourself yourselves also get got give
gives tell know known mean means please really still way ways thing things s t d ll m re ve y
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# Characters no tokeniser splits as we want: Greek letters used in drug classes
# (β-lactam), the micro sign in units, the per cent sign.
# "%" becomes a word, so that a question about how often ("how often", "what percentage") can meet a
# fact that gives a proportion (the synonym table's Frequency group).
_CHARACTER_FOLDS = str.maketrans({"β": " beta ", "ß": "ss", "µ": "u", "μ": "u", "’": "'", "‘": "'", "%": " percent "})
_WORD = re.compile(r"[a-z0-9]+")
_THOUSANDS = re.compile(r"(?<=\d)[,\u202f\u2009](?=\d{3}(?!\d))")  # 2,500 and 2 500 are one number

# British → American, applied to whole words before stemming. Folding only has to
# be the same on both sides (index and question), not produce dictionary words.
_SPELLING_FOLDS = (
    (re.compile(r"^leuc"), "leuk"),  # leucopenia, leucocyte, leucaemia
    (re.compile(r"ae"), "e"),  # anaemia, haem-, leukaemia, paediatric, aetiology
    (re.compile(r"oe(?=[a-z])"), "e"),  # oesophagus, oedema, coeliac (not "does"/"toe")
    (re.compile(r"(?<=[a-z]{3})our$"), "or"),  # tumour, colour (not "four", "hour")
    (re.compile(r"(?<=[bt])re$"), "er"),  # centre, fibre, litre
    (re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),  # immunised, organisation
)
# After stemming: -ia/-ic/-ias endings of the medical vocabulary fold together
# (neutropenia/neutropenic, anaemia/anaemic, cytopenias).
_SUFFIX_FOLD = re.compile(r"(?<=[a-z]{4})(ia|ic|ias)$")


def fold_text(text: str) -> str:
    """Lower case, without diacritics, with the characters above spelled out."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_CHARACTER_FOLDS)
    text = _THOUSANDS.sub("", text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The raw words of ``text``, folded, in order (stop words included)."""
    return _WORD.findall(fold_text(text))


@lru_cache(maxsize=50_000)
def term(word: str) -> str:
    """The index term for one folded word: spelling folded, stemmed, suffix folded."""
    if word.isdigit():
        return word
    for pattern, replacement in _SPELLING_FOLDS:
        word = pattern.sub(replacement, word)
    stem = _STEMMER.stemWord(word)
    return _SUFFIX_FOLD.sub("", stem)


def is_stop_word(word: str) -> bool:
    return word in STOP_WORDS


def terms(text: str) -> list[str]:
    """The index terms of ``text`` in order, stop words left out."""
    return [term(w) for w in words(text) if not is_stop_word(w)]


def analysed(text: str) -> str:
    """``terms`` as the space-separated string the databases index."""
    return " ".join(terms(text))


@dataclass(frozen=True)
class Token:
    """One word of a question: as typed (folded) and as a term."""

    word: str
    term: str


def question_tokens(text: str) -> list[Token]:
    """The content words of a question, in order."""
    return [Token(word=w, term=term(w)) for w in words(text) if not is_stop_word(w)]


# Trigram similarity, as PostgreSQL's pg_trgm computes it: each word padded with
# two spaces in front and one behind, similarity = shared / all distinct trigrams.
def trigrams(word: str) -> frozenset[str]:
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn ``a`` into ``b`` (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def near_spelling(typed: str, known: str) -> bool:
    """Whether ``known`` can be what ``typed`` meant: a slip of about one letter in four ("azothiaprin",
    "pnuemon"), not another word sharing a long ending ("radiotherapi" is not "chemotherapi")."""
    return edit_distance(typed, known) <= max(1, len(typed) // 4)
