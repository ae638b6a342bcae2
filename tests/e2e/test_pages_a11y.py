"""Every page type passes axe-core (WCAG 2.2 A/AA and best practice), the Nu HTML Checker, and fits 360 px.

Each test walks a group of pages in one browser page and collects every
failure before failing, so one run lists all the problems of the group:
axe on the page as the browser shows it (after htmx swaps) at 1280 px and
again at 360 px wide, no sideways scrolling at 360 px, and the validator on
the HTML the server sent.
"""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, expect

from leucocases.cases.casefile.exporter import casefile_export, cases_for_export
from leucocases.cases.models import Case
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause
from tests.accounts.factories import make_instructor, make_user
from tests.quizzes.factories import make_cohort

from .helpers import (
    NARROW,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    assert_valid_html_pages,
    log_in,
    server_html,
    submit_login,
    viewport,
)

CASE = "crohns-azathioprine-routine-count"  # shipped; its prior-counts finding is a chart, see fixtures/cases/
CASE_TITLE = "A routine monitoring count in Crohn's disease"
CAUSE = "thiopurines"
TOPIC = "overview"
WORKUP_STEP = "peripheral-smear"
WORKUP_ACTION = "withhold-suspected-drug"
STANDARD_PRACTICE_ENTRY = "g-csf"  # not discussed in the source: its page says so
PASSWORD = "a11y-learner-password-9"


