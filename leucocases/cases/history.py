"""The change history of each case: snapshots, and what changed between two.

A ``CaseRevision`` is the case's whole case file as it stood after a change
(see ``models.CaseRevision``). Every write to a case made by its authors or
reviewers leaves one, explicitly: admin saves (``admin_change_summary`` says
what the form changed), review moves and publishing (``review``), imports
(``import_workflow``), archive, unarchive and duplicate (``authoring``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .casefile.exporter import casefile_export, cases_for_export
from .models import Case, CaseRevision


def case_snapshot(*, case: Case) -> str:
    """The case's case file as it stands in the database now (fresh rows, not
    whatever ``case`` has cached)."""
    fresh = cases_for_export(Case.objects.filter(pk=case.pk)).get()
    return casefile_export(cases=[fresh])


def case_revision_record(
    *,
    case: Case,
    user: Any,
    summary: str,
    only_if_changed: bool = False,
    edited: bool | None = None,
    now: datetime | None = None,
) -> CaseRevision | None:
    """Store a revision of ``case`` as it stands now, numbered after the last.

    With ``only_if_changed`` nothing is stored (and None returned) when the
    case file, review status and archived date equal the latest revision's:
    saving an unchanged form adds no noise to the history. ``edited`` says
    whether the content changed (review moves and archiving pass False); by
    default it is worked out from the case file against the latest revision's.
    """
    with transaction.atomic():
        # Locks the case row (PostgreSQL): two saves at once get numbers in turn.
        locked = Case.objects.select_for_update().only("pk", "review_status", "archived_at").get(pk=case.pk)
        casefile = case_snapshot(case=locked)
        latest = CaseRevision.objects.filter(case=locked).order_by("-number").first()
        if (
            only_if_changed
            and latest is not None
            and snapshot_lines(latest.casefile) == snapshot_lines(casefile)
            and latest.review_status == locked.review_status
            and latest.archived_at == locked.archived_at
        ):
            return None
        return CaseRevision.objects.create(
            case=locked,
            number=(latest.number if latest else 0) + 1,
            edited=(latest is None or _content_lines(latest.casefile) != _content_lines(casefile))
            if edited is None
            else edited,
            user=user if user is not None and getattr(user, "is_authenticated", False) else None,
            created_at=now or timezone.now(),
            summary=summary[:300],
            review_status=locked.review_status,
            archived_at=locked.archived_at,
            casefile=casefile,
        )


_BLOCK_CHOMPING = re.compile(r"(:|-) \|[-+]$")


def snapshot_lines(text: str) -> list[str]:
    """A snapshot's lines as the history compares them: whatever the line
    endings, without trailing spaces, and without the YAML block marker that
    only says whether a text ended with a newline (``|-`` or ``|``), which
    changes nothing a learner reads."""
    return [_BLOCK_CHOMPING.sub(r"\1 |", line.rstrip()) for line in text.splitlines()]


def _content_lines(casefile: str) -> list[str]:
    # The case file's top-level status line is the review record, not content.
    return [line for line in snapshot_lines(casefile) if not line.startswith("status: ")]


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "add", "remove", "hunk", "context", "file"
    text: str


def revision_diff(*, older: CaseRevision | None, newer: CaseRevision) -> tuple[DiffLine, ...]:
    """A unified diff from ``older`` to ``newer`` (from nothing for the first),
    of normalised text (``snapshot_lines``)."""
    before = snapshot_lines(older.snapshot_text) if older is not None else []
    after = snapshot_lines(newer.snapshot_text)
    lines = []
    for raw in difflib.unified_diff(
        before,
        after,
        fromfile=f"revision {older.number}" if older is not None else "(nothing)",
        tofile=f"revision {newer.number}",
        lineterm="",
        n=3,
    ):
        if raw.startswith(("---", "+++")):
            kind = "file"
        elif raw.startswith("@@"):
            kind = "hunk"
        elif raw.startswith("+"):
            kind = "add"
        elif raw.startswith("-"):
            kind = "remove"
        else:
            kind = "context"
        lines.append(DiffLine(kind=kind, text=raw))
    return tuple(lines)


def admin_change_summary(*, add: bool, changed_fields: list[str], formsets: list[Any]) -> str:
    """A one-line summary of an admin save: which fields, and rows added,
    changed or deleted in each inline (read after the formsets saved)."""
    if add:
        return "Created in the admin."
    parts = []
    if changed_fields:
        parts.append("changed " + ", ".join(name.replace("_", " ") for name in changed_fields))
    for formset in formsets:
        name = str(formset.model._meta.verbose_name_plural)
        counts = [
            (len(getattr(formset, "new_objects", ()) or ()), "added"),
            (len(getattr(formset, "changed_objects", ()) or ()), "changed"),
            (len(getattr(formset, "deleted_objects", ()) or ()), "deleted"),
        ]
        said = [f"{n} {verb}" for n, verb in counts if n]
        if said:
            parts.append(f"{name}: {', '.join(said)}")
    return ("Edited in the admin: " + "; ".join(parts) + ".") if parts else "Saved in the admin."
