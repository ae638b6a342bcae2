"""The instructor's pages that learned the differential and certainty (issue 18) pass axe and the HTML
checker: item analysis (causes listed per checkpoint, the most-missed must-not-miss cause, certainty), the
quiz's cohort results (differentials by case), the case admin's differential fields and a dry run with a
differential and a certainty, and the case editor's differential."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from leucocases.cases.models import Case
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import DIFFERENTIAL, GOOD_PATH, make_case, make_differential_case
from tests.instructor.test_reasoning_cohort import take
from tests.quizzes.factories import make_quiz

from .helpers import log_in
from .test_pages_a11y import PASSWORD, PageChecks

pytestmark = pytest.mark.e2e


def test_the_differential_on_instructor_pages(page: Page):
    case = make_differential_case(title="Reasoned case")
    quiz = make_quiz(cases=[case, make_case(title="Plain case").case], slug="reasoning-quiz", mode="practice")
    take(quiz, make_user(), first=["drugs-and-environmental-toxins"], final=["thiopurines"])
    take(quiz, make_user(), first=["aplastic-anaemia"], final=["thiopurines", "aplastic-anaemia"], certainty="low")
    draft = make_case(title="Draft with a differential", status=ReviewStatus.DRAFT).case
    Case.objects.filter(pk=draft.pk).update(differential=DIFFERENTIAL)
    make_instructor(username="a11y-instructor", password=PASSWORD)
    get_user_model().objects.create_superuser("a11y-admin", "admin@example.org", PASSWORD)
    checks = PageChecks(page)

    log_in(page, "a11y-instructor", PASSWORD)
    checks.visit("item analysis, a differential", f"/instructor/cases/{case.slug}/analysis/")
    expect(page.locator(".most-missed")).to_contain_text("Aplastic anaemia")
    checks.visit("quiz results, differentials", f"/instructor/quizzes/{quiz.slug}/results/")
    expect(page.locator(".cohort-differentials")).to_contain_text("missed by 1 of 2")
    # Left out: the catalogue grid, whose keyed categories open with sideways-scrolling tables that
    # scroll-regions.js names alike at 360 px (landmark-unique; not part of this change).
    checks.visit("case editor, a differential", f"/instructor/cases/{draft.slug}/edit/", exclude=[".editor-category"])
    expect(page.locator("#differential-heading")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, "a11y-admin", PASSWORD)
    checks.visit("admin case change form, a differential", f"/admin/cases/case/{draft.pk}/change/")
    query = urlencode(
        {
            "steps": "\n".join(GOOD_PATH[0]),
            "diagnosis": "thiopurines",
            "first_differential": "aplastic-anaemia",
            "final_differential": "thiopurines",
            "certainty": "high",
        }
    )
    checks.visit("admin dry run, a differential and a certainty", f"/admin/cases/case/{draft.pk}/dry-run/?{query}")
    expect(page.locator(".dry-run-certainty")).to_contain_text("+3")
    checks.finish(
        stock_validator_errors=("The first “option” element in a “select” element with a “required” attribute",)
    )
