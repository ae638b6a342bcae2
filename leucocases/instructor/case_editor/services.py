"""Writes from the case editor: save a case (or its draft of changes), and review moves.

A case is written from its checked record with the importer's ``CaseWriter``,
so the editor and ``import_cases`` store a case the same way; every save that
changes something leaves a ``CaseRevision`` (``history``). An approved case
is never written: its draft of changes is (``review.case_draft_start``),
while learners keep playing the approved version.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from leucocases.cases.casefile import CaseSpec
from leucocases.cases.casefile.importer import CaseWriter
from leucocases.cases.history import case_revision_record
from leucocases.cases.models import Case
from leucocases.cases.review import case_draft_start
from leucocases.editorial.services import free_slug
from leucocases.taxonomy.search.index import search_index_refresh
from leucocases.taxonomy.search.models import SearchEntry


def new_case_slug(title: str) -> str:
    """A free slug made from ``title`` (``case`` when the title has no letters)."""
    return free_slug(model=Case, slug=slugify(title)[:100].strip("-") or "case", suffix="")


def case_editor_save(*, case: Case | None, spec: CaseSpec, user: Any) -> tuple[Case, bool]:
    """Store ``spec`` (checked by the editor) and return the row written and
    whether anything changed.

    ``case`` None: a new draft authored by ``user``. An approved case: its
    draft of changes (started now if none is under way). Anything else: the
    case itself. The review status is left as it stands.
    """
    with transaction.atomic():
        if case is None:
            target = CaseWriter().write(replace(spec, slug=new_case_slug(spec.title)), None, author=user)
            case_revision_record(case=target, user=user, summary="Written in the case editor.")
        else:
            target = case_draft_start(case=case, user=user)[0] if case.is_locked else case
            if CaseWriter.says(replace(spec, slug=_file_slug(target)), target):
                return target, False
            CaseWriter().write(spec, target)
            record = case_revision_record(
                case=target, user=user, summary="Edited in the case editor.", only_if_changed=True
            )
            if record is None:
                return target, False
        search_index_refresh(kind=SearchEntry.Kind.CASE, ids=[target.pk])
    return target, True


def _file_slug(case: Case) -> str:
    # A draft of changes says its case's slug in its file (``exporter.case_spec``).
    return case.draft_of.slug if case.draft_of_id else case.slug
