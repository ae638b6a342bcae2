"""The expert differential in the case admin (issue 18): shown and edited (causes at each checkpoint,
must-not-miss flags, scored), checked by the importer's rules, and carried by the draft-of-changes
workflow like the rest of the key."""

from __future__ import annotations

import pytest
import yaml

from leucocases.cases.models import Case, CaseRevision
from leucocases.cases.review import case_draft_start, case_review_transition
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import make_instructor
from tests.cases.factories import APLASTIC, THIOPURINES, TOXINS, make_case
from tests.instructor.admin_forms import change_url, form_data
from tests.pages import visible_text

pytestmark = pytest.mark.django_db


def post_change(client, case: Case, **changes):
    """The change form as the page shows it, with ``changes`` applied (a value of None unticks a box)."""
    data = form_data(client.get(change_url(case)).content.decode(), "case_form")
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = [value]
    return client.post(change_url(case), data)


@pytest.fixture
def author(client):
    user = make_instructor()
    client.force_login(user)
    return user


@pytest.fixture
def draft(author):
    case = make_case(status=ReviewStatus.DRAFT).case
    Case.objects.filter(pk=case.pk).update(author=author)
    return case


KEYED = {
    "differential_scored": "on",
    "differential_presentation_1": TOXINS,
    "differential_presentation_2": APLASTIC,
    "differential_presentation_2_must_not_miss": "on",
    "differential_final_1": THIOPURINES,
    "differential_final_2": APLASTIC,
    "differential_final_2_must_not_miss": "on",
}


def test_the_author_keys_a_differential_and_it_is_stored_as_the_case_file_has_it(client, draft):
    page = client.get(change_url(draft)).content.decode()
    assert 'name="differential_presentation_1"' in page and 'name="differential_final_5_must_not_miss"' in page
    response = post_change(client, draft, **KEYED)
    assert response.status_code == 302, visible_text(response)[:2000]
    draft.refresh_from_db()
    assert draft.differential == {
        "scored": True,
        "presentation": [{"cause": TOXINS, "must_not_miss": False}, {"cause": APLASTIC, "must_not_miss": True}],
        "final": [{"cause": THIOPURINES, "must_not_miss": False}, {"cause": APLASTIC, "must_not_miss": True}],
    }
    # The page shows it again, and the revision's case file holds it.
    again = form_data(client.get(change_url(draft)).content.decode(), "case_form")
    assert again["differential_final_2"] == [APLASTIC] and again["differential_final_2_must_not_miss"] == ["on"]
    casefile = yaml.safe_load(CaseRevision.objects.filter(case=draft).latest("number").casefile)
    assert casefile["differential"]["final"][1] == {"cause": APLASTIC, "must_not_miss": True}
    # Clearing every cause removes it.
    clear = dict.fromkeys(KEYED, None)
    assert post_change(client, draft, **clear).status_code == 302
    draft.refresh_from_db()
    assert draft.differential == {}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"differential_final_1": TOXINS},
            "Differential: the last checkpoint's differential must include the full-credit cause 'thiopurines'.",
        ),
        ({"differential_final_3": APLASTIC}, "Differential: checkpoint 'final' lists a cause twice."),
        ({"differential_final_3_must_not_miss": "on"}, "Choose the cause that must not be missed."),
    ],
)
def test_the_importers_rules_refuse_a_bad_differential(client, draft, changes, message):
    response = post_change(client, draft, **(KEYED | changes))
    assert response.status_code == 200
    assert message in visible_text(response)
    draft.refresh_from_db()
    assert draft.differential == {}


def test_scored_without_a_cause_is_refused(client, draft):
    response = post_change(client, draft, differential_scored="on")
    assert "Differential: a differential needs at least one checkpoint." in visible_text(response)


def test_an_approved_case_shows_it_read_only_and_a_draft_of_changes_carries_it_to_learners(client, author):
    live = make_case(status=ReviewStatus.APPROVED).case
    Case.objects.filter(pk=live.pk).update(
        differential={"final": [{"cause": THIOPURINES}, {"cause": APLASTIC, "must_not_miss": True}]}
    )
    live.refresh_from_db()
    shown = visible_text(client.get(change_url(live)))
    assert (
        "With the final diagnosis: Thiopurines (azathioprine and 6-mercaptopurine), Aplastic anaemia (must not miss)"
        in shown
    )
    assert 'name="differential_final_1"' not in client.get(change_url(live)).content.decode()

    draft, _ = case_draft_start(case=live, user=author)
    assert draft.differential == live.differential  # the draft starts from it
    response = post_change(
        client, draft, differential_presentation_1=APLASTIC, differential_presentation_1_must_not_miss="on"
    )
    assert response.status_code == 302, visible_text(response)[:2000]
    live.refresh_from_db()
    assert "presentation" not in live.differential  # learners keep the published version meanwhile
    reviewer = make_instructor()
    draft.refresh_from_db()
    case_review_transition(case=draft, user=author, to_status=ReviewStatus.SUBMITTED)
    case_review_transition(case=draft, user=reviewer, to_status=ReviewStatus.UNDER_REVIEW)
    case_review_transition(case=draft, user=reviewer, to_status=ReviewStatus.APPROVED)
    live.refresh_from_db()
    assert live.differential["presentation"] == [{"cause": APLASTIC, "must_not_miss": True}]
