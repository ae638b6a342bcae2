"""A self-study reader browses causes, follows a citation to its reference, and reads the reference list."""

import re

from playwright.sync_api import Page, expect

from .helpers import assert_no_axe_violations, assert_no_horizontal_scroll, assert_valid_html_pages, server_html

CAUSE = "thiopurines"  # any cause with cited facts; see docs/content-ids.md


def test_reader_follows_a_citation_to_its_reference(page: Page, site_content):
    """Home → causes → a cause; a numbered citation jumps to its reference entry on the same page."""
    sent: dict[str, str] = {}

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)
    sent["home"] = server_html(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Causes", exact=True).click()
    expect(page).to_have_url(re.compile(r"/causes/$"))
    assert_no_axe_violations(page)
    sent["causes"] = server_html(page)

    page.locator(f'main a[href="/causes/{CAUSE}/"]').first.click()
    expect(page).to_have_url(re.compile(rf"/causes/{CAUSE}/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)
    sent["cause"] = server_html(page)

    citation = page.locator('main a[href^="#ref-"]').first
    expect(citation).to_be_visible()
    target_id = citation.get_attribute("href")
    assert re.fullmatch(r"#ref-\d+", target_id), target_id
    citation.click()
    expect(page).to_have_url(re.compile(rf"/causes/{CAUSE}/{target_id}$"))
    entry = page.locator(target_id)
    expect(entry).to_have_count(1)
    expect(entry).to_be_visible()
    expect(entry).to_be_in_viewport()
    number = target_id.removeprefix("#ref-")
    expect(entry).to_contain_text(f"[{number}]")
    assert_no_axe_violations(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="References", exact=True).click()
    expect(page).to_have_url(re.compile(r"/references/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)
    sent["references"] = server_html(page)

    assert_valid_html_pages(sent)


def test_reader_pages_fit_a_phone_screen(page: Page, site_content):
    """At 390 px wide no reader page scrolls sideways, and the collapsed menu opens."""
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ["/", "/causes/", f"/causes/{CAUSE}/", "/references/"]:
        page.goto(url)
        assert_no_horizontal_scroll(page)

    menu_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Causes", exact=True)
    expect(menu_link).to_be_hidden()
    page.get_by_role("button", name="Toggle navigation").click()
    expect(menu_link).to_be_visible()
    assert_no_axe_violations(page)
