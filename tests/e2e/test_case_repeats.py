"""A shipped case played with a management action and a repeated count, to its report, with JavaScript on
and off; the long menu filtered by typing (on) and by its plain GET form (off).

The Crohn's case keys "Repeat CBC" twice (the confirmatory count, then the count after the drug was
withheld) and the action "Withhold or reduce the suspected drug". Axe and the Nu HTML Checker stay at
zero on the play and report pages.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import (
    assert_no_axe_violations,
    assert_valid_html_pages,
    server_html,
)

CASE = "crohns-azathioprine-routine-count"
CAUSE = "thiopurines"
REPEAT = "Repeat CBC with differential and ANC"
WITHHOLD = "Withhold or reduce the suspected drug, with serial counts"
SMEAR = "Peripheral blood smear"
REVIEW = "Medication and exposure review"


def shown_menu_buttons(page: Page) -> list[str]:
    return [name.strip() for name in page.locator("#step-menu .btn-step:visible").all_inner_texts()]


def expect_result(page: Page, number: int, heading: str) -> None:
    finding = page.locator(f"#finding-{number}")
    expect(finding.locator(".finding-heading")).to_have_text(re.compile(rf"^\s*{number}\.\s+{re.escape(heading)}\s*$"))
    expect(finding.locator(".finding-result")).not_to_be_empty()


def expect_report(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    expect(page.locator(".grade-letter")).to_have_text(re.compile(r"^Grade [A-F]$"))
    headings = page.locator(".report-line-heading")
    expect(headings).to_have_count(5)
    expect(headings.nth(3)).to_contain_text(WITHHOLD)
    expect(headings.nth(4)).to_contain_text(f"{REPEAT} (2nd time)")
    expect(page.locator(".report-line").nth(4).locator(".verdict")).to_have_text("Essential")
    expect(page.locator(".scoring-rules")).to_contain_text("An entry ordered again is graded as a new order")


def test_repeat_and_action_with_javascript_and_a_filter_that_narrows_as_one_types(page: Page, site_content):
    """Typing narrows the menu at once and says how many match; Escape brings every entry back; an
    entry ordered once offers itself again and the repeat is its own numbered result; axe and the HTML
    checker find nothing on the play page, filtered or not, nor on the report."""
    sent: dict[str, str] = {}
    page.goto(f"/cases/{CASE}/")
    total = page.locator("#step-menu .step-menu-item").count()
    assert total >= 72
    # No Filter button with JavaScript: the list narrows as one types.
    expect(page.locator("[data-menu-filter-submit]")).to_be_hidden()

    box = page.get_by_label("Filter the menu", exact=True)
    box.press_sequentially("repeat cb")
    expect(page.locator("#menu-filter-count")).to_have_text(re.compile(rf"^1 of {total} entries match “repeat cb”\.$"))
    assert shown_menu_buttons(page) == [REPEAT]
    box.press("ArrowDown")
    expect(page.get_by_role("button", name=REPEAT, exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect_result(page, 1, REPEAT)
    assert_no_axe_violations(page)

    box.press("Escape")
    expect(page.locator("#menu-filter-count")).to_have_text(f"{total} entries.")
    assert len(shown_menu_buttons(page)) == total
    for number, name in enumerate((SMEAR, REVIEW, WITHHOLD), start=2):
        page.get_by_role("button", name=name, exact=True).click()
        expect_result(page, number, name)

    box.fill("")
    box.press_sequentially("REPEAT")
    again = page.get_by_role("button", name=f"{REPEAT} — order again", exact=True)
    again.click()
    expect_result(page, 5, f"{REPEAT} (2nd time)")
    expect(page.locator("#workup-status")).to_have_text(f"Result 5 added: {REPEAT} (2nd time).")
    expect(page.locator("#menu-step-repeat-cbc .step-ordered")).to_contain_text("Ordered 2 times: see result 5")
    assert_no_axe_violations(page)
    sent["play, five results"] = server_html(page)
    sent["play, filtered on the server"] = server_html(page, f"{page.url.split('#')[0]}?menu=repeat")

    page.get_by_label("The most likely cause").select_option(CAUSE)
    page.get_by_role("radio", name="Medium", exact=True).check()
    page.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
    expect_report(page)
    assert_no_axe_violations(page)
    sent["report"] = server_html(page)
    assert_valid_html_pages(sent)


def test_repeat_and_action_without_javascript_and_the_filter_as_a_get_form(nojs_page: Page, site_content):
    """The filter is a search form: Filter reloads the page narrowed (?menu=), a choice keeps the filter;
    the action and the repeat post and redirect; the report is reached; the pages validate."""
    page = nojs_page
    page.goto(f"/cases/{CASE}/")
    page.get_by_label("Filter the menu", exact=True).fill("repeat cbc")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{CASE}/\?menu=repeat\+cbc$"))
    expect(page.locator("#menu-filter-count")).to_contain_text("1 of")
    assert shown_menu_buttons(page) == [REPEAT]

    page.get_by_role("button", name=REPEAT, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{CASE}/\?menu=repeat\+cbc#finding-1$"))
    expect_result(page, 1, REPEAT)
    page.get_by_role("link", name="Show all entries").click()
    for number, name in enumerate((SMEAR, REVIEW, WITHHOLD), start=2):
        page.get_by_role("button", name=name, exact=True).click()
        expect(page).to_have_url(re.compile(rf"#finding-{number}$"))
        expect_result(page, number, name)
    page.get_by_role("button", name=f"{REPEAT} — order again", exact=True).click()
    expect_result(page, 5, f"{REPEAT} (2nd time)")
    sent = {"play, no script": server_html(page)}

    page.get_by_label("The most likely cause").select_option(CAUSE)
    page.get_by_role("radio", name="Medium", exact=True).check()
    page.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
    expect_report(page)
    sent["report, no script"] = server_html(page)
    assert_valid_html_pages(sent)
