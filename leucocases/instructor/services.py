"""Instructor writes: case history, review comments, duplicate, archive, regrade.

Keyword-only functions named ``<thing>_<action>``. The case admin calls the
case ones (``leucocases/cases/admin.py``); the regrade pages call the regrade
ones. Every change to a case made through here leaves a ``CaseRevision``.
Review moves, drafts of changes and publishing are in ``case_review``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from leucocases.cases import hooks as case_hooks
from leucocases.cases.casefile.exporter import casefile_export, cases_for_export
from leucocases.cases.copying import case_content_fields, copy_case_parts
from leucocases.cases.grading import ENGINE_VERSION, InvalidKeyError, Report, grade
from leucocases.cases.grading import Attempt as GradingAttempt
from leucocases.cases.keys import case_key
from leucocases.cases.models import Attempt, Case, Choice, GradedReport
from leucocases.editorial.models import ReviewStatus
from leucocases.editorial.services import free_slug
from leucocases.taxonomy.search.index import search_index_refresh
from leucocases.taxonomy.search.models import SearchEntry

from . import statistics
from .models import CaseRevision, ReportDigest, ReviewComment

# --------------------------------------------------------------------------
# Change history
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Review comments
# --------------------------------------------------------------------------


def review_comment_add(*, case: Case, user: Any, body: str) -> ReviewComment:
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ValidationError("Write a comment first.", code="empty_comment")
    if len(body) > 5000:
        raise ValidationError("A comment holds at most 5,000 characters.", code="comment_too_long")
    return ReviewComment.objects.create(case=case, author=user, body=body)


# --------------------------------------------------------------------------
# Duplicate and archive
# --------------------------------------------------------------------------


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
            case.refresh_from_db(fields=["archived_at"])
            case_revision_record(case=case, user=user, summary="Archived.", edited=False)
    return bool(changed)


def case_unarchive(*, case: Case, user: Any) -> bool:
    """Bring an archived case back. False if it was not archived."""
    with transaction.atomic():
        changed = Case.objects.filter(pk=case.pk, archived_at__isnull=False).update(archived_at=None)
        if changed:
            case.refresh_from_db(fields=["archived_at"])
            case_revision_record(case=case, user=user, summary="Unarchived.", edited=False)
    return bool(changed)


# --------------------------------------------------------------------------
# Regrade
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegradeLine:
    """One submitted attempt: its current report's total and the total the
    current key gives (``changed``: the report as a whole would differ)."""

    attempt: Attempt
    old_report_id: int | None
    old_total: float | None
    new_total: float
    changed: bool
    new_report: Report

    @property
    def learner(self) -> str:
        user = self.attempt.user
        return user.get_username() if user is not None else "anonymous (practice session)"

    @property
    def difference(self) -> float | None:
        return None if self.old_total is None else round(self.new_total - self.old_total, 1)


@dataclass(frozen=True, slots=True)
class RegradePreview:
    case: Case
    lines: tuple[RegradeLine, ...]
    fingerprint: str
    problems: tuple[str, ...] = ()

    @property
    def changed_count(self) -> int:
        return sum(1 for line in self.lines if line.changed)

    @property
    def unchanged_count(self) -> int:
        return len(self.lines) - self.changed_count


@dataclass(frozen=True, slots=True)
class RegradeResult:
    changed: int
    unchanged: int


def _normal(data: Any) -> Any:
    # Stored JSON and a fresh to_dict() compare equal once both went through JSON.
    return json.loads(json.dumps(data, sort_keys=True))


def key_fingerprint(key: Any) -> str:
    """A short digest of a case key: the preview page posts it back, so a key
    edited between preview and apply is noticed."""
    return hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:16]


def _regrade_lines(case: Case) -> tuple[tuple[RegradeLine, ...], str]:
    key = case_key(Case.objects.get(pk=case.pk))
    attempts = list(
        Attempt.objects.filter(case_id=case.pk)
        .submitted()
        .select_related("user", "diagnosis", "quiz_attempt__quiz")
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.select_related("step").order_by("position")))
        .order_by("submitted_at", "pk")
    )
    current = {
        report.attempt_id: report
        for report in GradedReport.objects.filter(attempt__case_id=case.pk, superseded_at__isnull=True).only(
            "pk", "attempt_id", "total", "data"
        )
    }
    lines = []
    for attempt in attempts:
        new = grade(
            key,
            GradingAttempt(
                steps=tuple(choice.step.slug for choice in attempt.choices.all()),
                diagnosis=None if attempt.diagnosis is None else attempt.diagnosis.slug,
            ),
        )
        old = current.get(attempt.pk)
        lines.append(
            RegradeLine(
                attempt=attempt,
                old_report_id=None if old is None else old.pk,
                old_total=None if old is None else old.total,
                new_total=new.total,
                changed=old is None or _normal(old.data) != _normal(new.to_dict()),
                new_report=new,
            )
        )
    return tuple(lines), key_fingerprint(key)


def case_regrade_preview(*, case: Case) -> RegradePreview:
    """What regrading ``case`` with its current key would change; writes nothing.

    A key the engine refuses gives a preview with ``problems`` and no lines.
    """
    try:
        lines, fingerprint = _regrade_lines(case)
    except InvalidKeyError as error:
        return RegradePreview(case=case, lines=(), fingerprint="", problems=tuple(p.message for p in error.problems))
    return RegradePreview(case=case, lines=lines, fingerprint=fingerprint)


def case_regrade_apply(
    *, case: Case, user: Any, fingerprint: str | None = None, now: datetime | None = None
) -> RegradeResult:
    """Regrade every submitted attempt on ``case`` whose report the current key changes.

    In one transaction: each such attempt's current report is marked
    superseded (kept, readable) and a new current report is stored with the
    reason "regrade by <user> on <date>". Attempts whose report would not
    change are left alone. Running it twice changes nothing the second time;
    two runs at once cannot leave two current reports (the database's
    one-current-report constraint, and the conditional update below).

    Raises ``ValidationError`` (code ``key_changed``) when ``fingerprint``
    (from the preview) no longer matches the key, and ``InvalidKeyError``
    when the key cannot be graded.
    """
    now = now or timezone.now()
    reason = f"regrade by {user.get_username()} on {now:%Y-%m-%d}"[:200]
    changed = unchanged = 0
    with transaction.atomic():
        lines, current_fingerprint = _regrade_lines(case)
        version = Case.objects.values_list("version", flat=True).get(pk=case.pk)
        if fingerprint is not None and fingerprint != current_fingerprint:
            raise ValidationError(
                "The key changed since the preview was made; check the new preview before applying.",
                code="key_changed",
            )
        for line in lines:
            if not line.changed:
                unchanged += 1
                continue
            if line.old_report_id is not None:
                superseded = GradedReport.objects.filter(pk=line.old_report_id, superseded_at__isnull=True).update(
                    superseded_at=now
                )
                if not superseded:
                    # Another regrade got there first; its report stands.
                    unchanged += 1
                    continue
            report = line.new_report
            try:
                with transaction.atomic():
                    graded = GradedReport.objects.create(
                        attempt=line.attempt,
                        data=report.to_dict(),
                        engine_version=ENGINE_VERSION,
                        total=report.total,
                        workup_score=report.workup_score,
                        diagnosis_score=report.diagnosis_score,
                        case_version=version,
                        reason=reason,
                    )
                    report_digest_store(report=graded)
            except IntegrityError:
                unchanged += 1
                continue
            changed += 1
            case_hooks.report_stored.fire_on_commit(
                case_hooks.ReportStored(line.attempt.pk, graded.pk, case_hooks.REGRADE)
            )
    return RegradeResult(changed=changed, unchanged=unchanged)


# --------------------------------------------------------------------------
# Report digests (what item analysis reads)
# --------------------------------------------------------------------------


def report_digest_store(*, report: GradedReport) -> ReportDigest:
    """Store the digest of a report just created, from the data in memory.

    Item analysis digests any report it meets without one, so calling this
    is optional; calling it where reports are made (submission, regrade)
    spares the first analysis after an exam that work.
    """
    record = statistics.record_from_data(attempt_id=report.attempt_id, total=report.total, data=report.data)
    fresh = ReportDigest.from_record(report_id=report.pk, record=record)
    digest, _created = ReportDigest.objects.get_or_create(
        report=report,
        defaults={
            "lines": fresh.lines,
            "missed": fresh.missed,
            "diagnosis": fresh.diagnosis,
            "diagnosis_verdict": fresh.diagnosis_verdict,
        },
    )
    return digest
