"""An author's writes on a case outside the review workflow: duplicate, archive, unarchive.

Keyword-only ``<thing>_<action>`` functions, called by the case admin's
actions; each leaves a ``CaseRevision`` (``history``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from leucocases.editorial.content_version import content_changed
from leucocases.editorial.models import ReviewStatus
from leucocases.editorial.services import free_slug
from leucocases.taxonomy.search.index import search_index_refresh
from leucocases.taxonomy.search.models import SearchEntry

from .casefile.exporter import cases_for_export
from .copying import case_content_fields, copy_case_parts
from .history import case_revision_record
from .models import Case


def copy_slug(*, slug: str) -> str:
    """``<slug>-copy``, or ``<slug>-copy-2``, ``-3`` … when taken (max 120 characters)."""
    return free_slug(model=Case, slug=slug, suffix="-copy")


def case_duplicate(*, case: Case, user: Any) -> Case:
    """A new draft copy of ``case``: same content, key and scoring, authored by
    ``user``, with the slug ``<slug>-copy[-n]``; attempts are not copied."""
    with transaction.atomic():
        source = cases_for_export(Case.objects.filter(pk=case.pk)).get()
        title_length = Case._meta.get_field("title").max_length
        copy = Case.objects.create(
            **case_content_fields(source),
            slug=copy_slug(slug=source.slug),
            title=f"{source.title} (copy)"[:title_length],
            review_status=ReviewStatus.DRAFT,
            author=user,
        )
        copy_case_parts([(source, copy)])
        case_revision_record(case=copy, user=user, summary=f"Duplicated from “{source.slug}” as a new draft.")
        search_index_refresh(kind=SearchEntry.Kind.CASE, ids=[copy.pk])
    return copy


def case_archive(*, case: Case, user: Any, now: datetime | None = None) -> bool:
    """Archive ``case``: it leaves /cases/ and new quiz attempts; its past
    attempts and reports stay readable. False if it was archived already."""
    with transaction.atomic():
        changed = Case.objects.filter(pk=case.pk, archived_at__isnull=True).update(archived_at=now or timezone.now())
        if changed:
            content_changed()  # an update sends no signal
            case.refresh_from_db(fields=["archived_at"])
            case_revision_record(case=case, user=user, summary="Archived.", edited=False)
    return bool(changed)


def case_unarchive(*, case: Case, user: Any) -> bool:
    """Bring an archived case back. False if it was not archived."""
    with transaction.atomic():
        changed = Case.objects.filter(pk=case.pk, archived_at__isnull=False).update(archived_at=None)
        if changed:
            content_changed()
            case.refresh_from_db(fields=["archived_at"])
            case_revision_record(case=case, user=user, summary="Unarchived.", edited=False)
    return bool(changed)
