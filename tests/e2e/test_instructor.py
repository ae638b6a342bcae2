"""An instructor's week: author a case in the admin, get it reviewed by a colleague, watch a learner
play it, then read its item analysis and export the quiz's cohort results.

Every instructor page visited is checked with axe (as the browser shows it), the Nu HTML Checker (as
the server sent it) and, for the /instructor/ pages, reflow at 360 px.
"""

from __future__ import annotations

import csv
import io
import re
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from leucocases.cases.models import Attempt, Case, CaseRevision
from leucocases.taxonomy.models import Cause, WorkupStep
from tests.accounts.factories import make_instructor, make_user
from tests.quizzes.factories import make_cohort, make_quiz, make_quiz_attempt

from .helpers import (
    NARROW,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    assert_valid_html_pages,
    server_html,
    submit_login,
    viewport,
    watch_console,
)

PASSWORD = "e2e-instructor-password-4"
TITLE = "A sore throat and a low neutrophil count"
SLUG = "a-sore-throat-and-a-low-neutrophil-count"


@pytest.fixture
def taxonomy(transactional_db):
    call_command("load_taxonomy", verbosity=0, stdout=StringIO())


class Checks:
    """axe now, the server's HTML for the validator later, and reflow at 360 px for site pages."""

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}

    def check(self, page: Page, name: str, *, reflow: bool = True) -> None:
        assert_no_axe_violations(page)
        self.sent[name] = server_html(page)
        if reflow:
            with viewport(page, NARROW):
                assert_no_horizontal_scroll(page)


def admin_login(page: Page, username: str, next_url: str) -> None:
    page.goto(f"/admin/login/?next={next_url}")
    submit_login(page, username, PASSWORD)


def run_action(page: Page, action_label: str) -> None:
    """Tick the case on the changelist and run an admin action on it."""
    page.goto("/admin/cases/case/")
    page.locator("tr", has_text=TITLE).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name=re.compile(r"^(Run|Go)$")).click()
    expect(page.locator(".messagelist")).to_be_visible()


def fill_finding(page: Page, index: int, *, step: str, tier: str, position: str, result: str) -> None:
    prefix = f"#id_findings-{index}-"
    page.locator(prefix + "step").select_option(value=str(WorkupStep.objects.get(slug=step).pk))
    page.locator(prefix + "tier").select_option(value=tier)
    page.locator(prefix + "expert_position").fill(position)
    page.locator(prefix + "result").fill(result)
    page.locator(prefix + "rationale").fill(f"Why {step} has the tier {tier}.")


def new_page(browser: Browser, base_url: str) -> Page:
    page = browser.new_context(base_url=base_url).new_page()
    watch_console(page)
    return page


