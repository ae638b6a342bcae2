"""What a case's play page shows that is the same for every learner, kept per worker.

The case itself, its labels, its initial results, its presentation rendered
(``cases/includes/presentation.html``) and the addresses its forms post to
change only when an author edits content, so each worker keeps them in memory
under the content version (``editorial.content_version``): an edit shows on
the next request, on every worker. The learner's own parts of the page (their
choices, their forms, their checkpoint) are rendered around them on every
request (``play``). What is kept is shared by every request of the worker:
nothing may change it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from leucocases.editorial.content_version import remember

from .models import Case, CaseLabel, InitialLab

__all__ = ["MENU_ITEM_TEMPLATE", "PlayCase", "play_case", "play_case_named"]

#: One entry of the play page's menu (``templatetags.play_menu``).
MENU_ITEM_TEMPLATE = "cases/play.html#menu-item"


@dataclass(frozen=True)
class PlayCase:
    case: Case
    labels: tuple[CaseLabel, ...]
    labs: tuple[InitialLab, ...]
    #: ``cases/includes/presentation.html``, rendered.
    presentation_html: SafeString
    page_url: str
    choose_url: str
    submit_url: str

    @property
    def is_open_to_everyone(self) -> bool:
        """Playable without an account (``Case.objects.practice()``)."""
        return self.case.is_playable and self.case.is_practice


def _build(cases: QuerySet[Case]) -> PlayCase | None:
    case = cases.prefetch_related("labels", "initial_labs").first()
    if case is None:
        return None
    labs = tuple(case.initial_labs.all())
    slug = {"slug": case.slug}
    return PlayCase(
        case=case,
        labels=tuple(case.labels.all()),
        labs=labs,
        presentation_html=render_to_string("cases/includes/presentation.html", {"case": case, "labs": list(labs)}),
        page_url=case.get_absolute_url(),
        choose_url=reverse("cases:choose", kwargs=slug),
        submit_url=reverse("cases:submit", kwargs=slug),
    )


def play_case_named(slug: str) -> PlayCase | None:
    """The case ``slug`` (whatever its status: the caller checks who may play it), or None."""
    return remember(("play-case", slug), lambda: _build(Case.objects.filter(slug=slug)))


def play_case(case: Case) -> PlayCase:
    """The parts of ``case``'s page kept for it (a case already read: the quiz runner's)."""
    return remember(("play-case-id", case.pk), lambda: _build(Case.objects.filter(pk=case.pk)))
