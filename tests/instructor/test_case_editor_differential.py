"""The case editor edits the expert differential (issue 18) with the importer's rules, and saving the page
unchanged keeps it (before, a save from the editor wrote the case without its differential)."""

from __future__ import annotations

import html
import re

import pytest

from leucocases.cases.casefile.exporter import case_spec
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import log_in, make_instructor
from tests.cases.factories import make_differential_case

from .test_case_editor import edit_url, page_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def instructor(client):
    return log_in(client, make_instructor())


@pytest.fixture
def case():
    return make_differential_case(status=ReviewStatus.DRAFT)


def summary(response) -> str:
    page = response.content.decode()
    return html.unescape(re.sub(r"<[^>]+>", "", page.split('id="editor-errors"', 1)[1].split("</div>", 1)[0]))


def test_the_page_shows_the_differential_and_an_unchanged_save_keeps_it(client, instructor, case):
    data = page_data(client.get(edit_url(case)))
    assert data["case-differential_presentation_2"] == ["aplastic-anaemia"]
    assert data["case-differential_presentation_2_must_not_miss"] == ["on"]
    assert data["case-differential_scored"] == ["on"] and data["case-differential_final_3"] == [""]
    before = case_spec(case)
    assert client.post(edit_url(case), data).status_code == 302
    case.refresh_from_db()
    assert case_spec(case) == before and case.differential["final"][1]["must_not_miss"] is True


def test_the_author_changes_it_and_the_rules_are_the_importers(client, instructor, case):
    data = page_data(client.get(edit_url(case)))
    data["case-differential_final_3"] = ["drugs-and-environmental-toxins"]
    data.pop("case-differential_scored")
    assert client.post(edit_url(case), data).status_code == 302
    case.refresh_from_db()
    assert case.differential["scored"] is False
    assert [c["cause"] for c in case.differential["final"]] == [
        "thiopurines",
        "aplastic-anaemia",
        "drugs-and-environmental-toxins",
    ]

    data["case-differential_final_1"] = ["aplastic-anaemia"]  # twice, and the full-credit cause gone
    response = client.post(edit_url(case), data)
    assert response.status_code == 200
    errors = summary(response)
    assert "Differential: Checkpoint 'final' lists a cause twice" in errors
    assert "must include the full-credit cause 'thiopurines'" in errors
    case.refresh_from_db()
    assert case.differential["final"][0]["cause"] == "thiopurines"  # nothing saved
