"""Certainty with the final diagnosis (issue 18): asked on the play page, stored, repeated on the report."""

import re

import pytest
from django.urls import reverse

from leucocases.cases import services
from leucocases.cases.certainty import cbm_scale_text, certainty_statement
from leucocases.cases.grading import Report

from .factories import make_attempt, make_case

pytestmark = pytest.mark.django_db


def post_diagnosis(client, bundle, attempt, **fields):
    return client.post(reverse("cases:submit", kwargs={"slug": bundle.case.slug}), {"attempt": attempt.pk, **fields})


def test_the_play_page_asks_for_certainty_in_a_fieldset_of_three_required_radios(client, learner):
    bundle = make_case()
    html = client.get(bundle.case.get_absolute_url()).content.decode()
    fieldset = re.search(r"<fieldset class=\"mb-3 certainty-field\".*?</fieldset>", html, re.S).group(0)
    assert "<legend" in fieldset and "How certain are you of this diagnosis?" in fieldset
    radios = re.findall(r"<input [^>]*type=\"radio\"[^>]*>", fieldset)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == ["low", "medium", "high"]
    assert all(" required" in r and 'name="certainty"' in r for r in radios)
    assert "does not change your score" in fieldset


def test_a_diagnosis_without_certainty_is_refused_and_nothing_is_stored(client, learner):
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=learner)
    response = post_diagnosis(client, bundle, attempt, diagnosis="thiopurines")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say how certain you are of your diagnosis: low, medium or high." in html
    assert 'aria-describedby="certainty-help certainty-error"' in html
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.certainty == ""
    # The cause already chosen stays chosen on the page sent back.
    assert re.search(r'<option value="thiopurines" selected', html)


def test_the_stated_certainty_is_stored_and_repeated_on_the_report_without_a_mark(client, learner):
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=learner)
    response = post_diagnosis(client, bundle, attempt, diagnosis="aplastic-anaemia", certainty="high")
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.certainty == "high" and attempt.diagnosis.slug == "aplastic-anaemia"
    html = client.get(response["Location"]).content.decode()
    assert "Certainty stated with the diagnosis: <strong>high</strong>. Certainty does not change the score." in html
    assert "Certainty-based mark" not in html


def test_an_unknown_certainty_is_refused(client, learner):
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=learner)
    response = post_diagnosis(client, bundle, attempt, diagnosis="thiopurines", certainty="total")
    assert response.status_code == 400
    assert "Choose low, medium or high certainty." in response.content.decode()


def test_certainty_statement_marks_only_full_credit_as_right(learner):
    bundle = make_case()

    def report(cause: str) -> Report:
        attempt = make_attempt(case=bundle.case, user=learner)
        return Report.from_dict(services.attempt_submit(attempt=attempt, diagnosis=bundle.causes[cause]).data)

    right, partial, wrong = (report(c) for c in ("thiopurines", "drugs-and-environmental-toxins", "aplastic-anaemia"))
    assert certainty_statement(certainty="high", report=right, marking=True).mark_text == "+3"
    stated = certainty_statement(certainty="high", report=partial, marking=True)
    assert (stated.right, stated.mark, stated.mark_text) == (False, -6, "\u22126")
    assert certainty_statement(certainty="low", report=wrong, marking=True).mark_text == "0"
    assert certainty_statement(certainty="medium", report=right, marking=False).mark is None
    assert certainty_statement(certainty="", report=right, marking=True) is None
    assert "1, 2, 3 marks and a wrong one 0, \u22122, \u22126 marks at low, medium, high" in cbm_scale_text()


def test_time_up_grading_stores_no_certainty(learner):
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=learner)
    services.attempt_submit(attempt=attempt, diagnosis=None)
    attempt.refresh_from_db()
    assert attempt.certainty == ""
