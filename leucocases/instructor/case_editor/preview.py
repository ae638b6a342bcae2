"""The learner's view of a case in the editor: order entries, see what they
reveal, record nothing.

The path ordered so far travels in the page's links and forms
(``?path=slug,slug``), never in the database or the session, so a preview
cannot touch an attempt, a report or item analysis. It shows the case as
saved, in the play page's own pieces (the menu, the results).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leucocases.cases.menu import step_menu
from leucocases.cases.models import Case
from leucocases.cases.selectors import path_chosen_steps
from leucocases.taxonomy.models import WorkupStep

#: Longer paths are cut here: a preview is for looking, not for load.
MAX_PATH = 200


def preview_path(query: Mapping[str, str]) -> list[str]:
    """The path asked for: ``path`` plus the entry just ordered (``order``), known slugs only."""
    slugs = [s for s in query.get("path", "").split(",") if s]
    if query.get("order"):
        slugs.append(query["order"])
    known = set(WorkupStep.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    return [s for s in slugs if s in known][:MAX_PATH]


def preview_context(*, case: Case, query: Mapping[str, str]) -> dict[str, Any]:
    path = preview_path(query)
    steps = WorkupStep.objects.in_bulk(path, field_name="slug")
    picks, seen, positions = [], {}, {}
    for position, slug in enumerate(path, start=1):
        step = steps[slug]
        seen[slug] = seen.get(slug, 0) + 1
        picks.append((position, step, seen[slug]))
        positions[step.pk] = (*positions.get(step.pk, ()), position)
    return {
        "case": case,
        "labs": list(case.initial_labs.all()),
        "chosen": path_chosen_steps(case_id=case.pk, picks=picks),
        "menu": step_menu(positions=positions, query=""),
        "path": ",".join(path),
    }
