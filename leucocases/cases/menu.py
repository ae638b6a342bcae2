"""The play page's long menu: the whole catalogue, by category, with a filter.

Every entry is listed whether or not the case keys it, and stays listed once
ordered (it may be ordered again), so the menu says nothing about the key.

The filter (``?menu=term``) works without JavaScript: the server marks the
entries that do not match as hidden, and keeps them in the page so that
``static/js/cases.js`` can widen the same list again as the learner edits the
term. Both match the same way: every word of the term must appear in the
entry's name or its category's label, ignoring case and accents.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.http import HttpRequest

from leucocases.editorial.content_version import remember
from leucocases.taxonomy.models import WorkupStep
from leucocases.taxonomy.workup_catalogue import workup_catalogue

from .forms import MENU_QUERY_MAX_LENGTH

__all__ = ["Menu", "MenuCategory", "MenuStep", "menu_query", "step_menu"]


@dataclass(frozen=True, slots=True)
class MenuStep:
    """A catalogue entry on the play page; ``positions``: where this attempt ordered it, in order."""

    step: WorkupStep
    positions: tuple[int, ...] = ()
    shown: bool = True

    @property
    def latest(self) -> int | None:
        """The position of its latest result, or None if never ordered."""
        return self.positions[-1] if self.positions else None


@dataclass(frozen=True, slots=True)
class MenuCategory:
    label: str
    slug: str
    steps: tuple[MenuStep, ...]

    @property
    def shown(self) -> bool:
        return any(entry.shown for entry in self.steps)


@dataclass(frozen=True, slots=True)
class Menu:
    """The categories, the filter term and how many entries it leaves shown."""

    categories: tuple[MenuCategory, ...]
    query: str
    total: int
    shown: int


def menu_query(request: HttpRequest) -> str:
    """The menu filter a play page was asked for (``?menu=``), trimmed and bounded."""
    return " ".join(request.GET.get("menu", "").split())[:MENU_QUERY_MAX_LENGTH]


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


#: (label, slug, ((entry, its normalised name and category label), ...)) per category.
_Skeleton = tuple[tuple[str, str, tuple[tuple[WorkupStep, str], ...]], ...]


def _skeleton() -> _Skeleton:
    """The catalogue by category, with each entry's text to match, kept per content version."""

    def build() -> _Skeleton:
        labels = dict(WorkupStep.Category.choices)
        by_category: dict[str, list[tuple[WorkupStep, str]]] = {}
        for step in workup_catalogue().steps:
            label = labels.get(step.category, step.category)
            by_category.setdefault(step.category, []).append((step, _normalise(f"{step.name} {label}")))
        categories = [
            (label, value, tuple(by_category.pop(value)))
            for value, label in WorkupStep.Category.choices
            if value in by_category
        ]
        # Entries in a category added after this code was written still appear.
        categories += [(key, key, tuple(steps)) for key, steps in by_category.items()]
        return tuple(categories)

    return remember("play-menu", build)


def step_menu(*, positions: dict[int, tuple[int, ...]], query: str = "") -> Menu:
    """The whole catalogue grouped by category (in ``WorkupStep.Category``
    order: investigations, then actions), each entry with the positions this
    attempt ordered it at (``positions``: step pk -> positions) and whether
    it matches ``query``."""
    words = _normalise(query).split()
    categories = tuple(
        MenuCategory(
            label=label,
            slug=slug,
            steps=tuple(
                MenuStep(step=step, positions=positions.get(step.pk, ()), shown=all(w in text for w in words))
                for step, text in entries
            ),
        )
        for label, slug, entries in _skeleton()
    )
    entries = [entry for category in categories for entry in category.steps]
    return Menu(
        categories=categories,
        query=query,
        total=len(entries),
        shown=sum(1 for entry in entries if entry.shown),
    )