class PageChecks:
    """axe, the 360 px reflow check and the HTML the server sent, for a series of pages; fails once, listing all."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.sent: dict[str, str] = {}

    def check(self, name: str, *, validate: bool = True, **axe_options) -> None:
        page = self.page
        try:
            assert_no_axe_violations(page, **axe_options)
        except pytest.fail.Exception as failure:
            self.problems.append(f"[{name}] {failure}")
        if validate:
            self.sent[name] = server_html(page)
        with viewport(page, NARROW):
            # Let layout, ResizeObserver callbacks (scroll-regions.js) and a paint happen at the new width.
            page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            try:
                assert_no_horizontal_scroll(page)
                # Narrow screens have their own failures: tables that scroll sideways, the collapsed menu.
                assert_no_axe_violations(page, **axe_options)
            except pytest.fail.Exception as failure:
                self.problems.append(f"[{name}, 360 px] {failure}")

    def visit(self, name: str, url: str, **options) -> None:
        self.page.goto(url)
        expect(self.page.get_by_role("heading", level=1)).to_have_count(1)
        self.check(name, **options)

    def finish(self, *, stock_validator_errors: tuple[str, ...] = ()) -> None:
        """Validate every page sent, then fail with everything found.

        ``stock_validator_errors`` are validator messages produced by Django's
        own admin widgets, which our templates cannot change; each use says why.
        """
        try:
            assert_valid_html_pages(self.sent)
        except pytest.fail.Exception as failure:
            lines = str(failure).splitlines()
            kept = [line for line in lines if not any(known in line for known in stock_validator_errors)]
            if any(line.startswith("    line ") for line in kept):
                self.problems.append("\n".join(kept))
        if self.problems:
            pytest.fail("\n\n".join(self.problems), pytrace=False)


def test_reader_editorial_and_account_pages(page: Page, site_content, live_server):
    """Home, causes, a cause for each audience, a topic, references, workup, search, policy pages and account forms."""
    checks = PageChecks(page)
    checks.visit("home", "/")
    checks.visit("causes", "/causes/")
    for audience in ("student", "resident", "clinician"):
        page.context.add_cookies([{"name": "audience", "value": audience, "url": live_server.url}])
        checks.visit(f"cause ({audience})", f"/causes/{CAUSE}/")
        expect(page.locator(f'article[data-audience="{audience}"]')).to_have_count(1)
    # The clinician's view folds the summary: open it, so axe sees what the reader reads.
    page.locator("details.cause-fold > summary").first.press("Enter")
    checks.check("cause (clinician, summary open)", validate=False)
    checks.visit("topic", f"/topics/{TOPIC}/")
    checks.visit("references", "/references/")
    checks.visit("workup", "/workup/")
    checks.visit("workup step", f"/workup/{WORKUP_STEP}/")
    checks.visit("workup action", f"/workup/{WORKUP_ACTION}/")
    checks.visit("workup entry, standard practice", f"/workup/{STANDARD_PRACTICE_ENTRY}/")
    checks.visit("search", "/search/?q=neutrophil")
    expect(page.locator("main")).to_contain_text(re.compile("neutrophil", re.IGNORECASE))
    checks.visit("search, no match", "/search/?q=zzzxqy")
    checks.visit("answer to a question", "/search/?q=can+a+normal+TPMT+test+rule+out+azathioprine+toxicity")
    expect(page.locator("#answer mark").first).to_be_visible()
    checks.visit("question not covered", "/search/?q=dose+of+paracetamol+in+pregnancy")
    expect(page.locator("#not-covered")).to_have_count(1)
    checks.visit("question about a raised count", "/search/?q=what+causes+a+high+white+count")
    expect(page.locator("#not-covered")).to_contain_text("raised count")
    checks.visit("editorial policy", "/editorial-policy/")
    checks.visit("disclaimer", "/disclaimer/")
    checks.visit("case list", "/cases/")
    checks.visit("case list, filtered", "/cases/?label=routine-count&difficulty=")
    checks.visit("login", "/accounts/login/")
    checks.visit("sign-up", "/accounts/signup/")
    checks.visit("password reset", "/accounts/password/reset/")
    checks.visit("password reset, email sent", "/accounts/password/reset/sent/")
    checks.visit("password reset, link no longer valid", "/accounts/password/reset/MQ/not-a-token/")
    checks.visit("password reset, complete", "/accounts/password/reset/complete/")
    checks.finish()


def test_case_play_report_and_dashboard_pages(page: Page, site_content):
    """A case before and after choosing steps (a chart showing), its report, the report in print, the dashboard."""
    checks = PageChecks(page)
    checks.visit("play, no step yet", f"/cases/{CASE}/")

    for name in ("Peripheral blood smear", "Review of prior blood counts", "Red-cell and platelet counts"):
        page.get_by_role("button", name=name, exact=True).click()
        expect(page.locator("#chosen-steps .finding-heading", has_text=name)).to_be_focused()
    chart = page.locator("#chosen-steps figure.series-figure svg")
    expect(chart).to_be_visible()
    page.locator("#chosen-steps details.chart-data > summary").first.click()
    expect(page.locator("#chosen-steps details.chart-data table").first).to_be_visible()
    checks.check("play, three steps (after htmx swaps)")  # the GET now renders the chosen steps too

    page.get_by_label("The most likely cause").select_option(CAUSE)
    page.get_by_role("radio", name="High", exact=True).check()
    page.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
    expect(page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report: {CASE_TITLE}")
    checks.check("report")

    # Printing the report: the site's navigation, footer, forms and buttons stay off the paper.
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#score-heading")).to_be_visible()
    expect(page.locator("#references-heading")).to_be_visible()
    for hidden in ("header", "footer", "nav[aria-label='Breadcrumb']", ".signup-prompt", "a.btn"):
        expect(page.locator(hidden).first).to_be_hidden()
    assert page.locator("form").evaluate_all("forms => forms.every(f => f.offsetParent === null)")
    page.emulate_media(media="screen")

    # Logging in from the report keeps it (the attempt moves to the account); then the dashboard.
    get_user_model().objects.create_user("a11y-learner", "learner@example.org", PASSWORD)
    page.locator(".signup-prompt").get_by_role("link", name="log in").click()
    checks.check("login, from the report")
    submit_login(page, "a11y-learner", PASSWORD)
    expect(page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    expect(page.get_by_role("row", name=re.compile(re.escape(CASE_TITLE)))).to_be_visible()
    checks.check("dashboard")
    checks.visit("case list, with progress", "/cases/")
    checks.visit("password change", "/accounts/password/change/")
    learner = get_user_model().objects.get(username="a11y-learner")
    uid, token = urlsafe_base64_encode(force_bytes(learner.pk)), default_token_generator.make_token(learner)
    checks.visit("password reset, choose a new password", f"/accounts/password/reset/{uid}/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    checks.finish()


def test_admin_pages_we_configure(page: Page, site_content):
    """The admin index, the Cause and Case changelists and change forms, and the case dry run, as a superuser."""
    get_user_model().objects.create_superuser("a11y-admin", "admin@example.org", PASSWORD)
    page.goto("/admin/login/")
    submit_login(page, "a11y-admin", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Site administration")

    cause = Cause.objects.get(slug=CAUSE)
    case = Case.objects.get(slug=CASE)
    checks = PageChecks(page)
    checks.check("admin index")
    checks.visit("admin cause changelist", "/admin/taxonomy/cause/")
    checks.visit(
        "admin cause change form",
        f"/admin/taxonomy/cause/{cause.pk}/change/",
        # Left out: markup that Django's own admin JavaScript writes, which no template of ours
        # can change. SelectFilter2.js (filter_horizontal) puts aria-label on a role-less <span>
        # (aria-prohibited-attr); select2 (autocomplete_fields) adds an unlabelled search <input>
        # inside its multi-select box (label). Everything else on the form is checked.
        exclude=[".selector .help-tooltip", ".select2-search__field"],
    )
    checks.visit("admin case changelist", "/admin/cases/case/")
    checks.visit("admin case change form (approved: read-only)", f"/admin/cases/case/{case.pk}/change/")
    # An approved case changes through a draft of changes: the whole editable form, with its notice.
    page.get_by_role("button", name="Start a draft of changes").click()
    expect(page.get_by_role("heading", name=re.compile("Draft of changes to"))).to_be_visible()
    checks.check("admin case change form (draft of changes)")
    # Our own admin page: grade a path against the key (a marrow biopsy before the smear is premature).
    checks.visit("admin case dry run", f"/admin/cases/case/{case.pk}/dry-run/")
    page.get_by_label("Steps, in the order chosen").fill("bone-marrow-biopsy, peripheral-smear, prior-counts")
    page.get_by_label("Chosen cause").select_option(CAUSE)
    page.get_by_role("button", name="Grade this path").click()
    expect(page).to_have_url(re.compile(r"/dry-run/\?steps="))
    checks.check("admin case dry run, graded")
    # "Preview as a learner" of a case learners cannot open: the play page with its controls disabled.
    Case.objects.filter(pk=case.pk).update(review_status=ReviewStatus.UNDER_REVIEW)
    checks.visit("case preview (under review)", case.get_absolute_url())
    expect(page.get_by_role("button", name="Submit my diagnosis and see the report")).to_be_disabled()
    checks.finish(
        # Django's AutocompleteSelect renders a required <select> holding only the chosen option
        # (no empty first option), which the HTML standard forbids; CauseAdmin's autocomplete
        # "group" field shows it. A plain select for the seven groups would avoid it.
        stock_validator_errors=("The first “option” element in a “select” element with a “required” attribute",)
    )


def test_cohort_pages_and_joining_by_code(page: Page, site_content):
    """The instructor's cohort list and page (a roster refused line by line, a renewed code), and the
    learner's join page (a wrong code, then the right one)."""
    make_instructor(username="a11y-instructor", password=PASSWORD)
    make_user(username="a11y-learner", password=PASSWORD)
    cohort = make_cohort(name="Year 3")
    checks = PageChecks(page)

    log_in(page, "a11y-instructor", PASSWORD)
    checks.visit("instructor cohorts", "/instructor/cohorts/")
    page.get_by_role("link", name="Year 3").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cohort: Year 3")
    checks.check("instructor cohort")
    page.get_by_label("Roster file (CSV)").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": b"a11y-learner\nghost\n"}]
    )
    page.get_by_role("button", name="Upload and enrol").click()
    expect(page.locator("#roster-problems")).to_contain_text("Line 2: “ghost” matches no account")
    checks.check("instructor cohort, roster refused", validate=False)
    checks.sent["instructor cohort, roster refused"] = page.content()  # a POST's answer: no GET gives it
    page.get_by_role("button", name="Make a new join code").click()
    expect(page.locator(".messages")).to_contain_text("New join code for Year 3")
    checks.check("instructor cohort, new code")
    cohort.refresh_from_db()

    page.get_by_role("button", name=re.compile("Log out")).click()
    log_in(page, "a11y-learner", PASSWORD)
    checks.visit("quiz list, signed in", "/quizzes/")
    page.get_by_role("link", name="Join your cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join a cohort")
    checks.check("join a cohort")
    page.get_by_label("Join code").fill("ZZZZ-ZZZZ")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Join code")).to_have_attribute("aria-invalid", "true")
    checks.check("join a cohort, wrong code", validate=False)
    checks.sent["join a cohort, wrong code"] = page.content()
    page.get_by_label("Join code").fill(cohort.join_code_shown.lower())
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("You joined Year 3.")
    assert list(cohort.learners.values_list("username", flat=True)) == ["a11y-learner"]
    checks.finish()


