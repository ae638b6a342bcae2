"""ReviewableAdmin's actions: submit, start review, approve, return to draft — with refusals reported."""

import pytest
from django.urls import reverse

from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, Topic
from tests.accounts.factories import make_user
from tests.instructor.admin_forms import admin_action
from tests.taxonomy.factories import make_cause, make_topic

pytestmark = pytest.mark.django_db


def status(obj):
    return type(obj).objects.get(pk=obj.pk).review_status


@pytest.fixture
def author():
    return make_user(staff=True, superuser=True)


@pytest.fixture
def reviewer():
    return make_user(staff=True, superuser=True)


def test_actions_move_content_from_draft_to_approved(client, author, reviewer):
    """The author submits; another editor starts review and approves; the page is then public."""
    cause = make_cause(name="Chemotherapy", status=ReviewStatus.DRAFT, author=author)

    client.force_login(author)
    messages = admin_action(client, "submit_for_review", [cause])
    assert status(cause) == ReviewStatus.SUBMITTED
    assert "1 item submitted for review: “Chemotherapy”." in messages

    client.force_login(reviewer)
    admin_action(client, "start_review", [cause])
    assert status(cause) == ReviewStatus.UNDER_REVIEW
    messages = admin_action(client, "approve", [cause])
    assert status(cause) == ReviewStatus.APPROVED
    assert "1 item approved: “Chemotherapy”." in messages
    assert Cause.objects.get(pk=cause.pk).reviewer == reviewer

    client.logout()
    assert client.get(cause.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("action", "before", "verb", "refusal"),
    [
        (
            "approve",
            ReviewStatus.UNDER_REVIEW,
            "approved",
            "“Mine” was not approved: Nobody reviews or approves their own work.",
        ),
        ("start_review", ReviewStatus.SUBMITTED, "taken under review", "“Mine” was not taken under review"),
    ],
    ids=["approving", "starting review"],
)
def test_acting_on_your_own_work_is_refused_and_reported(client, author, action, before, verb, refusal):
    """Approving your own work, or taking it under review, changes nothing and says why."""
    cause = make_cause(name="Mine", status=before, author=author)
    client.force_login(author)

    messages = admin_action(client, action, [cause])

    assert status(cause) == before
    assert any(refusal in m for m in messages)
    assert not any(m.startswith(f"1 item {verb}") for m in messages)


def test_mixed_selection_reports_each_success_and_each_refusal(client, author, reviewer):
    """One action over several objects moves those it may and names every one it may not."""
    ready = make_cause(name="Ready", status=ReviewStatus.UNDER_REVIEW, author=author)
    draft = make_cause(name="Still a draft", status=ReviewStatus.DRAFT, author=author)
    own = make_cause(name="Reviewer's own", status=ReviewStatus.UNDER_REVIEW, author=reviewer)
    client.force_login(reviewer)

    messages = admin_action(client, "approve", [ready, draft, own])

    assert status(ready) == ReviewStatus.APPROVED
    assert status(draft) == ReviewStatus.DRAFT
    assert status(own) == ReviewStatus.UNDER_REVIEW
    assert "1 item approved: “Ready”." in messages
    assert any("“Still a draft” was not approved: Cannot move from Draft to Approved." in m for m in messages)
    assert any("“Reviewer's own” was not approved" in m for m in messages)


def test_return_to_draft_unpublishes(client, author, reviewer):
    cause = make_cause(status=ReviewStatus.APPROVED, author=author)
    client.force_login(reviewer)

    admin_action(client, "return_to_draft", [cause])

    assert status(cause) == ReviewStatus.DRAFT
    client.logout()
    assert client.get(cause.get_absolute_url()).status_code == 404


def test_actions_work_on_topics_too(client, author, reviewer):
    """ReviewableAdmin is shared: the same actions run on the topic list."""
    topic = make_topic(status=ReviewStatus.DRAFT, author=author)
    client.force_login(author)

    admin_action(client, "submit_for_review", [topic])

    assert Topic.objects.get(pk=topic.pk).review_status == ReviewStatus.SUBMITTED


def test_changelist_shows_review_columns_and_filters(client, author):
    """Status, author, reviewer and last update are listed, and status can be filtered."""
    make_cause(name="Listed", status=ReviewStatus.SUBMITTED, author=author)
    client.force_login(author)

    page = client.get(reverse("admin:taxonomy_cause_changelist")).content.decode()

    for column in ("column-review_status", "column-author", "column-reviewer", "column-updated_at"):
        assert column in page
    assert "review_status__exact=submitted" in page
    for action in ("submit_for_review", "start_review", "approve", "return_to_draft"):
        assert f'value="{action}"' in page


def test_staff_without_change_permission_cannot_run_actions(client, author):
    """The actions need the change permission on the model."""
    from django.contrib.auth.models import Permission

    viewer = make_user(staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_cause"))
    cause = make_cause(status=ReviewStatus.DRAFT, author=author)
    client.force_login(viewer)

    page = client.get(reverse("admin:taxonomy_cause_changelist")).content.decode()
    client.post(
        reverse("admin:taxonomy_cause_changelist"), {"action": "submit_for_review", "_selected_action": [cause.pk]}
    )

    assert 'value="submit_for_review"' not in page
    assert status(cause) == ReviewStatus.DRAFT
