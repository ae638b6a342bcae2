"""Review comments on cases, and the change history of each case.

A ``CaseRevision`` is an explicit snapshot: the case's whole case file (the
canonical YAML of ``cases.casefile.exporter``, content and key together) as it
stood after a change, with who made the change, when, and a one-line summary.
The services write one after every admin save, review transition, archive,
unarchive and duplicate (``services.case_revision_record``); nothing writes
one implicitly (no signal, no ``save()`` override).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from leucocases.cases.models import Case
from leucocases.editorial.models import ReviewStatus

from .statistics import ReportRecord


class ReviewComment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="review_comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    body = models.TextField(max_length=5000, help_text="Markdown.")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment by {self.author or 'a deleted user'} on {self.case.slug}"


class CaseRevision(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="revisions")
    #: 1, 2, 3 … per case, in the order the changes were made.
    number = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    summary = models.CharField(max_length=300)
    #: The content or key changed in this entry (not only the review status or
    #: the archive date): its user is then one of the case's editors, who may
    #: not review or approve it.
    edited = models.BooleanField(default=True)
    review_status = models.CharField(max_length=20, choices=ReviewStatus.choices)
    archived_at = models.DateTimeField(null=True, blank=True)
    #: The case file export (YAML) of the case as it stood after the change.
    casefile = models.TextField()

    class Meta:
        ordering = ["case", "-number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="one_revision_number_per_case")]

    def __str__(self):
        return f"{self.case.slug} revision {self.number}"

    def get_absolute_url(self):
        return reverse("admin:cases_case_revision", kwargs={"object_id": self.case_id, "number": self.number})

    @property
    def snapshot_text(self) -> str:
        """What the history compares: the case file, plus whether the case
        was archived (archiving is not part of the case-file format)."""
        archived = "no" if self.archived_at is None else self.archived_at.strftime("%Y-%m-%d %H:%M UTC")
        return f"# archived: {archived}\n{self.casefile}"


class ReportDigest(models.Model):
    """The few parts of a stored report that item analysis reads.

    A ``GradedReport`` carries every rationale it shows (kilobytes of JSON);
    decoding thousands of them made a quiz's analysis take seconds. A report
    never changes once stored (a regrade stores a new one), so its digest
    never goes stale: the analysis writes the missing ones the first time it
    meets a report, in one bulk insert, and reads only digests after that.
    """

    report = models.OneToOneField(
        "cases.GradedReport", on_delete=models.CASCADE, primary_key=True, related_name="digest"
    )
    #: [[step slug, verdict], …] in the learner's order.
    lines = models.JSONField(default=list)
    #: Slugs of the essential steps never chosen.
    missed = models.JSONField(default=list)
    diagnosis = models.CharField(max_length=120, blank=True)
    diagnosis_verdict = models.CharField(max_length=20, blank=True)

    def __str__(self):
        return f"Digest of report {self.report_id}"

    @classmethod
    def from_record(cls, *, report_id: int, record: ReportRecord) -> ReportDigest:
        """An unsaved digest holding what ``record`` (``statistics.record_from_data``) read."""
        return cls(
            report_id=report_id,
            lines=[[step, verdict] for step, verdict in zip(record.steps, record.verdicts, strict=True)],
            missed=list(record.missed),
            diagnosis=record.diagnosis or "",
            diagnosis_verdict=record.diagnosis_verdict,
        )
