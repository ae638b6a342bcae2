"""Issue 18 in the browser: a learner states certainty with the diagnosis (a required radio group), reads it
on the report, and sees on the dashboard how often each certainty was right and when the case is due again
(also for a case played before signing up); a quiz with certainty-based marking gives the mark on the case
and quiz reports, and the instructor's results page gives calibration per learner. Every page passes axe
(1280 and 360 px) and the Nu HTML Checker."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from leucocases.cases.models import Case
from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes.models import PracticeReview, Quiz, QuizItem
from tests.accounts.factories import make_instructor

from .helpers import expect_due_date, log_in
from .test_pages_a11y import PASSWORD, PageChecks

CASE = "crohns-azathioprine-routine-count"
CASE_TITLE = "A routine monitoring count in Crohn's disease"
CAUSE = "thiopurines"


def test_certainty_is_asked_reported_and_feeds_the_dashboard(page: Page, site_content):
    get_user_model().objects.create_user("certain-learner", "c@example.org", PASSWORD)
    log_in(page, "certain-learner", PASSWORD)
    checks = PageChecks(page)
    checks.visit("play, with the certainty question", f"/cases/{CASE}/")
    group = page.get_by_role("group", name="How certain are you of this diagnosis?")
    expect(group.get_by_role("radio")).to_have_count(3)
    for name in ("Peripheral blood smear", "Review of prior blood counts"):
        page.get_by_role("button", name=name, exact=True).click()
        expect(page.locator("#chosen-steps .finding-heading", has_text=name)).to_be_focused()
    page.get_by_label("The most likely cause").select_option(CAUSE)

    # The browser will not send the form without a certainty (the radios are required).
    submit = page.get_by_role("button", name=re.compile("Submit my diagnosis"))
    submit.click()
    expect(page).to_have_url(re.compile(rf"/cases/{CASE}/$"))
    assert group.get_by_role("radio", name="Low", exact=True).evaluate("radio => radio.validity.valueMissing")
    page.get_by_role("radio", name="High", exact=True).check()
    page.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
    expect(page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    expect(page.locator(".certainty-statement")).to_have_text(
        "Certainty stated with the diagnosis: high. Certainty does not change the score."
    )
    expect(page.locator(".case-facility-report")).to_contain_text("appears here once 20 learners")
    checks.check("report, with certainty")

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    expect(page.locator("#calibration-heading")).to_have_text("How often your certainty was right")
    expect(
        page.get_by_text(re.compile(r"When you said high certainty, your diagnosis was right \d time"))
    ).to_be_visible()
    expect_due_date(page.locator(".upcoming-reviews li", has_text=CASE_TITLE), "certain-learner", CASE)
    page.locator("details.how-chosen > summary").click()
    expect(page.locator("details.how-chosen")).to_contain_text("FSRS")
    checks.check("dashboard, calibration and the next due date")
    checks.finish()


def test_a_case_played_before_signing_up_comes_back_on_the_dashboard(page: Page, site_content):
    """A reader plays a practice case without an account, states certainty and submits, then signs up from
    the report: the attempt joins the account and the dashboard gives the case's next due date, once."""
    checks = PageChecks(page)
    page.goto(f"/cases/{CASE}/")
    for name in ("Peripheral blood smear", "Review of prior blood counts"):
        page.get_by_role("button", name=name, exact=True).click()
        expect(page.locator("#chosen-steps .finding-heading", has_text=name)).to_be_focused()
    page.get_by_label("The most likely cause").select_option(CAUSE)
    page.get_by_role("radio", name="Medium", exact=True).check()
    page.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
    expect(page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    expect(page.locator(".certainty-statement")).to_contain_text("Certainty stated with the diagnosis: medium.")

    page.get_by_role("link", name="Sign up", exact=True).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    page.get_by_label("Username").fill("late-learner")
    page.get_by_label("Email").fill("late@example.org")
    page.get_by_role("textbox", name=re.compile(r"^Password\*?$")).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_have_count(1)

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    expect_due_date(page.locator(".upcoming-reviews li", has_text=CASE_TITLE), "late-learner", CASE)
    checks.check("dashboard, a case played before signing up")
    assert PracticeReview.objects.filter(card__user__username="late-learner").count() == 1

    page.get_by_role("button", name=re.compile("Log out")).click()
    log_in(page, "late-learner", PASSWORD)
    assert PracticeReview.objects.filter(card__user__username="late-learner").count() == 1
    checks.finish()


def test_certainty_based_marking_in_a_quiz_and_calibration_for_the_instructor(page: Page, site_content):
    case = Case.objects.get(slug=CASE)
    quiz = Quiz.objects.create(
        title="Marked practice",
        slug="marked-practice",
        mode=Quiz.Mode.PRACTICE,
        review_status=ReviewStatus.APPROVED,
        certainty_based_marking=True,
    )
    QuizItem.objects.create(quiz=quiz, case=case, position=1)
    get_user_model().objects.create_user("marked-learner", "m@example.org", PASSWORD)
    make_instructor(username="marking-instructor", password=PASSWORD)

    log_in(page, "marked-learner", PASSWORD)
    checks = PageChecks(page)
    checks.visit("quiz page", quiz.get_absolute_url())
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.locator("#certainty-help")).to_contain_text("This quiz uses certainty-based marking")
    checks.check("quiz runner, certainty-based marking")
    page.get_by_role("button", name="Peripheral blood smear", exact=True).click()
    expect(page.locator("#chosen-steps .finding-heading")).to_have_count(1)
    page.get_by_label("The most likely cause").select_option(CAUSE)
    page.get_by_role("radio", name="Medium", exact=True).check()
    page.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/\d+/report/$"))
    expect(page.locator(".quiz-cbm")).to_contain_text("Certainty-based marks:")
    checks.check("quiz report, certainty-based marks")
    page.get_by_role("link", name=re.compile("^Report")).first.click()
    expect(page.locator(".certainty-statement")).to_contain_text("Certainty-based mark:")
    checks.check("case report, certainty-based mark")
    page.get_by_role("button", name=re.compile("Log out")).click()

    log_in(page, "marking-instructor", PASSWORD)
    checks.visit("instructor results, calibration per learner", f"/instructor/quizzes/{quiz.slug}/results/")
    expect(page.get_by_role("table", name="Diagnoses right of those stated, by certainty and learner")).to_contain_text(
        "marked-learner"
    )
    checks.finish()


