"""Generic words: the ones that say nothing about which part of the subject a question is about.

The words are data (``fixtures/search_generic_words.yaml``, beside the synonym
table), read once per process. ``question`` marks a concept generic when every
word the reader typed for it is one of them ("deficiency", "low", "causes");
``answer`` then gives it little weight in deciding whether a fact answers, and
never lets it be the only thing a fact shares with a question that also has a
specific word (see ``answer.answers``).
"""

from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings

from .analysis import term, words

PATH = Path(settings.BASE_DIR) / "fixtures" / "search_generic_words.yaml"


class GenericWordsFileError(Exception):
    pass


@lru_cache(maxsize=1)
def generic_terms(path: Path = PATH) -> frozenset[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise GenericWordsFileError(f"{path}: expected lists of words under headings")
    out = set()
    for entry in (w for listed in data.values() for w in listed):
        folded = words(str(entry))
        if len(folded) != 1:
            raise GenericWordsFileError(f"{path}: {entry!r} is not one word")
        out.add(term(folded[0]))
    return frozenset(out)


def is_generic(typed: tuple[str, ...]) -> bool:
    """Whether every word typed (folded) for a part of a question is generic; stop words are already gone."""
    generic = generic_terms()
    return bool(typed) and all(term(w) in generic for w in typed)
