"""The synonym table: loading the shipped file, and reading it for a question.

The file (``fixtures/synonyms.yaml``) is validated whole before anything is
written, like the taxonomy file; groups are matched by name and get exactly
the phrases the file lists. Groups that only exist in the database (added by
an instructor) are left alone.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from .analysis import terms
from .index import search_index_touch
from .models import Synonym, SynonymGroup

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "synonyms.yaml"


class SynonymFileError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def validate_synonyms(data: Any) -> list[str]:
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        return ["(top level): expected a mapping with a list of groups"]
    errors, names = [], set()
    for index, group in enumerate(data["groups"]):
        path = f"groups[{index}]"
        if not isinstance(group, dict) or set(group) - {"name", "phrases", "note"}:
            errors.append(f"{path}: expected a mapping of name, phrases and an optional note")
            continue
        name, phrases = group.get("name"), group.get("phrases")
        if not isinstance(name, str) or not name.strip() or len(name) > 120:
            errors.append(f"{path}.name: required, at most 120 characters")
        elif name in names:
            errors.append(f"{path}.name: duplicate group {name!r}")
        names.add(name)
        if not isinstance(phrases, list) or len(phrases) < 2:
            errors.append(f"{path}.phrases: a group needs at least two phrases")
            continue
        for position, phrase in enumerate(phrases):
            if not isinstance(phrase, str) or not 0 < len(phrase) <= 120:
                errors.append(f"{path}.phrases[{position}]: expected a phrase of at most 120 characters")
            elif not terms(phrase):
                errors.append(f"{path}.phrases[{position}]: {phrase!r} has only words that search ignores")
        if isinstance(phrases, list) and len(set(map(str, phrases))) != len(phrases):
            errors.append(f"{path}.phrases: lists a phrase twice")
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
        for item in data["groups"]:
            group, _ = SynonymGroup.objects.update_or_create(
                name=item["name"], defaults={"note": item.get("note") or ""}
            )
            group.synonyms.exclude(phrase__in=item["phrases"]).delete()
            existing = set(group.synonyms.values_list("phrase", flat=True))
            Synonym.objects.bulk_create(
                [Synonym(group=group, phrase=phrase) for phrase in item["phrases"] if phrase not in existing]
            )
        search_index_touch()
    return len(data["groups"])


@lru_cache(maxsize=20_000)
def _analysed_phrase(phrase: str) -> tuple[str, ...]:
    return tuple(terms(phrase))


@dataclass(frozen=True)
class SynonymTable:
    """Analysed phrases: which group each term sequence belongs to, and each group's sequences."""

    groups_of: dict[tuple[str, ...], set[int]]
    members: dict[int, list[tuple[str, ...]]]
    longest: int

    def alternatives(self, phrase: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = [phrase]
        for group in sorted(self.groups_of.get(phrase, ())):
            found += [member for member in self.members[group] if member not in found]
        return found


def synonym_table() -> SynonymTable:
    """The table as it is now (one query; questions read it through ``snapshot``)."""
    groups_of: dict[tuple[str, ...], set[int]] = defaultdict(set)
    members: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    for group_id, phrase in Synonym.objects.values_list("group_id", "phrase"):
        analysed = _analysed_phrase(phrase)
        if analysed:
            groups_of[analysed].add(group_id)
            if analysed not in members[group_id]:
                members[group_id].append(analysed)
    return SynonymTable(dict(groups_of), dict(members), max((len(p) for p in groups_of), default=1))
