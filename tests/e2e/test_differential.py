"""Differential checkpoints in the browser (issue 18): a learner fills the first differential after the
presentation and the second with the final diagnosis, with JavaScript on and off, states certainty, reads
the report that sets each list beside the expert's and finds the case's next due date on the dashboard.
axe and the HTML checker at zero on each page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from leucocases.cases.models import Case

from .helpers import expect_due_date
from .test_pages_a11y import PASSWORD, PageChecks

CASE = "crohns-azathioprine-routine-count"


@pytest.fixture
def differential_case(site_content):
    """The shipped case, with the expert differential its case file keys (fixtures/cases)."""
    differential = Case.objects.get(slug=CASE).differential
    assert differential["presentation"] and differential["final"]
    return differential


def play_with_checkpoints(page: Page, username: str, *, checks: PageChecks | None) -> None:
    get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_have_count(1)
    page.goto(f"/cases/{CASE}/")
    first = page.locator("#checkpoint-presentation")
    expect(first.get_by_role("heading", level=2)).to_have_text("Your first differential")
    if checks:
        checks.check("play, first differential")
    first.get_by_label("Problem summary, in one line").fill("Woman with Crohn's disease on azathioprine, low count")
    # Each ranked field suggests every cause's name (one shared <datalist>); a name is matched in any case.
    first.get_by_label("Cause 1 (most likely)").fill("other drugs and environmental toxins")
    first.get_by_label("Cause 2", exact=True).fill("Thiopurines (azathioprine and 6-mercaptopurine)")
    first.get_by_role("button", name="Save my first differential").click()
    expect(page.get_by_text(re.compile("Your first differential is saved"))).to_be_visible()
    expect(first).to_contain_text("Saved: Other drugs and environmental toxins, Thiopurines")
    expect(first.get_by_label("Cause 1 (most likely)")).to_have_value("Other drugs and environmental toxins")

    page.get_by_role("button", name="Peripheral blood smear", exact=True).click()
    expect(page.locator("#finding-1")).to_be_visible()
    page.reload()
    expect(first).to_contain_text("Written before the workup")
    final = page.locator("#checkpoint-final")
    final.get_by_label("Problem summary, in one line").fill("Isolated leucopenia on a thiopurine")
    final.get_by_label("Cause 1 (most likely)").fill("Thiopurines (azathioprine and 6-mercaptopurine)")
    if checks:
        checks.check("play, final differential")
    page.get_by_label("The most likely cause").select_option("thiopurines")
    page.get_by_role("radio", name="High", exact=True).check()
    page.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
    expect(page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    section = page.locator(".differential-report")
    expect(section.get_by_role("heading", level=2)).to_have_text("Your differential and the expert's")
    expect(section).to_contain_text("entered your list after the presentation, ranked 2")
    expect(section).not_to_contain_text("Must not miss, never considered")
    expect(section.get_by_role("heading", level=3)).to_have_text(["After the presentation", "With the final diagnosis"])
    # The expert's lists are the case file's: thiopurines, must not miss, listed at both checkpoints;
    # autoimmune disorders considered after the presentation, not on the learner's first list.
    expert_first = section.locator('ul[aria-labelledby="differential-presentation-expert"] > li')
    expect(expert_first).to_have_count(3)
    expect(expert_first.nth(0)).to_contain_text("Thiopurines (azathioprine and 6-mercaptopurine) must not miss")
    expect(expert_first.nth(0)).to_contain_text("you listed it")
    expect(expert_first.nth(2)).to_contain_text("Autoimmune disorders (not on your list)")
    expert_final = section.locator('ul[aria-labelledby="differential-final-expert"] > li')
    expect(expert_final).to_have_text([re.compile(r"^Thiopurines .*must not miss"), re.compile(r"^Other drugs and")])
    if checks:
        checks.check("report, differential beside the expert's")

    # The practice case is now on the learner's spaced-practice schedule.
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    title = Case.objects.get(slug=CASE).title
    expect_due_date(page.locator(".upcoming-reviews li", has_text=title), username, CASE)
    if checks:
        checks.check("dashboard, the case's next due date")


def test_both_checkpoints_with_javascript(page: Page, differential_case):
    checks = PageChecks(page)
    play_with_checkpoints(page, "differential-js", checks=checks)
    checks.finish()


def test_both_checkpoints_without_javascript(nojs_page: Page, differential_case):
    play_with_checkpoints(nojs_page, "differential-nojs", checks=None)
