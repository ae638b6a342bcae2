"""A student signs up, takes the timed exam to the end (reloading mid-way and resuming), reads the
quiz report and sees the dashboard change; every quiz page passes axe and the Nu HTML Checker."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from leucocases.quizzes.models import QuizAttempt

from .helpers import (
    NARROW,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    assert_valid_html_pages,
    server_html,
    viewport,
)

EXAM_TITLE = "Leucopenia workup: timed exam"
PASSWORD = "smear-before-biopsy-12"


@pytest.fixture
def quizzes(site_content):
    call_command("load_quizzes", publish_as="content-loader", verbosity=0, stdout=StringIO())


def check(page: Page, sent: dict[str, str], name: str) -> None:
    """axe on the page as shown, no sideways scroll at 360 px, and keep the server's HTML for vnu."""
    assert_no_axe_violations(page)
    with viewport(page, NARROW):
        assert_no_horizontal_scroll(page)
    sent[name] = server_html(page)


def sign_up(page: Page, username: str) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_role("textbox", name=re.compile(r"^Password\*?$")).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_be_visible()


def order(page: Page, step_name: str) -> None:
    # The runner page arrives through a click (Start, Continue), which does not wait for its
    # scripts; a step ordered before htmx loads takes the no-JS path (a full page at #finding-N),
    # which works but moves no focus. Wait for "load" so this checks the enhanced path.
    page.wait_for_load_state("load")
    page.get_by_role("button", name=step_name, exact=True).click()
    expect(page.locator("#chosen-steps .finding-heading", has_text=step_name)).to_be_focused()


def test_a_student_takes_the_timed_exam_resumes_and_sees_the_report_and_dashboard(page: Page, quizzes):
    sent: dict[str, str] = {}
    sign_up(page, "examtaker")

    # The quiz list (public) and the quiz page.
    page.get_by_role("link", name="Quizzes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quizzes")
    expect(page.get_by_role("heading", level=2)).to_have_count(4)
    check(page, sent, "quiz list")
    page.get_by_role("link", name=EXAM_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EXAM_TITLE)
    expect(page.get_by_text("35 minutes from when you start")).to_be_visible()
    check(page, sent, "quiz page")

    page.get_by_role("button", name="Start the quiz").click()
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/\d+/$"))
    runner_url = page.url
    expect(page.get_by_role("progressbar", name="Case 1 of 7")).to_have_attribute("value", "1")
    # The countdown runs in the browser (progressive enhancement) from the server's figure.
    countdown = page.locator("[data-quiz-countdown]")
    expect(countdown).to_have_text(re.compile(r"^(34|35) min \d\d s$"))
    first = countdown.text_content()
    page.wait_for_timeout(1500)
    assert countdown.text_content() != first
    check(page, sent, "runner, case 1")

    cause_select = page.get_by_label("The most likely cause")
    for number in range(1, 8):
        expect(page.get_by_role("progressbar", name=f"Case {number} of 7")).to_be_visible()
        order(page, "Peripheral blood smear")
        if number == 3:
            # Mid-quiz the student closes the page and comes back: same case, same ordered step.
            order(page, "Review of prior blood counts")
            page.goto("/")
            page.goto(runner_url)
            expect(page.get_by_role("progressbar", name="Case 3 of 7")).to_have_attribute("value", "3")
            expect(page.locator("#chosen-steps .finding-heading")).to_have_count(2)
            page.reload()
            expect(page.locator("#chosen-steps .finding-heading")).to_have_count(2)
            check(page, sent, "runner, case 3 resumed with two results")
        cause_select.select_option("chemotherapy")
        page.get_by_role("radio", name="Medium", exact=True).check()
        if number < 7:
            page.get_by_role("button", name="Submit my diagnosis and go to the next case").click()
            expect(page.get_by_text(f"Case {number} of 7 submitted. Here is the next case.")).to_be_visible()
        else:
            page.get_by_role("button", name="Submit my diagnosis and finish the quiz").click()

    # The quiz report.
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/\d+/report/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Quiz report: {EXAM_TITLE}")
    expect(page.locator(".quiz-case-table tbody tr")).to_have_count(7)
    expect(page.get_by_role("img", name=re.compile("^Mean score by cause group in this quiz"))).to_be_visible()
    quiz_attempt = QuizAttempt.objects.get(user__username="examtaker")
    assert quiz_attempt.finish_reason == QuizAttempt.FinishReason.COMPLETED
    check(page, sent, "quiz report")

    # A case report is now open, and leads back to the quiz report.
    page.get_by_role("link", name=re.compile(r"^Report on case 2,")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Report: "))
    page.get_by_role("link", name="Back to the quiz report").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Quiz report: {EXAM_TITLE}")

    # The dashboard has changed: the quiz, its seven cases, mastery and habits.
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    expect(page.get_by_role("row", name=re.compile("^" + re.escape(EXAM_TITLE) + " , report of"))).to_contain_text(
        "Completed"
    )
    expect(page.locator("#attempts-heading ~ div table tbody tr")).to_have_count(7)
    expect(page.get_by_role("img", name=re.compile("^Mastery by cause group"))).to_be_visible()
    expect(page.get_by_role("heading", name="Practise my weak spots")).to_be_visible()
    check(page, sent, "dashboard")

    assert_valid_html_pages(sent)


def test_practice_mode_shows_each_report_and_time_up_lands_on_the_report(page: Page, quizzes):
    """Practice mode: a case's report then "Continue"; when the clock runs out the next request ends
    the quiz and shows its report with the time-up notice. Those pages pass axe and vnu too."""
    from datetime import timedelta

    from django.utils import timezone

    from leucocases.quizzes.models import Quiz

    sent: dict[str, str] = {}
    sign_up(page, "practiser")
    page.goto("/quizzes/tired-with-a-low-count/")
    page.get_by_role("button", name="Start the quiz").click()
    order(page, "Peripheral blood smear")
    page.get_by_label("The most likely cause").select_option("chemotherapy")
    page.get_by_role("radio", name="Medium", exact=True).check()
    page.get_by_role("button", name="Submit my diagnosis and see the report").click()
    expect(page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    continue_link = page.get_by_role("link", name="Continue to case 2 of 5").first
    expect(continue_link).to_be_visible()
    check(page, sent, "practice quiz, case report")
    continue_link.click()
    expect(page.get_by_role("progressbar", name="Case 2 of 5")).to_be_visible()
    expect(page.locator("[data-quiz-countdown]")).to_have_count(0)  # untimed

    # The clock runs out (here: the deadline is moved into the past) while case 2 is open.
    Quiz.objects.filter(slug="tired-with-a-low-count").update(time_limit_minutes=1)
    QuizAttempt.objects.filter(user__username="practiser").update(deadline=timezone.now() - timedelta(seconds=1))
    order_button = page.get_by_role("button", name="Review of prior blood counts", exact=True)
    order_button.click()  # an htmx request: the server answers with a redirect to the report
    expect(page).to_have_url(re.compile(r"/quizzes/attempts/\d+/report/$"))
    expect(page.get_by_text(re.compile("^Time is up: this quiz has ended"))).to_be_visible()
    expect(page.get_by_text("Time ran out.")).to_be_visible()
    expect(page.locator(".quiz-unanswered")).to_have_count(4)
    check(page, sent, "quiz report, time up")
    assert_valid_html_pages(sent)