@pytest.mark.allow_console_errors  # the refused submission answers 400, which Chromium logs as an error
def test_the_server_refuses_a_diagnosis_without_certainty_and_says_why(page: Page, site_content):
    get_user_model().objects.create_user("uncertain-learner", "u@example.org", PASSWORD)
    log_in(page, "uncertain-learner", PASSWORD)
    checks = PageChecks(page)
    page.goto(f"/cases/{CASE}/")
    page.get_by_role("button", name="Peripheral blood smear", exact=True).click()
    expect(page.locator("#chosen-steps .finding-heading")).to_have_count(1)
    page.get_by_label("The most likely cause").select_option(CAUSE)
    submit = page.get_by_role("button", name=re.compile("Submit my diagnosis"))
    # Without the browser's own check (the radios are required), the page comes back with the error, linked.
    page.locator("input[name=certainty]").evaluate_all("radios => radios.forEach(r => r.required = false)")
    with page.expect_response(re.compile(r"/submit/$")) as answer:
        submit.click()
    assert answer.value.status == 400
    error = page.locator("#certainty-error")
    expect(error).to_have_text("Say how certain you are of your diagnosis: low, medium or high.")
    expect(page.get_by_role("group", name="How certain are you of this diagnosis?")).to_have_attribute(
        "aria-describedby", "certainty-help certainty-error"
    )
    expect(page.get_by_label("The most likely cause")).to_have_value(CAUSE)
    checks.check("play, certainty missing", validate=False)
    checks.sent["play, certainty missing"] = answer.value.text()

    checks.finish()