def test_author_review_play_analyse_and_export(page: Page, browser: Browser, base_url: str, taxonomy):
    """A case written from nothing in the admin is submitted, reviewed and approved by a second instructor,
    played by a learner, then analysed and exported by its author; every instructor page passes axe and vnu."""
    author = make_instructor(username="author", password=PASSWORD)
    make_instructor(username="colleague", password=PASSWORD)
    learner = make_user(username="learner", password=PASSWORD)
    checks = Checks()

    # 1. The author writes the case on the admin's add page: one lab, three findings (one essential),
    #    one diagnosis option with full credit.
    admin_login(page, "author", "/admin/cases/case/add/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add case")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Title").dispatch_event("change")
    expect(page.get_by_label("Slug")).to_have_value(SLUG)  # prepopulated from the title
    page.get_by_label("Presentation:", exact=True).fill("A 19-year-old student has had a sore throat for four days.")
    page.locator("#id_groups_0").check()
    expect(page.get_by_label("Is practice")).to_be_checked()
    page.locator("#id_initial_labs-0-name").fill("Neutrophils")
    page.locator("#id_initial_labs-0-value").fill("0.8")
    add_finding = page.locator("#findings-group .add-row a")
    add_finding.click()
    add_finding.click()
    fill_finding(page, 0, step="peripheral-smear", tier="essential", position="1", result="Atypical lymphocytes.")
    fill_finding(page, 1, step="prior-counts", tier="useful", position="2", result="Normal counts last year.")
    fill_finding(page, 2, step="bone-marrow-biopsy", tier="harmful", position="", result="Not needed.")
    cause = Cause.objects.published().order_by("name").first()
    page.locator("#id_diagnosis_options-0-cause").select_option(value=str(cause.pk))
    page.locator("#id_diagnosis_options-0-credit").fill("1")
    page.locator("#id_diagnosis_options-0-rationale").fill("The expected cause.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    case = Case.objects.get(slug=SLUG)
    assert (case.author.username, case.findings.count(), case.initial_labs.count()) == ("author", 3, 1)
    assert case.is_practice and case.review_status == "draft"

    # 2. Submitted for review with the admin action; a review comment from the author.
    run_action(page, "Submit for review")
    expect(page.locator(".messagelist")).to_contain_text("1 item submitted for review")
    page.goto(f"/admin/cases/case/{case.pk}/change/")
    page.get_by_label("New comment").fill("Ready for review: please check the **smear** result.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#review-comments")).to_contain_text("Ready for review: please check the smear result.")
    checks.check(page, "admin case change page with review comments", reflow=False)

    # 3. A second instructor starts the review and approves it.
    colleague = new_page(browser, base_url)
    admin_login(colleague, "colleague", "/admin/cases/case/")
    run_action(colleague, "Start review")
    run_action(colleague, "Approve")
    expect(colleague.locator(".messagelist")).to_contain_text("1 item approved")
    case.refresh_from_db()
    assert (case.review_status, case.reviewer.username) == ("approved", "colleague")

    # The history shows every step, each with who did it.
    page.goto(f"/admin/cases/case/{case.pk}/change/")
    page.get_by_role("link", name="Change history").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Change history: {TITLE}")
    rows = page.locator(".revision-table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Review status: Under review → Approved.")
    expect(rows.nth(0)).to_contain_text("colleague")
    expect(rows.nth(3)).to_contain_text("Created in the admin.")
    checks.check(page, "admin change history", reflow=False)
    page.get_by_role("link", name="Revision 4").click()
    expect(page.locator(".revision-diff")).to_contain_text("+status: approved")
    checks.check(page, "admin revision", reflow=False)
    assert CaseRevision.objects.filter(case=case).count() == 4

    # 4. A learner plays it at /cases/<slug>/ (a practice case).
    learner_page = new_page(browser, base_url)
    learner_page.goto("/accounts/login/")
    submit_login(learner_page, "learner", PASSWORD)
    learner_page.goto(f"/cases/{SLUG}/")
    learner_page.get_by_role("button", name="Peripheral blood smear", exact=True).click()
    expect(learner_page.locator("#finding-1")).to_contain_text("Atypical lymphocytes.")
    learner_page.get_by_role("button", name="Bone-marrow aspirate and biopsy", exact=True).click()
    expect(learner_page.locator("#finding-2")).to_be_visible()
    learner_page.get_by_label("The most likely cause").select_option(value=cause.slug)
    learner_page.get_by_role("radio", name="Low", exact=True).check()
    learner_page.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
    expect(learner_page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    practice = Attempt.objects.get(case=case, user=learner)
    assert practice.is_submitted

    # The case goes into a quiz for the learner's cohort, which the learner also takes.
    quiz = make_quiz(cases=[case], slug="week-one", title="Week one", mode="practice")
    quiz.cohorts.add(make_cohort(learners=[learner], name="Year 3"))
    make_quiz_attempt(quiz=quiz, user=learner, paths=[(["peripheral-smear", "prior-counts"], cause.slug)])

    # 5. The author reads the case's item analysis.
    page.goto("/instructor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Instructor tools")
    checks.check(page, "instructor index")
    page.get_by_role("link", name=f"Item analysis of {TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Item analysis: {TITLE}")
    expect(page.locator(".stat-grid > div").first).to_have_text(re.compile(r"^\s*Attempts\s*2\s*$"))
    smear_row = page.locator("tr", has_text="Peripheral blood smear")
    expect(smear_row).to_contain_text("Essential")
    expect(smear_row.locator("td").nth(2)).to_have_text("2 (100%)")  # after the kind and the tier
    expect(page.locator("svg.bar-chart").first).to_have_attribute("role", "img")
    checks.check(page, "case item analysis")

    page.goto("/instructor/quizzes/week-one/analysis/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Item analysis: Week one")
    checks.check(page, "quiz item analysis")

    # ... and exports the quiz's cohort results as CSV.
    page.goto("/instructor/quizzes/week-one/results/")
    page.get_by_label("Cohort").select_option(label="Year 3")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".results-table tbody tr")).to_have_count(1)
    checks.check(page, "quiz results")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Results by attempt and case")).click()
    download = download_info.value
    assert re.fullmatch(r"week-one-cohort-\d+-results-\d{8}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert [(r["learner"], r["case"], r["case_status"], r["cohort"]) for r in rows] == [
        ("learner", SLUG, "submitted", "Year 3")
    ]
    assert float(rows[0]["score"]) > 0
    # The gradebook, one row per learner, opens as a workbook.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Gradebook \\(Excel")).click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    with open(download_info.value.path(), "rb") as handle:  # saved without a suffix, which openpyxl checks
        workbook = load_workbook(handle)
    learner_row = next(row for row in workbook["Gradebook"].iter_rows(values_only=True) if row[0] == "learner")
    assert learner_row[3:5] == ("Year 3", "Finished") and learner_row[7] > 0

    # The learner's report, as the instructor reads it, and the regrade preview.
    page.locator(".results-table td a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report: {TITLE}")
    checks.check(page, "instructor report")
    page.goto(f"/instructor/cases/{SLUG}/regrade/")
    expect(page.locator(".regrade-counts")).to_contain_text("0 of 2 reports would change")
    checks.check(page, "regrade preview")

    # A learner never reaches these pages.
    response = learner_page.request.get(f"{base_url}/instructor/quizzes/week-one/results/")
    assert response.status == 403

    assert_valid_html_pages(checks.sent)
    assert author.has_perm("cases.change_case")
