"""The pages that summarise schema-2 reports pass axe, the HTML checker and fit 360 px: the
dashboard with a never choice among the habits, the learner's report with the peers' grades and
never choices, the case's item analysis (occurrence rows, kinds, grades), the instructor's report
naming a never choice first, and the regrade preview's grades."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from leucocases.cases.models import Attempt
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import import_schema2_case, make_graded_attempt

from .helpers import log_in
from .test_pages_a11y import PASSWORD, PageChecks

pytestmark = pytest.mark.e2e

EXPERT = ["repeat-cbc", "medication-review", "withhold-suspected-drug", "ebv-serology", "repeat-cbc"]
PATHS = [
    (["repeat-cbc", "medication-review", "continue-current-medication"], "thiopurines"),
    (["repeat-cbc", "repeat-cbc", "withhold-suspected-drug", "repeat-cbc"], None),
    (EXPERT, "thiopurines"),
]


def test_schema2_summaries(page: Page, tmp_path):
    case = import_schema2_case(tmp_path)
    learner = make_user(username="a11y-learner", password=PASSWORD)
    make_instructor(username="a11y-instructor", password=PASSWORD)
    for steps, diagnosis in PATHS:
        make_graded_attempt(case=case, user=learner, steps=steps, diagnosis=diagnosis)
    for steps, diagnosis in PATHS[1:]:  # five attempts: enough for the peer figures on the report
        make_graded_attempt(case=case, user=make_user(), steps=steps, diagnosis=diagnosis)
    never = Attempt.objects.filter(user=learner, choices__step__slug="continue-current-medication").get()
    checks = PageChecks(page)

    log_in(page, "a11y-learner", PASSWORD)
    checks.visit("dashboard, a never choice", "/accounts/dashboard/")
    expect(page.locator("#never-heading")).to_have_text("Never options you chose")
    checks.visit("report, the peers' grades and never choices", f"/cases/attempts/{never.pk}/report/")
    expect(page.get_by_role("table", name="Grades earned")).to_contain_text("F")
    expect(page.locator(".peer-never")).to_have_text(
        "1 of 5 attempts (20.0%) made a choice no competent clinician makes in this case."
    )
    page.get_by_role("button", name="Log out").click()

    log_in(page, "a11y-instructor", PASSWORD)
    checks.visit("case item analysis, schema 2", f"/instructor/cases/{case.slug}/analysis/")
    expect(page.locator("tr", has_text="Continue current medication unchanged")).to_contain_text("Management action")
    checks.visit("instructor report, a never choice", f"/instructor/attempts/{never.pk}/report/")
    expect(page.locator("#never-heading")).to_have_text("Never choices")
    checks.visit("regrade preview, grades", f"/instructor/cases/{case.slug}/regrade/")
    checks.finish()
