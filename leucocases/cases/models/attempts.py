"""Learners' attempts: each choice is stored the moment it is made, and the
graded report at submission, so a later key edit changes nothing silently (a
regrade writes a new report and keeps the old one).

An attempt played inside something of a higher app (one case of a quiz
attempt) is linked from that app (``quizzes.QuizAttemptCase``), never from
here: models depend one way. What such an attempt may do is the higher app's
rule, reached through ``cases.policies``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from leucocases.taxonomy.models import Cause, WorkupStep

from .. import policies
from ..grading import ENGINE_VERSION, Report
from ..grading.certainty import Certainty
from .content import Case

#: The certainty a learner states with the final diagnosis, low to high.
CERTAINTY_CHOICES = [(level.value, level.value.capitalize()) for level in Certainty]


class AttemptQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(submitted_at__isnull=False)

    def open(self):
        return self.filter(submitted_at__isnull=True)

    def practice(self):
        """The learners' own practice attempts: none played inside something
        else, such as a quiz (``policies.CasePolicy.practice_attempts``)."""
        return self.filter(policies.practice_attempts())

    def owned_by(self, *, user=None, session_key: str | None = None):
        """The only way views look attempts up: a learner never reaches another's."""
        if user is not None and user.is_authenticated:
            return self.filter(user=user)
        if session_key:
            return self.filter(user__isnull=True, session_key=session_key)
        return self.none()


class Attempt(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="case_attempts"
    )
    # Anonymous practice: the session owns the attempt until the visitor logs in.
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    #: The case's published version when the attempt started (None: started
    #: before versions were recorded). The report records the one it was graded on.
    case_version = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    diagnosis = models.ForeignKey(Cause, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: How certain the learner said they were of ``diagnosis`` (blank: not
    #: stated, as when a quiz's time ran out or before certainty was asked).
    certainty = models.CharField(max_length=6, choices=CERTAINTY_CHOICES, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["case", "submitted_at"]),
            # A visitor's own attempts (``owned_by``), read on every page they play or
            # read, as prepared statements with a generic plan. Without it PostgreSQL
            # walked every anonymous attempt through the user index (its statistics
            # said "no user" was rare): 1 ms per lookup, a dozen per play page.
            models.Index(
                fields=["session_key", "case"], condition=models.Q(user__isnull=True), name="attempt_visitor_case"
            ),
        ]

    def __str__(self):
        return f"Attempt {self.pk} on {self.case.slug}"

    def get_absolute_url(self):
        return reverse("cases:report", kwargs={"pk": self.pk})

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Choice(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="choices")
    step = models.ForeignKey(WorkupStep, on_delete=models.PROTECT, related_name="+")
    #: The n-th time this attempt chose this entry (a repeat count is 2).
    occurrence = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "step", "occurrence"], name="one_choice_per_occurrence"),
            models.UniqueConstraint(fields=["attempt", "position"], name="one_choice_per_position"),
        ]

    def __str__(self):
        return f"{self.position}. {self.step.slug}"


class GradedReport(models.Model):
    """The engine's report for an attempt, frozen when produced.

    At most one report per attempt is current (a database constraint, so a
    double submit cannot store two); a regrade supersedes it and keeps it.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="reports")
    data = models.JSONField()
    engine_version = models.CharField(max_length=20)
    total = models.FloatField()
    workup_score = models.FloatField()
    diagnosis_score = models.FloatField()
    #: The case's published version the key came from (None: graded before
    #: versions were recorded).
    case_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, default="submission")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt"], condition=Q(superseded_at__isnull=True), name="one_current_report_per_attempt"
            )
        ]

    def __str__(self):
        return f"Report on attempt {self.attempt_id}: {self.total}"

    @staticmethod
    def columns_for(report: Report) -> dict:
        """The columns that store the engine's ``report``: its JSON, the engine
        that graded it and the scores lists sort and filter by."""
        return {
            "data": report.to_dict(),
            "engine_version": ENGINE_VERSION,
            "total": report.total,
            "workup_score": report.workup_score,
            "diagnosis_score": report.diagnosis_score,
        }


class AttemptCheckpoint(models.Model):
    """What a learner wrote at one differential checkpoint of their attempt: a
    one-line problem summary and up to five causes, ranked (cause slugs, most
    likely first). Asked only in a case that keys a differential (``Case.differential``)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="checkpoints")
    name = models.CharField(max_length=20)  # one of grading.differential.CHECKPOINTS
    summary = models.CharField(max_length=200, blank=True)
    causes = models.JSONField(default=list)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "name"], name="one_checkpoint_per_name")]

    def __str__(self):
        return f"Attempt {self.attempt_id} at {self.name}: {', '.join(self.causes)}"


class DifferentialReport(models.Model):
    """The learner's differential compared with the expert's, frozen at
    submission like the graded report (``grading.differential.DifferentialComparison.to_dict``)."""

    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="differential_report")
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Differential report on attempt {self.attempt_id}"
