"""What LeucoCases keeps about the LMSs it is plugged into.

django-lti (``lti_tool``) stores the platforms (``LtiRegistration`` and its
deployments), the tool's keys, and what launches said about users, courses
(contexts), memberships and resource links. This app adds what is ours: which
origins may frame the tool, the cohort each course became, which case or quiz
each LMS link opens with its score policy, the learners who opened it, each
score sent (or still to send) to the gradebook, the launch state the OIDC
login keeps between its two requests, and the xAPI statements waiting for the
Learning Record Store.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from lti_tool.models import LtiContext, LtiRegistration, LtiResourceLink, LtiUser

from leucocases.cases.models import Case, GradedReport
from leucocases.quizzes.models import Cohort, Quiz, QuizAttempt

#: AGS scopes (https://www.imsglobal.org/spec/lti-ags/v2p0).
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


def origin_of(url: str) -> str:
    """``https://lms.example.edu:8443`` from any URL on that origin ("" if it has none)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


class PlatformSettings(models.Model):
    """LeucoCases' own settings for one registered platform."""

    registration = models.OneToOneField(LtiRegistration, on_delete=models.CASCADE, related_name="leucocases_settings")
    frame_origins = models.TextField(
        blank=True,
        help_text=(
            "Origins whose pages may show LeucoCases in a frame, one per line (https://moodle.school.edu). "
            "Empty: the origins of the issuer and the auth URL. Canvas frames from the school's own "
            "domain (https://school.instructure.com), not from its issuer: list it here."
        ),
    )

    class Meta:
        verbose_name = "LeucoCases settings"
        verbose_name_plural = "LeucoCases settings"

    def __str__(self):
        return f"Settings for {self.registration}"

    def clean(self):
        for line in self.frame_origins.splitlines():
            if line.strip() and origin_of(line) != line.strip().rstrip("/"):
                raise ValidationError(
                    {
                        "frame_origins": ValidationError(
                            "“%(line)s” is not an origin: write scheme and host only.",
                            code="not_an_origin",
                            params={"line": line.strip()},
                        )
                    }
                )


class Course(models.Model):
    """An LMS course (an LTI context) and the cohort it became here."""

    context = models.OneToOneField(LtiContext, on_delete=models.CASCADE, related_name="leucocases_course")
    cohort = models.OneToOneField(Cohort, on_delete=models.PROTECT, related_name="lms_course")
    roster_imported_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return str(self.cohort)


class ScorePolicy(models.TextChoices):
    FIRST = "first", "First attempt"
    BEST = "best", "Best attempt"
    LAST = "last", "Last attempt"


class Activity(models.Model):
    """An LMS link (LTI resource link) that opens one case or one quiz."""

    resource_link = models.OneToOneField(LtiResourceLink, on_delete=models.CASCADE, related_name="leucocases_activity")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="lms_activities")
    quiz = models.ForeignKey(Quiz, null=True, blank=True, on_delete=models.PROTECT, related_name="lms_activities")
    policy = models.CharField(
        max_length=10,
        choices=ScorePolicy.choices,
        default=ScorePolicy.BEST,
        help_text="Which of a learner's attempts the gradebook gets.",
    )
    # From the launch's AGS claim: the gradebook column of this link, the
    # course's column collection, and what the tool may do with them.
    line_item_url = models.URLField(max_length=500, blank=True)
    lineitems_url = models.URLField(max_length=500, blank=True)
    ags_scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False, quiz__isnull=True) | Q(case__isnull=True, quiz__isnull=False),
                name="activity_opens_a_case_or_a_quiz",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.resource_link.context})"

    @property
    def title(self) -> str:
        return self.case.title if self.case_id else self.quiz.title

    @property
    def sends_scores(self) -> bool:
        """The LMS lets the tool post scores here: a column exists, or may be created."""
        if SCOPE_SCORE not in self.ags_scopes:
            return False
        return bool(self.line_item_url) or (bool(self.lineitems_url) and SCOPE_LINEITEM in self.ags_scopes)


class ActivityLearner(models.Model):
    """A learner who opened an activity from the LMS: whose scores go to the gradebook."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="learners")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lti_user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="+")
    #: Attempts submitted from this moment on count for the gradebook.
    first_launch_at = models.DateTimeField(default=timezone.now)
    last_launch_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="learner_once_per_activity")]

    def __str__(self):
        return f"{self.user} in {self.activity}"


class ScoreDelivery(models.Model):
    """One score for one learner's gradebook cell, and whether the LMS has it."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        RETRYING = "retrying", "Not accepted yet: will retry"
        SENT = "sent", "In the gradebook"
        FAILED = "failed", "Gave up: resend when the LMS is back"
        SUPERSEDED = "superseded", "Replaced by a newer score"

    class Reason(models.TextChoices):
        SUBMISSION = "submission", "Case submitted"
        QUIZ_FINISHED = "quiz_finished", "Quiz finished"
        REGRADE = "regrade", "Regrade"
        RESEND = "resend", "Resent by an instructor"
        POLICY = "policy", "Score policy changed"

    learner = models.ForeignKey(ActivityLearner, on_delete=models.CASCADE, related_name="deliveries")
    #: 0–1 out of ``score_maximum`` (1): the LMS scales it to its column.
    score_given = models.FloatField()
    score_maximum = models.FloatField(default=1.0)
    source_report = models.ForeignKey(GradedReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_quiz_attempt = models.ForeignKey(
        QuizAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    tries = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    #: Also the score's AGS timestamp: the LMS ignores a score older than one it has.
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "score deliveries"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["learner", "-created_at"]), models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.score_given:.4f} for {self.learner} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in {self.State.PENDING, self.State.RETRYING}


class LaunchDatum(models.Model):
    """A value the OIDC login keeps for the launch that follows it (nonce, state, launch data).

    In the database rather than the cache: a Redis outage or a second app
    server must not break launches, and a nonce is consumed with one DELETE
    whose row count says whether it was still unused.
    """

    key = models.CharField(max_length=255, unique=True)
    value = models.JSONField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.key


class XapiStatement(models.Model):
    """An xAPI statement waiting for (or delivered to) the Learning Record Store."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Stored by the LRS"
        FAILED = "failed", "Gave up"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    statement = models.JSONField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING, db_index=True)
    tries = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "xAPI statement"
        ordering = ["created_at"]

    def __str__(self):
        verb = self.statement.get("verb", {}).get("display", {}).get("en-GB", "?")
        return f"{verb} ({self.get_state_display()})"
