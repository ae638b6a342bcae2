"""The review workflow every piece of teaching content goes through.

Content is public only once approved; the person who approves must not be the
author (the source page's own "Submitted → Under Review → Approved" banner).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"


# Which status may follow which. Returning work to draft is always allowed so a
# reviewer can send it back; approval only comes out of review.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ReviewStatus.DRAFT: frozenset({ReviewStatus.SUBMITTED}),
    ReviewStatus.SUBMITTED: frozenset({ReviewStatus.UNDER_REVIEW, ReviewStatus.DRAFT}),
    ReviewStatus.UNDER_REVIEW: frozenset({ReviewStatus.APPROVED, ReviewStatus.DRAFT}),
    ReviewStatus.APPROVED: frozenset({ReviewStatus.DRAFT}),
}


class ReviewableQuerySet(models.QuerySet):
    def published(self):
        return self.filter(review_status=ReviewStatus.APPROVED)

    def visible_to(self, user):
        """Staff preview everything; everyone else sees approved content only."""
        if user is not None and user.is_authenticated and user.is_staff:
            return self.all()
        return self.published()


class Reviewable(models.Model):
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewableQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if (
            self.review_status == ReviewStatus.APPROVED
            and self.author_id is not None
            and self.author_id == self.reviewer_id
        ):
            raise ValidationError(
                {"reviewer": "Nobody approves their own work: the reviewer must not be the author."},
                code="self_approval",
            )

    @property
    def is_published(self) -> bool:
        return self.review_status == ReviewStatus.APPROVED

    @property
    def is_locked(self) -> bool:
        """Whether approval is final. Models whose approved rows change only
        through a reviewed draft of changes (cases, quizzes) say so once
        approved; an approved taxonomy page may still go back to draft."""
        return False


class DraftedReviewable(Reviewable):
    """Content whose approved row is never edited in place (cases, quizzes): it
    changes through a draft of changes (``pending_draft``) that is reviewed and
    approved in turn, while learners keep the approved version."""

    #: Set on a draft of changes to an approved row (at most one per row): never
    #: offered to learners; approving it copies it into ``draft_of`` in place and
    #: deletes it.
    draft_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="pending_draft", editable=False
    )

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return super().is_published and self.draft_of_id is None

    @property
    def is_locked(self) -> bool:
        return self.is_published
