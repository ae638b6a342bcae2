"""Which way a count moved: "lower white cells" means leucopenia; "a high white count" is not this site's subject.

The words are data (``fixtures/search_polarity.yaml``, beside the synonym
table), read once per process and validated as they are read. ``read`` turns a
question's parts (synonym phrases and single words, in order) into parts with
the direction applied:

- a ``low`` word next to a count ("chemotherapy lowers white cells", "wbc
  dropped") becomes the count's low form (the Leucopenia group);
- a ``high`` word next to a count ("what causes a high white count"), or a
  ``raised`` term ("leukocytosis"), becomes a *raised count*: the answer says
  the site covers low counts instead of offering a fact about them.
"""

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings

from .analysis import term, terms, words
from .synonyms import SynonymTable

PATH = Path(settings.BASE_DIR) / "fixtures" / "search_polarity.yaml"


@dataclass(frozen=True)
class Polarity:
    low: frozenset[str]  # terms
    high: frozenset[str]  # terms
    counts: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (count phrase, low-form phrase), as terms
    raised: tuple[tuple[str, ...], ...]  # word sequences, as typed (folded)


@dataclass(frozen=True)
class Part:
    """A piece of a question: the words as typed, its term sequence, and whether it names a raised count."""

    typed: str
    words: tuple[str, ...]
    phrase: tuple[str, ...]
    raised: bool = False


class PolarityFileError(Exception):
    pass


@lru_cache(maxsize=1)
def polarity(path: Path = PATH) -> Polarity:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        low = frozenset(term(w) for w in data["low"])
        high = frozenset(term(w) for w in data["high"])
        counts = tuple((tuple(terms(c["count"])), tuple(terms(c["low"]))) for c in data["counts"])
        raised = tuple(tuple(words(w)) for w in data["raised"])
    except (KeyError, TypeError) as exc:
        raise PolarityFileError(f"{path}: expected lists low, high, raised and a list of counts ({exc})") from exc
    if low & high or not all(a and b for a, b in counts) or not all(raised):
        raise PolarityFileError(f"{path}: a word is both low and high, or an entry has only ignored words")
    return Polarity(low=low, high=high, counts=counts, raised=raised)


def count_phrases() -> frozenset[tuple[str, ...]]:
    return frozenset(count for count, _ in polarity().counts)


def _count_low_form(phrase: tuple[str, ...], table: SynonymTable, data: Polarity) -> tuple[str, ...] | None:
    for count, low_form in data.counts:
        if phrase == count or table.groups_of.get(phrase, set()) & table.groups_of.get(count, set()):
            return low_form
    return None


def read(parts: list[Part], table: SynonymTable) -> list[Part]:
    """``parts`` with direction words next to counts merged into them, and raised counts marked."""
    data = polarity()
    out: list[Part] = []
    position = 0
    while position < len(parts):
        part = parts[position]
        position += 1
        if any(_starts_with(parts, position - 1, sequence) for sequence in data.raised):
            out.append(replace(part, raised=True))
            continue
        low_form = _count_low_form(part.phrase, table, data)
        if low_form is not None and out and _direction(out[-1], data):  # "lower white cells"
            word = out.pop()
            out.append(_merged(f"{word.typed} {part.typed}", low_form, _direction(word, data)))
            continue
        if low_form is not None and position < len(parts) and _direction(parts[position], data):  # "wbc dropped"
            out.append(_merged(f"{part.typed} {parts[position].typed}", low_form, _direction(parts[position], data)))
            position += 1
            continue
        out.append(part)
    return out


def _direction(part: Part, data: Polarity) -> str | None:
    if len(part.phrase) != 1 or part.raised:
        return None
    if part.phrase[0] in data.low:
        return "low"
    return "high" if part.phrase[0] in data.high else None


def _merged(typed: str, low_form: tuple[str, ...], direction: str | None) -> Part:
    return Part(typed=typed, words=tuple(typed.split()), phrase=low_form, raised=direction == "high")


def _starts_with(parts: list[Part], position: int, sequence: tuple[str, ...]) -> bool:
    typed: list[str] = []
    for part in parts[position:]:
        typed += part.words
        if len(typed) >= len(sequence):
            break
    return tuple(typed[: len(sequence)]) == sequence
