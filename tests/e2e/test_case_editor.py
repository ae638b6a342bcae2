"""An instructor authors a whole case in the case editor (one entry by keyboard alone), previews it
ordering entries, dry-runs a path and submits it; a colleague approves it; a learner plays the
approved version while a newer draft of changes waits.

The test counts the field actions of the authoring (every fill, choice, tick, click and key press
from the empty editor to "Save and submit for review") and times the whole flow; both are printed
(run with ``-s``) for the issue's comparison with the admin (about 100 actions). Neither is asserted.
"""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Locator, Page, expect

from leucocases.cases.models import Attempt, Case
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import make_instructor, make_user

from .helpers import assert_no_axe_violations, assert_valid_html_pages, server_html, watch_console

PASSWORD = "e2e-editor-password-7"
TITLE = "A low count on azathioprine, written in the editor"
SLUG = "a-low-count-on-azathioprine-written-in-the-editor"
# The editor is one long page (the whole catalogue); on a shared machine it may take seconds to come.
EDITOR_TIMEOUT_MS = 30_000
PLAYWRIGHT_DEFAULT_TIMEOUT_MS = 5_000


@pytest.fixture(autouse=True)
def patient_expect():
    expect.set_options(timeout=EDITOR_TIMEOUT_MS)
    yield
    expect.set_options(timeout=PLAYWRIGHT_DEFAULT_TIMEOUT_MS)


@pytest.fixture
def taxonomy(transactional_db):
    call_command("load_taxonomy", verbosity=0, stdout=StringIO())


