"""Generic words: the ones that say nothing about which part of the subject a question is about.

The words are data (``fixtures/search_generic_words.yaml``, beside the synonym
table), read once per process. ``question`` marks a concept generic when every
word the reader typed for it is one of them ("deficiency", "low", "causes");
``answer`` then gives it little weight in deciding whether a fact answers, and
never lets it be the only thing a fact shares with a question that also has a
specific word (see ``answer.answers``). The file's ``subject`` phrases name
the site's own subject, the low counts ("neutropenia", "white count"): nearly
every question names one, so, like a word the content says everywhere, one
is never what makes a fact the answer, and like a generic word it weighs little.
The ``aspects`` (treatment, diagnosis, dose, symptoms: generic words too) make a
question that names no low count a question about something else.
"""

from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings

from .analysis import term, terms, words

PATH = Path(settings.BASE_DIR) / "fixtures" / "search_generic_words.yaml"
#: The heading of the phrases naming the site's subject (kept in the same file, read apart).
SUBJECT = "subject"
#: The heading of the generic words that say what is asked about something.
ASPECTS = "aspects"


class GenericWordsFileError(Exception):
    pass


@lru_cache(maxsize=1)
def _read(path: Path) -> dict[str, list]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise GenericWordsFileError(f"{path}: expected lists of words under headings")
    return data


@lru_cache(maxsize=1)
def generic_terms(path: Path = PATH) -> frozenset[str]:
    out = set()
    for heading, listed in _read(path).items():
        for entry in listed if heading != SUBJECT else ():
            folded = words(str(entry))
            if len(folded) != 1:
                raise GenericWordsFileError(f"{path}: {entry!r} is not one word")
            out.add(term(folded[0]))
    return frozenset(out)


@lru_cache(maxsize=1)
def aspect_terms(path: Path = PATH) -> frozenset[str]:
    """Generic words that say what is asked about something (treatment, diagnosis, dose, symptoms)."""
    return frozenset(term(w) for entry in _read(path).get(ASPECTS, []) for w in words(str(entry)))


@lru_cache(maxsize=1)
def subject_phrases(path: Path = PATH) -> frozenset[tuple[str, ...]]:
    """The phrases naming the site's own subject, the low counts ("neutropenia", "white count"), as terms."""
    out = {tuple(terms(str(entry))) for entry in _read(path).get(SUBJECT, [])}
    if not all(out):
        raise GenericWordsFileError(f"{path}: a subject phrase has only ignored words")
    return frozenset(out)


def is_aspect(typed: tuple[str, ...]) -> bool:
    return len(typed) == 1 and term(typed[0]) in aspect_terms()


def is_generic(typed: tuple[str, ...]) -> bool:
    """Whether every word typed (folded) for a part of a question is generic; stop words are already gone."""
    generic = generic_terms()
    return bool(typed) and all(term(w) in generic for w in typed)
