"""The synonym table: loading the shipped file, and reading it for a question.

The file (``fixtures/synonyms.yaml``) is validated whole before anything is
written, like the taxonomy file; groups are matched by name and get exactly
the phrases the file lists, each with its relation: ``phrases`` mean the same
as the group, ``members`` are members of the class it names (a drug of the
class, a kind of the disease), and ``not`` lists longer phrases that hold the
group's words but name something else ("non-Hodgkin lymphoma" for Hodgkin
lymphoma): an occurrence of one is no match. Groups the file lists under ``retired`` are
deleted (a group renamed in the file would otherwise stay behind); other
groups that only exist in the database (added by an instructor) are left alone.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from .analysis import near_spelling, similarity, terms, trigrams, words
from .index import search_index_touch
from .models import Synonym, SynonymGroup

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "synonyms.yaml"
_GROUP_KEYS = {"name", "phrases", "members", "not", "note"}
Same, Member, Not = Synonym.Relation.SAME, Synonym.Relation.MEMBER, Synonym.Relation.NOT


class SynonymFileError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _phrase_errors(path: str, phrases: Any, *, required: int) -> list[str]:
    if not isinstance(phrases, list) or len(phrases) < required:
        return [f"{path}: expected a list of at least {required} phrase(s)"]
    errors = []
    for position, phrase in enumerate(phrases):
        if not isinstance(phrase, str) or not 0 < len(phrase) <= 120:
            errors.append(f"{path}[{position}]: expected a phrase of at most 120 characters")
        elif not terms(phrase):
            errors.append(f"{path}[{position}]: {phrase!r} has only words that search ignores")
    if len(set(map(str, phrases))) != len(phrases):
        errors.append(f"{path}: lists a phrase twice")
    return errors


def validate_synonyms(data: Any) -> list[str]:
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        return ["(top level): expected a mapping with a list of groups"]
    retired = data.get("retired", [])
    if not isinstance(retired, list) or not all(isinstance(name, str) for name in retired):
        return ["retired: expected a list of group names"]
    errors, names = [], set()
    for index, group in enumerate(data["groups"]):
        path = f"groups[{index}]"
        if not isinstance(group, dict) or set(group) - _GROUP_KEYS:
            errors.append(f"{path}: expected a mapping of name, phrases, optional members, not and note")
            continue
        name, phrases, members, others = (group.get(k, []) for k in ("name", "phrases", "members", "not"))
        if not isinstance(name, str) or not name.strip() or len(name) > 120:
            errors.append(f"{path}.name: required, at most 120 characters")
        elif name in names:
            errors.append(f"{path}.name: duplicate group {name!r}")
        elif name in retired:
            errors.append(f"{path}.name: {name!r} is also listed as retired")
        names.add(name)
        found = _phrase_errors(f"{path}.phrases", phrases, required=1)
        found += _phrase_errors(f"{path}.members", members, required=0) if "members" in group else []
        found += _phrase_errors(f"{path}.not", others, required=0) if "not" in group else []
        if not found and len(phrases) + len(members) < 2:
            found.append(f"{path}: a group needs at least two phrases (same or members)")
        if not found and len(set(phrases) | set(members) | set(others)) < len(phrases) + len(members) + len(others):
            found.append(f"{path}: a phrase is listed under two of phrases, members and not")
        for position, other in enumerate(others if not found else []):
            if not any(holds(tuple(terms(other)), tuple(terms(p))) for p in phrases):
                found.append(f"{path}.not[{position}]: {other!r} does not hold a phrase of the group")
        errors += found
    return errors


def load_synonyms_file(path: Path = DEFAULT_PATH) -> int:
    """Validate, then upsert every group of the file; returns the number of groups."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SynonymFileError([f"cannot read {path}: {exc}"]) from exc
    errors = validate_synonyms(data)
    if errors:
        raise SynonymFileError(errors)
    with transaction.atomic():
        SynonymGroup.objects.filter(name__in=data.get("retired", [])).delete()
        for item in data["groups"]:
            group, _ = SynonymGroup.objects.update_or_create(
                name=item["name"], defaults={"note": item.get("note") or ""}
            )
            wanted = (
                {phrase: Same for phrase in item["phrases"]}
                | {p: Member for p in item.get("members", [])}
                | {p: Not for p in item.get("not", [])}
            )
            group.synonyms.exclude(phrase__in=wanted).delete()
            existing = dict(group.synonyms.values_list("phrase", "relation"))
            for relation in (Same, Member, Not):
                changed = [p for p, r in existing.items() if r != relation and wanted[p] == relation]
                group.synonyms.filter(phrase__in=changed).update(relation=relation)
            Synonym.objects.bulk_create(
                [Synonym(group=group, phrase=p, relation=r) for p, r in wanted.items() if p not in existing]
            )
        search_index_touch()
    return len(data["groups"])


@lru_cache(maxsize=50_000)
def _analysed_phrase(phrase: str) -> tuple[str, ...]:
    return tuple(terms(phrase))


Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Expansion:
    """What a phrase of a question stands for."""

    alternatives: list[Phrase]
    #: alternatives only related to the phrase, not the same in other words: a member of the class it names
    #: ("azathioprine" for "immunosuppressants"), or a class it belongs to ("checkpoint inhibitor" for "Keytruda")
    related: frozenset[Phrase]
    #: those naming a class it belongs to
    broader: frozenset[Phrase]
    #: an alternative → longer phrases holding it that name something else, whose occurrences are no match: a
    #: sibling's name holding the class name ("acute leukaemia" when asked about hairy cell leukaemia), or a
    #: phrase the group lists as not it ("non-Hodgkin lymphoma" for Hodgkin lymphoma)
    inside: dict[Phrase, tuple[Phrase, ...]]


