"""Each case's review record: the comments on it and its change history."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from leucocases.editorial.models import ReviewStatus

from .content import Case


class ReviewComment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="review_comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    body = models.TextField(max_length=5000, help_text="Markdown.")

    class Meta:
        # Moved from the instructor app without moving its rows.
        db_table = "instructor_reviewcomment"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment by {self.author or 'a deleted user'} on {self.case.slug}"


class CaseRevision(models.Model):
    """An explicit snapshot: the case's whole case file (the canonical YAML of
    ``casefile.exporter``, content and key together) as it stood after a
    change, with who made it, when, and a one-line summary. Written by
    ``history.case_revision_record`` after every admin save, review move,
    archive, unarchive and duplicate; never implicitly (no signal, no ``save()``)."""

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
        # Moved from the instructor app without moving its rows.
        db_table = "instructor_caserevision"
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