class Actions:
    """Every field action the author performs, counted."""

    def __init__(self, page: Page) -> None:
        self.page, self.count = page, 0

    def fill(self, locator: Locator, text: str) -> None:
        locator.fill(text)
        self.count += 1

    def select(self, locator: Locator, **option: str) -> None:
        locator.select_option(**option)
        self.count += 1

    def click(self, locator: Locator) -> None:
        locator.click()
        self.count += 1

    def key(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += 1


def log_in(browser: Browser, base_url: str, username: str, next_url: str) -> Page:
    page = browser.new_context(base_url=base_url).new_page()
    page.set_default_timeout(EDITOR_TIMEOUT_MS)
    watch_console(page)
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def key_entry(act: Actions, row: Locator, *, tier: str, position: str, result: str, citation: str) -> None:
    """Key one entry with the mouse: tier, expert position, then its finding opened in place."""
    act.select(row.locator("select[name$='-tier']"), label=tier)
    if position:
        act.fill(row.locator("input[name$='-expert_position']"), position)
    act.click(row.locator("summary"))
    act.fill(row.locator("textarea[name$='-result']"), result)
    act.fill(row.locator("textarea[name$='-rationale']"), f"Why this entry is {tier.lower()} here (test text).")
    act.click(row.get_by_label(citation))


def test_author_preview_dry_run_submit_approve_and_play(browser: Browser, base_url: str, taxonomy):
    started = time.monotonic()
    author, reviewer = make_instructor(password=PASSWORD), make_instructor(password=PASSWORD)
    learner = make_user(password=PASSWORD)
    sent: dict[str, str] = {}

    page = log_in(browser, base_url, author.username, "/instructor/cases/new/")
    expect(page.get_by_role("heading", name="New case", level=1)).to_be_visible()
    act = Actions(page)

    # The case's own fields and one initial result.
    act.fill(page.get_by_label("Title"), TITLE)
    act.fill(
        page.get_by_label("Presentation", exact=True), "A 46-year-old woman on azathioprine has a low white count."
    )
    act.click(page.get_by_label("Medication-related"))
    act.fill(page.get_by_label("Initial result 1, name"), "White cell count")
    act.fill(page.get_by_label("Initial result 1, value"), "2.1")
    act.fill(page.get_by_label("Initial result 1, unit"), "×10⁹/L")
    act.select(page.get_by_label("Initial result 1, flag"), label="Low")

    # Blood counts: the smear (essential, first), with a results table.
    act.click(page.locator("summary", has=page.locator("#category-blood_count")))
    smear = page.locator("#entry-e-peripheral-smear-1")
    key_entry(act, smear, tier="Essential", position="1", result="Neutrophils are few.", citation="[1] ")
    act.fill(smear.get_by_label("Table row 1, label"), "Neutrophils")
    act.fill(smear.get_by_label("Table row 1, value"), "0.9")

    # History: the medication review, by keyboard alone.
    page.locator("summary", has=page.locator("#category-history")).focus()
    act.key("Enter")  # open the category
    act.key("Tab")  # its first entry's tier
    expect(page.get_by_label("Tier: Medication and exposure review")).to_be_focused()
    act.type("E")  # Essential
    act.key("Tab")
    act.type("2")  # expert position
    for _ in range(3):  # weight, any-of group, then the finding's summary
        act.key("Tab")
    act.key("Enter")  # open the finding
    act.key("Tab")
    act.type("The dose of azathioprine was raised six weeks ago.")
    act.key("Tab")
    act.type("The timing points at the drug (test text).")
    act.key("Tab")  # the citations' filter box
    act.type("azathioprine")
    act.key("Tab")
    act.key("Space")  # tick the one reference left
    review = page.locator("#entry-e-medication-review-1")
    expect(review.get_by_label("Tier: Medication and exposure review")).to_have_value("essential")
    expect(review.get_by_label("[7] ", exact=False)).to_be_checked()

    # Marrow: the biopsy is harmful before the smear; an order rule says so.
    act.click(page.locator("summary", has=page.locator("#category-marrow")))
    biopsy = page.locator("#entry-e-bone-marrow-biopsy-1")
    key_entry(act, biopsy, tier="Harmful", position="", result="A hypocellular marrow.", citation="[1] ")
    rule = page.get_by_role("group", name="Order rule 1")
    act.select(rule.get_by_label("Before", exact=True), label="Peripheral blood smear")
    act.select(rule.get_by_label("After", exact=True), label="Bone-marrow aspirate and biopsy")
    act.fill(rule.get_by_label("Rationale", exact=True), "Look at the smear before the marrow (test text).")
    act.click(rule.get_by_label("[1] "))

    option = page.get_by_role("group", name="Diagnosis option 1")
    act.select(option.get_by_label("Cause", exact=True), label="Thiopurines (azathioprine and 6-mercaptopurine)")
    act.fill(option.get_by_label("Credit", exact=True), "1")
    act.fill(option.get_by_label("Rationale", exact=True), "The count fell after the dose went up (test text).")
    act.click(option.get_by_label("[7] "))

    act.click(page.get_by_role("button", name="Save", exact=True).first)
    expect(page.get_by_text("Saved.")).to_be_visible()
    case = Case.objects.get(slug=SLUG)
    assert case.author == author and case.review_status == ReviewStatus.DRAFT
    assert {f.step.slug: f.tier for f in case.findings.select_related("step")} == {
        "peripheral-smear": "essential",
        "medication-review": "essential",
        "bone-marrow-biopsy": "harmful",
    }
    assert case.findings.get(step__slug="peripheral-smear").table[0]["value"] == "0.9"
    assert_no_axe_violations(page)
    sent["editor"] = server_html(page)

    # The learner's view: order two entries, see what they reveal; nothing is recorded.
    act.click(page.get_by_role("link", name="Preview as a learner"))
    act.click(page.get_by_role("button", name="Peripheral blood smear"))
    act.click(page.get_by_role("button", name="Medication and exposure review"))
    results = page.locator(".findings")
    expect(results).to_contain_text("Neutrophils are few.")
    expect(results).to_contain_text("The dose of azathioprine was raised six weeks ago.")
    assert not Attempt.objects.exists()
    assert_no_axe_violations(page)
    sent["preview"] = server_html(page)

    # Dry-run that path (htmx answers in place), then submit.
    act.click(page.get_by_role("link", name="Dry-run this path"))
    expect(page.get_by_label("Steps, in the order chosen")).to_have_value("peripheral-smear\nmedication-review")
    act.select(page.get_by_label("Chosen cause"), label="Thiopurines (azathioprine and 6-mercaptopurine)")
    act.click(page.get_by_role("button", name="Grade this path"))
    expect(page.locator("#dry-run-result")).to_contain_text("Total 100.0, grade A")
    assert_no_axe_violations(page)
    act.click(page.get_by_role("button", name="Save and submit for review").first)
    expect(page.get_by_text("Review status: Submitted.", exact=True)).to_be_visible()
    authoring_actions, authoring_seconds = act.count, time.monotonic() - started

    # A colleague reviews and approves it: version 1.
    page = log_in(browser, base_url, reviewer.username, f"/instructor/cases/{SLUG}/edit/")
    page.get_by_role("button", name="Start reviewing").click()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("version 1 is now what learners play")).to_be_visible()

    # The author starts a draft of changes; learners keep version 1.
    page = log_in(browser, base_url, author.username, f"/instructor/cases/{SLUG}/edit/")
    page.get_by_label("Title").fill("A newer title waiting for review")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("Draft of changes", exact=True)).to_be_visible()
    assert Case.objects.get(slug=SLUG).pending_draft.title == "A newer title waiting for review"

    page = log_in(browser, base_url, learner.username, f"/cases/{SLUG}/")
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    page.get_by_role("button", name="Peripheral blood smear").click()
    expect(page.locator("#chosen-steps")).to_contain_text("Neutrophils are few.")
    attempt = Attempt.objects.get(user=learner)
    assert attempt.case.slug == SLUG and attempt.case_version == 1

    assert_valid_html_pages(sent)
    elapsed = time.monotonic() - started
    print(
        f"\ncase editor flow: {authoring_actions} field actions to author, preview, dry-run and submit "
        f"({authoring_seconds:.1f} s with its page checks); the whole test {elapsed:.1f} s"
    )
