"""A whole shipped case played with the keyboard alone: Tab, Shift+Tab, Enter, Space, and typing into a field.

No mouse click and no ``element.click()``: every action is a key press on
whatever has focus, so the test fails if something can only be reached or
worked with a pointer, if focus gets lost after an htmx swap, or if the
focused element shows no focus indicator.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import assert_no_axe_violations

CASE = "crohns-azathioprine-routine-count"  # its "Review of prior blood counts" finding is a chart
CASE_TITLE = "A routine monitoring count in Crohn's disease"
# The menu holds the whole catalogue (86 entries, investigations and actions) plus the page around it.
MAX_PRESSES = 200

FOCUSED = """() => {
    const el = document.activeElement;
    return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        name: (el.getAttribute("aria-label") || el.innerText || el.value || "").trim().replace(/\\s+/g, " "),
    };
}"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, predicate, *, backwards: bool = False, what: str) -> dict:
    """Press Tab (or Shift+Tab) until the focused element satisfies ``predicate``; every stop must show focus."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(MAX_PRESSES):
        page.keyboard.press(key)
        element = focused(page)
        seen.append(f"{element['tag']} {element['name'][:40]!r}")
        if element["tag"] != "body":
            assert_focus_visible(page)
        if predicate(element):
            return element
    raise AssertionError(f"{key} never reached {what} in {MAX_PRESSES} presses; focus went: {' → '.join(seen)}")


def assert_focus_visible(page: Page) -> None:
    """The focused element draws an outline or a box shadow at least 2 px wide (WCAG 2.4.7)."""
    style = page.evaluate(
        """() => {
            const el = document.activeElement;
            const s = getComputedStyle(el);
            return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow,
                    what: el.outerHTML.slice(0, 120)};
        }"""
    )
    outlined = style["outline"] != "none" and style["width"] >= 2
    assert outlined or style["shadow"] != "none", f"No visible focus indicator on {style['what']}: {style}"


def button_named(name: str):
    return lambda element: element["tag"] == "button" and element["name"] == name


def choose_step(page: Page, name: str, *, number: int, backwards: bool, key: str) -> None:
    """Reach the step's button with Tab or Shift+Tab, press ``key``; focus lands on the new result, announced."""
    tab_to(page, button_named(name), backwards=backwards, what=f"the {name!r} button")
    page.keyboard.press(key)
    heading = page.locator(f"#finding-{number} .finding-heading")
    expect(heading).to_be_focused()
    expect(heading).to_contain_text(name)
    assert_focus_visible(page)
    status = page.locator("#workup-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(f"Result {number} added: {name}.")
    # The menu entry offers the step again, beside a link to its result.
    expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name=f"{name} — order again", exact=True)).to_have_count(1)
    expect(page.locator(f'a.step-ordered[href="#finding-{number}"]')).to_contain_text(name)


def test_a_case_played_with_the_keyboard_alone(page: Page, site_content):
    """Skip link to main; four steps ordered by key (focus moves to each result, announced politely);
    the diagnosis filtered, chosen and submitted by key; the report reached. Focus always shows."""
    page.goto(f"/cases/{CASE}/")

    # The first Tab stop is the skip link, visible when focused; Enter moves focus to <main>.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main$"))

    # Forward from <main> into the menu; then back up the menu with Shift+Tab from each result.
    choose_step(page, "Peripheral blood smear", number=1, backwards=False, key="Enter")
    choose_step(page, "Review of prior blood counts", number=2, backwards=True, key="Space")
    expect(page.locator("#finding-2 figure.series-figure svg")).to_be_visible()
    choose_step(page, "Red-cell and platelet counts", number=3, backwards=True, key="Enter")
    expect(page.locator("#finding-3 table")).to_be_visible()
    choose_step(page, "Medication and exposure review", number=4, backwards=True, key="Space")

    # The chart's data table opens from the keyboard too.
    tab_to(page, lambda e: e["tag"] == "summary", backwards=True, what="the chart's data-table summary")
    page.keyboard.press("Enter")
    expect(page.locator("#finding-2 details.chart-data table")).to_be_visible()
    assert_no_axe_violations(page)

    # The diagnosis: type into the filter, which selects the only match; Tab to the list to confirm it.
    tab_to(page, lambda e: e["id"] == "cause-filter", what="the cause filter")
    page.keyboard.type("thiopurine")
    expect(page.locator("[data-cause-filter-count]")).to_contain_text("1 cause matches")
    tab_to(page, lambda e: e["tag"] == "select", what="the list of causes")
    expect(page.get_by_label("The most likely cause")).to_have_value("thiopurines")
    # Certainty: Tab into the radio group (its first radio), the arrow keys choose within it.
    tab_to(page, lambda e: e["id"] == "id_certainty_0", what="the certainty radios")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="High", exact=True)).to_be_checked()
    tab_to(page, lambda e: e["name"].startswith("Submit my diagnosis"), what="the submit button")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/cases/attempts/\d+/report/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report: {CASE_TITLE}")
    expect(page.locator(".diagnosis-verdict")).to_have_text("Correct")
    lines = page.locator(".report-line-heading")
    expect(lines).to_have_count(4)
    expect(lines.nth(1)).to_contain_text("Review of prior blood counts")

    # On the report, the skip link still leads the way, and a citation link is reachable and shows focus.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    tab_to(page, lambda e: e["tag"] == "a" and e["name"].startswith("reference ["), what="a citation link")
