"""The diagnosis picker's list of causes, built once per worker and content version.

Every play page lists every published cause, grouped by cause group, and a
page that asks for a differential also lists their names once, for the
ranked fields to suggest (``names_datalist_html``). That list
is the same for every learner, yet with a large taxonomy it cost a query and,
through Django's per-option widget templates, most of the page's render time
(about 150 ms for 2,000 causes). So it is built once, as data and as ready
markup, and each worker keeps it in memory under the content version
(``editorial.content_version``): any content write, a renamed, published or
deleted cause or group among them, rebuilds it on the next request. (It was
kept in Redis: fetching and unpickling 2,000 causes on every play page cost
more than keeping it in the worker.) What a learner submits is always checked
against the database: this list at most reads a typed name as a cause's slug.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join

from leucocases.editorial.content_version import remember

from .models import Cause

EMPTY_LABEL = "Choose a cause…"

#: (group name, ((cause slug, cause name), ...)), in the taxonomy's order.
Groups = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


#: The id of the ``<datalist>`` of cause names the differential's ranked fields suggest from.
CAUSE_NAMES_ID = "cause-names"


@dataclass(frozen=True)
class DiagnosisMenu:
    groups: Groups
    #: The <option>s and <optgroup>s with nothing chosen: what almost every page shows.
    unselected_html: str
    #: Every published cause's name, as a ``<datalist>``: one copy on the page,
    #: shared by the differential's ten ranked fields (a ``<select>`` each had
    #: made a play page 2 MB at scale 100).
    names_datalist_html: str
    name_by_slug: dict[str, str]
    #: Each cause's slug by its name as ``name_key`` folds it.
    slug_by_name: dict[str, str]

    def options_html(self, selected: str | None = None) -> str:
        if not selected:
            return self.unselected_html
        return options_html(self.groups, selected=selected)


def options_html(groups: Groups, *, selected: str | None) -> str:
    empty = format_html('<option value=""{}>{}</option>', "" if selected else " selected", EMPTY_LABEL)
    parts = [empty]
    for group, causes in groups:
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((slug, " selected" if slug == selected else "", name) for slug, name in causes),
        )
        parts.append(format_html('<optgroup label="{}">{}</optgroup>', group, options))
    return "".join(parts)


def build_menu() -> DiagnosisMenu:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for slug, name, group in Cause.objects.published().values_list("slug", "name", "group__name"):
        grouped.setdefault(group, []).append((slug, name))
    groups: Groups = tuple((group, tuple(causes)) for group, causes in grouped.items())
    every = [(slug, name) for _, causes in groups for slug, name in causes]
    names = format_html_join("", '<option value="{}"></option>', ((name,) for _, name in every))
    return DiagnosisMenu(
        groups=groups,
        unselected_html=options_html(groups, selected=None),
        names_datalist_html=format_html('<datalist id="{}">{}</datalist>', CAUSE_NAMES_ID, names),
        name_by_slug=dict(every),
        slug_by_name={name_key(name): slug for slug, name in every},
    )


def name_key(text: str) -> str:
    """A cause's name as a learner may type it: any case, any spacing."""
    return " ".join(text.split()).casefold()


def diagnosis_menu() -> DiagnosisMenu:
    return remember("diagnosis-menu", build_menu)
