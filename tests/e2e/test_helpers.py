"""The browser-test checks catch what they claim to: invalid HTML, axe violations, CSP errors, sideways scroll."""

import pytest
from playwright.sync_api import Page

from .helpers import (
    assert_no_axe_violations,
    assert_no_console_errors,
    assert_no_horizontal_scroll,
    assert_valid_html_pages,
)

SITE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def serve(page: Page, live_server, body: str, *, csp: str | None = SITE_CSP) -> None:
    """Open a made-up page on the live server's origin, with the site's CSP unless told otherwise."""
    url = f"{live_server.url}/__probe__/"
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if csp:
        headers["Content-Security-Policy"] = csp
    page.route(url, lambda route: route.fulfill(status=200, headers=headers, body=body))
    page.goto(url)


def doc(body: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Probe</title>'
        f"{head}</head><body>{body}</body></html>"
    )


def test_validator_reports_each_error_with_its_page_and_line():
    """Duplicate ids and stray end tags fail the check, named by page and line; a valid page passes."""
    good = doc("<main><h1>Fine</h1></main>")
    bad = doc('<main><h1 id="x">A</h1>\n<p id="x">B</div></main>')
    assert_valid_html_pages({"good": good})
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_valid_html_pages({"good": good, "bad": bad})
    message = str(failure.value)
    assert "- bad:" in message
    assert "- good:" not in message
    assert "Duplicate ID" in message
    assert "Stray end tag" in message
    assert "line 2" in message


def test_axe_reports_violations_under_the_site_csp(page: Page, live_server):
    """axe runs under the site's CSP (without tripping it) and names each violation and its element."""
    serve(
        page,
        live_server,
        doc('<main><h1>Probe</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="pic"></main>'),
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_no_axe_violations(page)
    assert "image-alt" in str(failure.value)
    assert "#pic" in str(failure.value)
    assert_no_console_errors(page)  # injecting axe caused no CSP violation


def test_an_inline_script_blocked_by_csp_is_reported(page: Page, live_server):
    """An inline script the CSP blocks shows up as a console error, so the test would fail."""
    serve(page, live_server, doc("<main><h1>Probe</h1><script>document.title = 'ran';</script></main>"))
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_no_console_errors(page)
    assert "Content Security Policy" in str(failure.value)
    assert page.title() == "Probe"


def test_an_uncaught_exception_is_reported(page: Page, live_server):
    """A script that throws fails the test."""
    serve(page, live_server, doc("<main><h1>Probe</h1></main>"))
    page.evaluate("() => setTimeout(() => { throw new Error('boom'); }, 0)")
    page.wait_for_timeout(100)
    with pytest.raises(pytest.fail.Exception, match="boom"):
        assert_no_console_errors(page)


def test_sideways_scroll_is_reported_with_the_culprit(page: Page, live_server):
    """Content wider than a 390 px viewport fails the reflow check and names the element."""
    page.set_viewport_size({"width": 390, "height": 800})
    wide = "<style>.wide { width: 800px; }</style>"
    serve(page, live_server, doc('<main><div class="wide" id="banner">x</div></main>', head=wide), csp=None)
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_no_horizontal_scroll(page)
    assert "div#banner.wide" in str(failure.value)
