"""What the instructor tools store: digests of reports for item analysis.

(Review comments and the change history of each case belong to the case:
``cases.models.ReviewComment`` and ``CaseRevision``, which keep the tables
they had here.)
"""

from __future__ import annotations

from django.db import models

from leucocases.cases.report_outline import occurrence_pairs

from .statistics import ReportRecord


class ReportDigest(models.Model):
    """The few parts of a stored report that item analysis reads.

    A ``GradedReport`` carries every rationale it shows (kilobytes of JSON);
    decoding thousands of them made a quiz's analysis take seconds. A report
    never changes once stored (a regrade stores a new one), so its digest
    never goes stale: the analysis writes the missing ones the first time it
    meets a report, in one bulk insert, and reads only digests after that.
    Digests are a cache: a change of their format deletes them (migration
    0004), and the next analysis makes them again.
    """

    report = models.OneToOneField(
        "cases.GradedReport", on_delete=models.CASCADE, primary_key=True, related_name="digest"
    )
    #: [[step slug, verdict], …] in the learner's order (a slug's n-th line is its occurrence n).
    lines = models.JSONField(default=list)
    #: [[step slug, occurrence], …]: the essentials never chosen.
    missed = models.JSONField(default=list)
    diagnosis = models.CharField(max_length=120, blank=True)
    diagnosis_verdict = models.CharField(max_length=20, blank=True)
    #: The report's grade letter (A–F).
    grade = models.CharField(max_length=2, blank=True)

    def __str__(self):
        return f"Digest of report {self.report_id}"

    @classmethod
    def from_record(cls, *, report_id: int, record: ReportRecord) -> ReportDigest:
        """An unsaved digest holding what ``record`` (``statistics.record_from_data``) read."""
        return cls(
            report_id=report_id,
            lines=[[step, verdict] for step, verdict in zip(record.steps, record.verdicts, strict=True)],
            missed=[list(pair) for pair in occurrence_pairs(record.missed, record.missed_occurrences)],
            diagnosis=record.diagnosis or "",
            diagnosis_verdict=record.diagnosis_verdict,
            grade=record.grade,
        )
