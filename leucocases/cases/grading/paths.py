"""Paths through a case: numbering occurrences, naming an item, and the expert's path."""

from __future__ import annotations

from collections.abc import Iterable

from .types import CaseKey, KeyedStep, Tier

__all__ = [
    "Item",
    "expert_items",
    "expert_path",
    "expert_sort_key",
    "is_occurrence",
    "item_text",
    "number_occurrences",
]

#: Tiers whose items make up the expert path.
EXPERT_TIERS = (Tier.ESSENTIAL, Tier.USEFUL)

#: A key item, or a chosen one: (entry slug, occurrence).
Item = tuple[str, int]


def number_occurrences(steps: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """Pair each chosen entry with its occurrence: the n-th time an entry
    appears in ``steps`` is occurrence n.

    >>> number_occurrences(["cbc", "smear", "cbc"])
    (('cbc', 1), ('smear', 1), ('cbc', 2))
    """
    seen: dict[str, int] = {}
    numbered = []
    for slug in steps:
        seen[slug] = seen.get(slug, 0) + 1
        numbered.append((slug, seen[slug]))
    return tuple(numbered)


def expert_sort_key(step: KeyedStep) -> tuple[bool, int, int, int, str]:
    """Expert-path order: by ``expert_position`` (unpositioned last), then
    earlier occurrences first, then essential before useful, then slug."""
    position = step.expert_position
    return (
        position is None,
        0 if position is None else position,
        step.occurrence,
        0 if step.tier is Tier.ESSENTIAL else 1,
        step.slug,
    )


def expert_items(key: CaseKey) -> tuple[KeyedStep, ...]:
    """The keyed essential and useful items in expert-path order."""
    relevant = [s for s in key.steps if s.tier in EXPERT_TIERS]
    return tuple(sorted(relevant, key=expert_sort_key))


def expert_path(key: CaseKey) -> tuple[str, ...]:
    """The expert's path as the entries a learner would order, in order.

    An entry keyed for several occurrences appears that many times, so the
    path can be replayed as an ``Attempt`` as it stands, and
    ``number_occurrences`` gives back each item. ``validate_key`` makes sure
    the path obeys the order rules and orders occurrences 1, 2, ... of an
    entry in turn, so replaying it meets exactly the items listed.
    """
    return tuple(step.slug for step in expert_items(key))


def is_occurrence(value: object) -> bool:
    """A whole number from 1 (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def item_text(slug: str, occurrence: int) -> str:
    """``'cbc'`` for occurrence 1, ``'cbc' (occurrence 2)`` otherwise."""
    return repr(slug) if occurrence == 1 else f"{slug!r} (occurrence {occurrence})"