def holds(longer: Phrase, part: Phrase) -> bool:
    """Whether ``part`` occurs in ``longer`` (a longer phrase), word for word."""
    n = len(part)
    return len(longer) > n and any(longer[i : i + n] == part for i in range(len(longer) - n + 1))


@dataclass(frozen=True)
class SynonymTable:
    """Analysed phrases: the groups each belongs to, as the same thing or as a member, each group's phrases, and
    the longer phrases a group says are not it."""

    groups_of: dict[Phrase, set[int]]  # every group holding the phrase, either way: what makes it one part
    same_in: dict[Phrase, set[int]]
    member_of: dict[Phrase, set[int]]
    everything: dict[int, list[Phrase]]  # a group's phrases, members included
    same: dict[int, list[Phrase]]  # a group's phrases that mean the same as it
    excluded: dict[int, list[Phrase]]  # longer phrases holding a group's words that name something else
    longest: int
    spelled: dict[str, str] = field(default_factory=dict)  # a one-word phrase's term → the phrase as written
    _cache: dict[Phrase, Expansion] = field(default_factory=dict, compare=False, repr=False)
    _grams: dict[str, set[str]] = field(default_factory=dict, compare=False, repr=False)

    def alternatives(self, phrase: Phrase) -> list[Phrase]:
        """The phrase, every phrase of the groups it means the same as (their members too), and the
        class names of what it (or anything it means the same as) is a member of: never a sibling."""
        return self.expand(phrase).alternatives

    def expand(self, phrase: Phrase) -> Expansion:
        cached = self._cache.get(phrase)
        if cached is not None:
            return cached
        found, equivalents = [phrase], [phrase]
        for group in sorted(self.same_in.get(phrase, ())):
            found += [p for p in self.everything[group] if p not in found]
            equivalents += [p for p in self.same[group] if p not in equivalents]
        narrower = set(found)
        inside: dict[Phrase, list[Phrase]] = {}
        for group in sorted(self.same_in.get(phrase, ())):
            for other in self.excluded.get(group, ()):
                for name in (p for p in found if holds(other, p)):
                    inside.setdefault(name, []).append(other)
        for group in sorted({c for p in equivalents for c in self.member_of.get(p, ())}):
            siblings = [m for m in self.everything[group] if m not in self.same[group] and m not in equivalents]
            for name in self.same[group]:
                if name not in found:
                    found.append(name)
                holding = [s for s in siblings if holds(s, name)]
                if holding:
                    inside.setdefault(name, []).extend(holding)
        result = Expansion(
            alternatives=found,
            related=frozenset(found) - set(equivalents),
            broader=frozenset(found) - narrower,
            inside={name: tuple(holding) for name, holding in inside.items()},
        )
        self._cache[phrase] = result
        return result

    def closest_word(self, term: str, typed: str, *, threshold: float) -> tuple[str, float] | None:
        """The one-word phrase of the table most like a word (its term by trigram similarity, the word as typed
        a near spelling of the phrase as written), for spelling."""
        if not self._grams:
            for phrase in self.groups_of:
                if len(phrase) == 1:
                    for gram in trigrams(phrase[0]):
                        self._grams.setdefault(gram, set()).add(phrase[0])
        candidates = {c for gram in trigrams(term) for c in self._grams.get(gram, ())}
        candidates = {c for c in candidates if near_spelling(typed, "".join(words(self.spelled.get(c, c))))}
        scored = sorted(((similarity(term, c), c) for c in candidates), reverse=True)
        if scored and scored[0][0] >= threshold:
            return scored[0][1], scored[0][0]
        return None


def synonym_table() -> SynonymTable:
    """The table as it is now (one query; questions read it through ``snapshot``)."""
    groups_of: dict[Phrase, set[int]] = defaultdict(set)
    by_relation: dict[str, dict[Phrase, set[int]]] = {Same: defaultdict(set), Member: defaultdict(set)}
    everything: dict[int, list[Phrase]] = defaultdict(list)
    same: dict[int, list[Phrase]] = defaultdict(list)
    excluded: dict[int, list[Phrase]] = defaultdict(list)
    spelled: dict[str, str] = {}
    for group_id, phrase, relation in Synonym.objects.values_list("group_id", "phrase", "relation"):
        analysed = _analysed_phrase(phrase)
        if not analysed:
            continue
        if relation == Not:
            excluded[group_id].append(analysed)
            continue
        if len(analysed) == 1:
            spelled.setdefault(analysed[0], phrase)
        groups_of[analysed].add(group_id)
        by_relation[Member if relation == Member else Same][analysed].add(group_id)
        if analysed not in everything[group_id]:
            everything[group_id].append(analysed)
        if relation != Member and analysed not in same[group_id]:
            same[group_id].append(analysed)
    return SynonymTable(
        groups_of=dict(groups_of),
        same_in=dict(by_relation[Same]),
        member_of=dict(by_relation[Member]),
        everything=dict(everything),
        same=dict(same),
        excluded=dict(excluded),
        longest=max((len(p) for p in groups_of), default=1),
        spelled=spelled,
    )
