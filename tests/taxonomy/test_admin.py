"""The content admin for the taxonomy: every page loads, and authoring rules hold."""

import pytest
from django.urls import reverse

from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, Fact
from tests.accounts.factories import make_user

from .factories import make_cause, make_fact, make_group, make_mechanism, make_reference, make_step, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return make_user(superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def one_of_each():
    cause = make_cause(mechanisms=[make_mechanism()])
    topic = make_topic()
    reference = make_reference()
    return {
        "causegroup": cause.group,
        "mechanism": cause.mechanisms.get(),
        "reference": reference,
        "cause": cause,
        "topic": topic,
        "fact": make_fact(cause=cause, references=[reference]),
        "workupstep": make_step(references=[reference]),
    }


MODELS = ["causegroup", "mechanism", "reference", "cause", "topic", "fact", "workupstep"]


@pytest.mark.parametrize("model", MODELS)
def test_changelist_add_and_change_pages_load(admin_client, one_of_each, model):
    """A superuser can open the list, add and change pages of every taxonomy model."""
    obj = one_of_each[model]
    for url in (
        reverse(f"admin:taxonomy_{model}_changelist"),
        reverse(f"admin:taxonomy_{model}_add"),
        reverse(f"admin:taxonomy_{model}_change", args=[obj.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("model", MODELS)
def test_changelist_search_works(admin_client, one_of_each, model):
    response = admin_client.get(reverse(f"admin:taxonomy_{model}_changelist"), {"q": "a"})

    assert response.status_code == 200


def test_cause_changelist_filters_by_group_mechanism_and_review_status(admin_client):
    """The cause list can be narrowed by group, mechanism and review status."""
    group = make_group(name="Medication")
    mechanism = make_mechanism(name="Decreased production")
    make_cause(name="Chemotherapy", group=group, mechanisms=[mechanism])
    make_cause(name="Draft cause", status=ReviewStatus.DRAFT)
    url = reverse("admin:taxonomy_cause_changelist")

    by_group = admin_client.get(url, {"group__id__exact": group.pk}).content.decode()
    by_mechanism = admin_client.get(url, {"mechanisms__id__exact": mechanism.pk}).content.decode()
    drafts = admin_client.get(url, {"review_status__exact": "draft"}).content.decode()

    assert "Chemotherapy" in by_group and "Draft cause" not in by_group
    assert "Chemotherapy" in by_mechanism and "Draft cause" not in by_mechanism
    assert "Draft cause" in drafts and "Chemotherapy" not in drafts


def test_fact_changelist_filters_by_verification(admin_client):
    cause = make_cause()
    make_fact(cause=cause, text="Plain fact.")
    make_fact(cause=cause, text="Doubtful fact.", verification=Fact.Verification.DISPUTED, editorial_note="Why.")

    page = admin_client.get(reverse("admin:taxonomy_fact_changelist"), {"verification__exact": "disputed"})

    assert "Doubtful fact." in page.content.decode()
    assert "Plain fact." not in page.content.decode()


def fact_form(cause, reference, **overrides):
    data = {
        "key": "new-fact",
        "cause": cause.pk,
        "topic": "",
        "text": "A claim.",
        "references": [reference.pk],
        "is_key": "on",
        "position": 0,
        "verification": "as_stated",
        "editorial_note": "",
    }
    data.update(overrides)
    return data


def test_disputed_fact_without_a_note_is_refused(admin_client):
    """Saving a disputed fact with no editorial note fails with Fact.clean's message."""
    cause, reference = make_cause(), make_reference()

    response = admin_client.post(
        reverse("admin:taxonomy_fact_add"), fact_form(cause, reference, verification="disputed")
    )

    assert response.status_code == 200
    assert "A disputed fact needs an editorial note saying why." in response.content.decode()
    assert not Fact.objects.exists()


def test_disputed_fact_with_a_note_is_saved(admin_client):
    cause, reference = make_cause(), make_reference()

    response = admin_client.post(
        reverse("admin:taxonomy_fact_add"),
        fact_form(cause, reference, verification="disputed", editorial_note="The paper says otherwise."),
    )

    assert response.status_code == 302
    assert Fact.objects.get().editorial_note == "The paper says otherwise."


def test_fact_on_both_a_cause_and_a_topic_is_refused(admin_client):
    cause, reference = make_cause(), make_reference()

    response = admin_client.post(reverse("admin:taxonomy_fact_add"), fact_form(cause, reference, topic=make_topic().pk))

    assert "A fact belongs to exactly one cause or one topic." in response.content.decode()
    assert not Fact.objects.exists()


def cause_form(group, **overrides):
    data = {
        "name": "Megaloblastosis",
        "slug": "megaloblastosis",
        "group": group.pk,
        "position": 0,
        "summary": "B12 or folate deficiency.",
        "body": "",
    }
    data.update(overrides)
    return data


def test_new_cause_is_a_draft_authored_by_its_creator(admin_client, admin_user):
    """Adding a cause makes it a draft whose author is the person who added it."""
    response = admin_client.post(reverse("admin:taxonomy_cause_add"), cause_form(make_group()))

    assert response.status_code == 302
    cause = Cause.objects.get(slug="megaloblastosis")
    assert cause.author == admin_user
    assert cause.review_status == ReviewStatus.DRAFT


def test_review_status_cannot_be_set_from_the_change_form(admin_client):
    """Posting review_status, author or reviewer changes nothing: status moves only through the workflow."""
    cause = make_cause(status=ReviewStatus.DRAFT)
    other = make_user()
    data = cause_form(cause.group, name=cause.name, slug=cause.slug, review_status="approved", reviewer=other.pk)
    data.update(
        {"facts-TOTAL_FORMS": 0, "facts-INITIAL_FORMS": 0, "facts-MIN_NUM_FORMS": 0, "facts-MAX_NUM_FORMS": 1000}
    )

    response = admin_client.post(reverse("admin:taxonomy_cause_change", args=[cause.pk]), data)

    assert response.status_code == 302
    cause.refresh_from_db()
    assert cause.review_status == ReviewStatus.DRAFT
    assert cause.reviewer is None


def test_facts_are_edited_inline_on_an_existing_cause(admin_client):
    """The cause change page has the fact inline; the add page explains nothing is lost by its absence."""
    cause = make_cause()

    change = admin_client.get(reverse("admin:taxonomy_cause_change", args=[cause.pk])).content.decode()
    add = admin_client.get(reverse("admin:taxonomy_cause_add")).content.decode()

    assert 'id="facts-group"' in change
    assert 'id="facts-group"' not in add


def test_inline_disputed_fact_without_note_is_refused(admin_client):
    """The inline enforces the same rule as the fact admin."""
    cause = make_cause(status=ReviewStatus.DRAFT)
    reference = make_reference()
    data = cause_form(cause.group, name=cause.name, slug=cause.slug)
    data.update(
        {
            "facts-TOTAL_FORMS": 1,
            "facts-INITIAL_FORMS": 0,
            "facts-MIN_NUM_FORMS": 0,
            "facts-MAX_NUM_FORMS": 1000,
            "facts-0-key": "inline-fact",
            "facts-0-position": 0,
            "facts-0-is_key": "on",
            "facts-0-text": "A doubtful claim.",
            "facts-0-references": [reference.pk],
            "facts-0-verification": "disputed",
            "facts-0-editorial_note": "",
        }
    )

    response = admin_client.post(reverse("admin:taxonomy_cause_change", args=[cause.pk]), data)

    assert response.status_code == 200
    assert "A disputed fact needs an editorial note saying why." in response.content.decode()
    assert not Fact.objects.exists()


def test_reference_autocomplete_finds_by_title(admin_client):
    """Long lists use autocomplete: a fact's references are searched by title."""
    make_reference(title="Azathioprine prescribing information")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "taxonomy", "model_name": "fact", "field_name": "references", "term": "azathio"},
    )

    assert response.status_code == 200
    assert "Azathioprine prescribing information" in response.json()["results"][0]["text"]
