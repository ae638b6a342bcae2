"""Instructor writes: regrade, and the report digests item analysis reads.

Keyword-only functions named ``<thing>_<action>``, called by the regrade
pages. (A case's history, review comments, review moves, duplicate and
archive belong to the case: ``cases.history``, ``cases.review``,
``cases.authoring``.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from leucocases.cases import hooks as case_hooks
from leucocases.cases.grading import Attempt as GradingAttempt
from leucocases.cases.grading import InvalidKeyError, Report, Verdict, grade
from leucocases.cases.keys import case_key
from leucocases.cases.models import Attempt, Case, Choice, GradedReport
from leucocases.cases.report_outline import report_outline
from leucocases.editorial.content_version import content_changed

from . import statistics
from .models import ReportDigest

# --------------------------------------------------------------------------
# Regrade
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegradeLine:
    """One submitted attempt: its current report's total and grade letter and
    those the current key gives (``changed``: the report as a whole would
    differ); ``old_never``/``new_never``: a never choice held the total down."""

    attempt: Attempt
    old_report_id: int | None
    old_total: float | None
    new_total: float
    changed: bool
    new_report: Report
    old_grade: str = ""
    old_never: bool = False

    @property
    def new_grade(self) -> str:
        return self.new_report.grade

    @property
    def new_never(self) -> bool:
        return self.new_report.never_triggered

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
    """Each submitted attempt graded again from its stored choices, in the
    order chosen: an entry chosen twice is its occurrence 2 again
    (``Choice.occurrence`` counts the same way), so an unchanged key
    reproduces the stored report."""
    key = case_key(Case.objects.get(pk=case.pk))
    attempts = list(
        Attempt.objects.filter(case_id=case.pk)
        .submitted()
        .select_related("user", "diagnosis", "quiz_case__quiz_attempt__quiz")
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
        old_outline = report_outline(None if old is None else old.data)
        lines.append(
            RegradeLine(
                attempt=attempt,
                old_report_id=None if old is None else old.pk,
                old_total=None if old is None else old.total,
                new_total=new.total,
                changed=old is None or _normal(old.data) != _normal(new.to_dict()),
                new_report=new,
                old_grade="" if old is None else old_outline.grade,
                old_never=any(line.verdict == Verdict.NEVER for line in old_outline.lines),
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
                        attempt=line.attempt, case_version=version, reason=reason, **GradedReport.columns_for(report)
                    )
                    report_digest_store(report=graded)
            except IntegrityError:
                unchanged += 1
                continue
            changed += 1
            case_hooks.report_stored.fire_on_commit(
                case_hooks.ReportStored(line.attempt.pk, graded.pk, case_hooks.REGRADE)
            )
        if changed:
            # Reports are written past the content signals; a regrade follows a key
            # change, and whatever a worker keeps about the case is rebuilt with it.
            content_changed()
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
            "grade": fresh.grade,
        },
    )
    return digest
