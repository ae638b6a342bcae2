"""The review workflow service: which moves are allowed, and nobody approves their own work."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leucocases.editorial.models import ALLOWED_TRANSITIONS, ReviewStatus
from leucocases.editorial.services import review_transition
from leucocases.taxonomy.models import Cause, Topic
from tests.accounts.factories import make_user
from tests.taxonomy.factories import make_cause, make_topic

pytestmark = pytest.mark.django_db

ALL = list(ReviewStatus)
ALLOWED = [(a, b) for a in ALL for b in ALL if b in ALLOWED_TRANSITIONS[a]]
FORBIDDEN = [(a, b) for a in ALL for b in ALL if b not in ALLOWED_TRANSITIONS[a]]


def test_the_happy_path_draft_to_approved_by_a_second_person():
    """Author submits; a reviewer takes it under review and approves it; it is then published."""
    author, reviewer = make_user(), make_user()
    cause = make_cause(status=ReviewStatus.DRAFT)

    review_transition(obj=cause, user=author, to_status=ReviewStatus.SUBMITTED)
    review_transition(obj=cause, user=reviewer, to_status=ReviewStatus.UNDER_REVIEW)
    review_transition(obj=cause, user=reviewer, to_status=ReviewStatus.APPROVED)

    cause = Cause.objects.get(pk=cause.pk)
    assert cause.review_status == ReviewStatus.APPROVED
    assert cause.author == author
    assert cause.reviewer == reviewer
    assert cause.reviewed_at is not None
    assert Cause.objects.published().filter(pk=cause.pk).exists()


@pytest.mark.parametrize(("start", "end"), ALLOWED)
def test_allowed_transitions_are_stored(start, end):
    cause = make_cause(status=start, author=make_user())

    review_transition(obj=cause, user=make_user(), to_status=end)

    assert Cause.objects.get(pk=cause.pk).review_status == end


@pytest.mark.parametrize(("start", "end"), FORBIDDEN)
def test_forbidden_transitions_raise_and_change_nothing(start, end):
    """Skipping a step (draft → approved) or standing still is refused with code bad_transition."""
    cause = make_cause(status=start, author=make_user())

    with pytest.raises(ValidationError) as error:
        review_transition(obj=cause, user=make_user(), to_status=end)

    assert error.value.code == "bad_transition"
    assert Cause.objects.get(pk=cause.pk).review_status == start


def test_draft_cannot_jump_straight_to_approved():
    cause = make_cause(status=ReviewStatus.DRAFT)

    with pytest.raises(ValidationError):
        review_transition(obj=cause, user=make_user(), to_status=ReviewStatus.APPROVED)


@pytest.mark.parametrize(
    ("start", "end"),
    [(ReviewStatus.UNDER_REVIEW, ReviewStatus.APPROVED), (ReviewStatus.SUBMITTED, ReviewStatus.UNDER_REVIEW)],
)
def test_author_cannot_review_or_approve_their_own_work(start, end):
    """Self-review and self-approval raise PermissionDenied and leave the status alone."""
    author = make_user()
    topic = make_topic(status=start, author=author)

    with pytest.raises(PermissionDenied):
        review_transition(obj=topic, user=author, to_status=end)

    topic = Topic.objects.get(pk=topic.pk)
    assert topic.review_status == start
    assert topic.reviewer is None


def test_author_may_return_their_own_work_to_draft():
    author = make_user()
    cause = make_cause(status=ReviewStatus.SUBMITTED, author=author)

    review_transition(obj=cause, user=author, to_status=ReviewStatus.DRAFT)

    assert Cause.objects.get(pk=cause.pk).review_status == ReviewStatus.DRAFT


def test_submitting_authorless_work_makes_the_submitter_its_author():
    """Content created outside the admin (no author) gets one on submission, so self-approval is still caught."""
    submitter = make_user()
    cause = make_cause(status=ReviewStatus.DRAFT, author=None)

    review_transition(obj=cause, user=submitter, to_status=ReviewStatus.SUBMITTED)

    assert Cause.objects.get(pk=cause.pk).author == submitter
    with pytest.raises(PermissionDenied):
        review_transition(obj=cause, user=submitter, to_status=ReviewStatus.UNDER_REVIEW)


def test_model_validation_refuses_an_approved_page_reviewed_by_its_author():
    """Reviewable.clean catches self-approval written past the service (e.g. by a form)."""
    author = make_user()
    cause = make_cause(status=ReviewStatus.APPROVED, author=author)
    cause.reviewer = author

    with pytest.raises(ValidationError) as error:
        cause.full_clean()

    assert "reviewer" in error.value.message_dict
