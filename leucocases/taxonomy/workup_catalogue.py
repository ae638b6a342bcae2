"""The workup catalogue, read once per worker and content version.

Every play page lists the whole catalogue, every choice names an entry by its
slug and every result shows its entry: the same rows on every request, which
change only when an author edits the catalogue. So each worker keeps them in
memory under the content version (``editorial.content_version``), as
``diagnosis_menu`` keeps the causes: an edit shows on the next request. The
entries are shared between requests: nothing may change them.
"""

from __future__ import annotations

from dataclasses import dataclass

from leucocases.editorial.content_version import remember

from .models import WorkupStep

__all__ = ["WorkupCatalogue", "workup_catalogue"]


@dataclass(frozen=True)
class WorkupCatalogue:
    #: In catalogue order (``WorkupStep.Meta.ordering``).
    steps: tuple[WorkupStep, ...]
    by_pk: dict[int, WorkupStep]
    by_slug: dict[str, WorkupStep]


def _build() -> WorkupCatalogue:
    steps = tuple(WorkupStep.objects.all())
    return WorkupCatalogue(
        steps=steps, by_pk={step.pk: step for step in steps}, by_slug={step.slug: step for step in steps}
    )


def workup_catalogue() -> WorkupCatalogue:
    return remember("workup-catalogue", _build)
