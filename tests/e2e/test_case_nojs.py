"""With JavaScript disabled, a shipped case plays end to end and the reader's forms work.

Every form posts (or gets) and the server redirects; nothing depends on htmx,
Bootstrap's JavaScript or site.js. The browser context has JavaScript off, so
page scripts never run (Playwright's own actions still work).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import assert_no_horizontal_scroll

CASE = "crohns-azathioprine-routine-count"  # its "Review of prior blood counts" finding is a chart
CASE_TITLE = "A routine monitoring count in Crohn's disease"
CAUSE = "thiopurines"
CAUSE_NAME = "Thiopurines (azathioprine and 6-mercaptopurine)"


def choose(page: Page, name: str, *, number: int) -> None:
    """Order a step: the form posts, the server redirects to the play page at the new result."""
    page.get_by_role("button", name=name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{CASE}/#finding-{number}$"))
    finding = page.locator(f"#finding-{number}")
    expect(finding.locator(".finding-heading")).to_contain_text(f"{number}. {name}")
    expect(finding.locator(".finding-result")).not_to_be_empty()
    expect(page.locator(f'a.step-ordered[href="#finding-{number}"]')).to_contain_text(name)


def test_a_case_played_end_to_end_without_javascript(nojs_page: Page, site_content):
    """Steps post and redirect with each finding shown (a chart among them), the diagnosis list works, the
    submission reaches the report, and ordering a step twice explains itself instead of adding it again."""
    page = nojs_page
    page.goto(f"/cases/{CASE}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(CASE_TITLE)
    # The filter box needs cases.js; without it, it stays hidden and the plain list is all there is.
    expect(page.locator("[data-cause-filter]")).to_be_hidden()

    choose(page, "Peripheral blood smear", number=1)
    choose(page, "Review of prior blood counts", number=2)
    expect(page.locator("#finding-2 figure.series-figure svg")).to_be_visible()
    page.locator("#finding-2 details.chart-data > summary").click()
    expect(page.locator("#finding-2 details.chart-data table")).to_contain_text("Week 10")
    choose(page, "Red-cell and platelet counts", number=3)
    expect(page.locator("#finding-3 table")).to_contain_text("Platelets")

    # Reloading the play page keeps the attempt: the three results are still there, in order.
    page.goto(f"/cases/{CASE}/")
    expect(page.locator("#chosen-steps .finding")).to_have_count(3)

    choose(page, "Medication and exposure review", number=4)

    page.get_by_label("The most likely cause").select_option(label=CAUSE_NAME)
    page.get_by_role("radio", name="Medium", exact=True).check()
    page.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
    expect(page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report: {CASE_TITLE}")
    expect(page.locator(".diagnosis-verdict")).to_have_text("Correct")
    expect(page.locator(".report-line-heading")).to_have_count(4)
    expect(page.locator("#diagnosis-heading + p")).to_contain_text(CAUSE_NAME)

    # Back on the case, a fresh attempt starts, with a link to the report just submitted.
    report_url = page.url
    page.goto(f"/cases/{CASE}/")
    expect(page.locator("#chosen-steps .finding")).to_have_count(0)
    page.get_by_role("link", name="see the report of your last attempt").click()
    expect(page).to_have_url(report_url)


def test_reader_forms_work_without_javascript(nojs_page: Page, site_content):
    """A cause page reads in full, the navbar search finds facts, the audience form re-tailors the page,
    and at phone width the navigation shows without a toggle (the toggle needs JavaScript)."""
    page = nojs_page
    page.goto(f"/causes/{CAUSE}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(CAUSE_NAME)
    expect(page.locator("article")).to_have_attribute("data-audience", "student")
    expect(page.locator("main a[href^='#ref-']").first).to_be_visible()

    # The navbar's question box (the cause page ends with a second one).
    search = page.get_by_role("navigation", name="Main").get_by_role("search")
    search.get_by_label("Ask a question about leucopenia").fill("neutrophil")
    search.get_by_role("button", name="Ask").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=neutrophil$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile("neutrophil", re.IGNORECASE))
    expect(page.locator("main a").filter(has_text=re.compile(".+")).first).to_be_visible()

    page.goto(f"/causes/{CAUSE}/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Clinician").check()
    footer.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/causes/{CAUSE}/$"))
    expect(page.locator("article")).to_have_attribute("data-audience", "clinician")
    expect(page.locator(".audience-note")).to_contain_text("Tailored for: Clinician")
    expect(page.get_by_role("contentinfo").get_by_label("Clinician")).to_be_checked()
    # The clinician's folded summary opens without script (a native <details>).
    fold = page.locator("details.cause-fold").first
    fold.locator("summary").click()
    expect(fold.locator(".cause-summary")).to_be_visible()

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Toggle navigation")).to_be_hidden()
    expect(nav.get_by_role("link", name="Causes", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Cases", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)