def test_case_files_page(page: Page, site_content):
    """Uploading case files: refused with the command's error lines, checked, imported; a case's file downloaded."""
    make_instructor(username="a11y-instructor", password=PASSWORD)
    exported = casefile_export(cases=cases_for_export(Case.objects.filter(slug=CASE)))
    copy = yaml.safe_load(exported) | {"slug": "uploaded-copy", "title": "An uploaded copy"}
    good = yaml.safe_dump(copy, allow_unicode=True, sort_keys=False).encode()
    bad = exported.replace("tier: essential", "tier: vital", 1).encode()
    checks = PageChecks(page)
    log_in(page, "a11y-instructor", PASSWORD)
    checks.visit("instructor index", "/instructor/")
    page.get_by_role("link", name="Upload case files").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case files")
    checks.check("case files")

    files = page.get_by_label("Case files (YAML or JSON)")
    files.set_input_files(files=[{"name": "bad.yaml", "mimeType": "application/yaml", "buffer": bad}])
    page.get_by_role("button", name="Import as drafts").click()
    expect(page.locator("#import-errors")).to_contain_text("nothing was imported")
    expect(page.locator("#import-errors li").first).to_contain_text(f"bad.yaml: case '{CASE}': findings[")
    checks.check("case files, refused", validate=False)
    checks.sent["case files, refused"] = page.content()  # a POST's answer: no GET gives it

    files.set_input_files(files=[{"name": "good.yaml", "mimeType": "application/yaml", "buffer": good}])
    page.get_by_role("button", name=re.compile("Check only")).click()
    expect(page.locator("#check-results")).to_contain_text("uploaded-copy: expert path")
    checks.check("case files, checked", validate=False)
    checks.sent["case files, checked"] = page.content()
    files.set_input_files(files=[{"name": "good.yaml", "mimeType": "application/yaml", "buffer": good}])
    page.get_by_role("button", name="Import as drafts").click()
    expect(page.locator(".messages")).to_contain_text("Imported 1 case from 1 file: 1 created")
    assert Case.objects.get(slug="uploaded-copy").review_status == ReviewStatus.DRAFT

    page.goto("/instructor/")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download case file of {CASE_TITLE}").click()
    assert download.value.suggested_filename == f"{CASE}.yaml"
    with open(download.value.path(), encoding="utf-8") as handle:
        assert handle.read() == exported
    checks.finish()
