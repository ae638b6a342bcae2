"""Dry runs learn the differential and certainty (issue 18): the author enters a differential at each
checkpoint and a certainty; the admin's dry run and the case editor's set the differential beside the
expert's and give the certainty with its certainty-based mark. Nothing is stored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leucocases.cases.models import Attempt, AttemptCheckpoint, DifferentialReport, GradedReport
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import make_instructor
from tests.cases.factories import DIFFERENTIAL, GOOD_PATH, make_case, make_differential_case
from tests.instructor.test_case_editor import edit_url, page_data
from tests.pages import visible_text

pytestmark = pytest.mark.django_db

STEPS = "\n".join(GOOD_PATH[0])


@pytest.fixture
def case():
    return make_differential_case(status=ReviewStatus.DRAFT)


def stored_nothing() -> bool:
    return not (
        Attempt.objects.exists()
        or GradedReport.objects.exists()
        or DifferentialReport.objects.exists()
        or AttemptCheckpoint.objects.exists()
    )


def test_the_admin_dry_run_compares_the_differential_and_marks_the_certainty(admin_client, case):
    response = admin_client.get(
        reverse("admin:cases_case_dry_run", args=[case.pk]),
        {
            "steps": STEPS,
            "diagnosis": "drugs-and-environmental-toxins",  # partial credit: wrong for certainty
            "first_differential": "drugs-and-environmental-toxins",
            "final_differential": "drugs-and-environmental-toxins, thiopurines",
            "certainty": "high",
        },
    )
    page = visible_text(response)
    assert "Certainty stated: high ; the diagnosis counts as wrong (only full credit is right)." in page
    assert "In a quiz with certainty-based marking this earns −6" in page
    assert "Your differential and the expert's" in page
    assert "entered your list with the final diagnosis, ranked 2" in page
    assert "Must not miss, never considered: Aplastic anaemia." in page
    assert "Aplastic anaemia must not miss (not on your list)" in page
    # Scored: 1 of 3 weighted at each checkpoint.
    assert "Differential score: 33.3 / 100" in page
    assert stored_nothing()


def test_the_admin_dry_run_refuses_an_unknown_cause_or_six(admin_client, case):
    url = reverse("admin:cases_case_dry_run", args=[case.pk])
    page = visible_text(admin_client.get(url, {"steps": STEPS, "final_differential": "thiopurine"}))
    assert "Unknown cause: thiopurine." in page and "Your differential and the expert's" not in page
    many = ", ".join(["thiopurines"] * 2)
    assert "Up to 5 different causes." in visible_text(
        admin_client.get(url, {"steps": STEPS, "final_differential": many})
    )


def test_a_case_without_a_differential_says_so(admin_client):
    plain = make_case().case
    page = visible_text(
        admin_client.get(
            reverse("admin:cases_case_dry_run", args=[plain.pk]),
            {"steps": STEPS, "diagnosis": "thiopurines", "certainty": "low"},
        )
    )
    assert "This case keys no differential" in page and "this earns +1" in page


def test_the_editor_dry_run_uses_the_unsaved_differential(client, case):
    client.force_login(make_instructor())
    data = page_data(client.get(edit_url(case)))
    data["case-differential_final_3"] = ["drugs-and-environmental-toxins"]  # unsaved
    data["case-differential_final_3_must_not_miss"] = ["on"]
    data |= {
        "dry-steps": [STEPS],
        "dry-diagnosis": ["thiopurines"],
        "dry-final_differential": ["thiopurines"],
        "dry-certainty": ["medium"],
    }
    url = reverse("instructor:case_dry_run", kwargs={"slug": case.slug})
    partial = visible_text(client.post(url, data, HTTP_HX_REQUEST="true"))
    assert "Must not miss, never considered: Aplastic anaemia, Drugs and environmental toxins." in partial
    assert "the diagnosis counts as right" in partial and "this earns +2" in partial
    assert "Dry-run a path" in visible_text(client.post(url, data))  # without JavaScript: the whole page
    case.refresh_from_db()
    assert case.differential == DIFFERENTIAL and stored_nothing()
