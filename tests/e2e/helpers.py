"""Checks every browser test can apply to the pages it visits.

    from tests.e2e.helpers import (
        assert_no_axe_violations, assert_valid_html, assert_valid_html_pages,
        server_html, assert_no_horizontal_scroll, assert_no_console_errors,
    )

- ``assert_no_axe_violations(page)``: axe-core (WCAG 2.0/2.1/2.2 A and AA plus
  best practice) on the page as it is now, after any clicks or htmx swaps.
- ``server_html(page)``: the HTML the server sends for the page's URL (with the
  browser's cookies), for the validator; never ``page.content()``, which is the
  DOM after the browser repaired it and after scripts ran.
- ``assert_valid_html(html, name)`` / ``assert_valid_html_pages({name: html})``:
  the Nu HTML Checker (vnu.jar); batch pages into one call, the JVM takes a
  second or two to start.
- ``assert_no_horizontal_scroll(page)``: the layout fits the viewport width;
  ``with viewport(page, NARROW):`` checks it at 360 px and puts the width back.
- ``submit_login(page, username, password)`` fills in and submits the login form
  shown (the site's or the admin's); ``log_in(page, username, password)`` opens
  the site's and waits until the page offers to log out.
- ``assert_no_console_errors(page)``: no console error or uncaught exception so
  far (a Content-Security-Policy violation is a console error). The ``page``
  fixture checks this after every test anyway; call it to fail at a precise
  point, and ``watch_console(page)`` for pages you open in extra contexts.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

BASE_DIR = Path(__file__).resolve().parents[2]
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
NARROW = {"width": 360, "height": 740}  # the reflow check's phone width (WCAG 1.4.10 asks for 320 CSS px)
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path.relative_to(BASE_DIR)} is missing: run `npm ci` (or `make test`, which does it).")
    return path


# --- spaced practice ------------------------------------------------------------------------


def expect_due_date(upcoming: Locator, username: str, case_slug: str) -> None:
    """The dashboard's line gives the wait in words and the date the learner's card of the case falls due."""
    from django.utils import dateformat, timezone

    from leucocases.quizzes.models import PracticeCard

    card = PracticeCard.objects.get(user__username=username, case__slug=case_slug)
    expect(upcoming).to_contain_text(re.compile(r"due again (tomorrow|in \d+ days)"))
    due = upcoming.locator("time")
    expect(due).to_have_text(dateformat.format(timezone.localtime(card.due), "j M Y"))
    expect(due).to_have_attribute("datetime", re.compile(rf"^{timezone.localtime(card.due):%Y-%m-%d}T"))


# --- accessibility ---------------------------------------------------------------------------


def assert_no_axe_violations(
    page: Page, *, include: str | None = None, exclude: Iterable[str] = (), disable_rules: Iterable[str] = ()
) -> None:
    """Run axe-core on the page as it stands and fail listing every violation.

    axe is injected with ``page.evaluate`` rather than ``page.add_script_tag``:
    add_script_tag inlines the file into a <script> element, which the site's
    Content-Security-Policy (no 'unsafe-inline') blocks — and the block would
    itself be logged as a CSP console error. Code evaluated through the
    DevTools protocol is not subject to the page's CSP, so the page keeps its
    real policy (no ``bypass_csp`` context needed) and axe sees the live DOM,
    including anything scripts or htmx changed.

    ``include`` limits the check to a CSS selector; ``exclude`` leaves out the
    elements matching each selector (e.g. a third-party widget we cannot
    change); ``disable_rules`` names axe rules to skip — justify any use of
    either in a comment at the call site.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_require(AXE_JS).read_text(encoding="utf-8") + "\n;undefined")
    options = {
        "runOnly": {"type": "tag", "values": list(AXE_TAGS)},
        "rules": {rule: {"enabled": False} for rule in disable_rules},
        "resultTypes": ["violations"],
    }
    context = {"exclude": list(exclude)} if exclude else {}
    if include:
        context["include"] = [include]
    violations = page.evaluate(
        """async ([context, options]) => {
            const results = await window.axe.run(Object.keys(context).length ? context : document, options);
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
            }));
        }""",
        [context, options],
    )
    if violations:
        lines = [f"axe found {len(violations)} accessibility violation(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:10]:
                summary = " ".join(node["summary"].split())
                lines.append(f"    at {node['target']}: {summary}")
            if len(v["nodes"]) > 10:
                lines.append(f"    … and {len(v['nodes']) - 10} more")
        pytest.fail("\n".join(lines), pytrace=False)


# --- HTML validity ---------------------------------------------------------------------------


def server_html(page: Page, url: str | None = None) -> str:
    """The HTML the server sends for ``url`` (default: the page's URL), fetched with the page's cookies."""
    target = (url or page.url).split("#", 1)[0]
    response = page.request.get(target)
    assert response.ok, f"GET {target} answered {response.status}"
    return response.text()


def assert_valid_html(html_text: str, name: str = "page") -> None:
    """Validate one document with the Nu HTML Checker; fail on every error with its line."""
    assert_valid_html_pages({name: html_text})


def assert_valid_html_pages(pages: Mapping[str, str]) -> None:
    """Validate several documents (name -> HTML) and fail listing every error per page.

    Uses the session's validator server when the e2e conftest started one
    (about 0.1 s a page), else one ``java -jar vnu.jar`` run for the batch.
    """
    if not pages:
        return
    _require(VNU_JAR)
    if _vnu_server is not None and _vnu_server.wait_ready():
        results = {name: _vnu_server.check(html_text) for name, html_text in pages.items()}
    else:
        results = _vnu_cli(pages)
    problems: dict[str, list[str]] = {}
    for name, messages in results.items():
        for message in messages:
            if message.get("type") not in {"error", "non-document-error"}:
                continue
            line = message.get("lastLine") or message.get("firstLine") or "?"
            extract = " ".join(message.get("extract", "").split())
            problems.setdefault(name, []).append(f"    line {line}: {message['message']}  [{extract}]")
    if problems:
        lines = ["The Nu HTML Checker found errors in the HTML the server sent:"]
        for name, items in problems.items():
            lines.append(f"- {name}:")
            lines.extend(items)
        pytest.fail("\n".join(lines), pytrace=False)


def _vnu_cli(pages: Mapping[str, str]) -> dict[str, list[dict]]:
    """One JVM for the whole batch (startup and schema loading cost 2-5 s)."""
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        names: dict[str, str] = {}  # file name -> page name
        for index, (name, html_text) in enumerate(pages.items()):
            file_name = f"{index:03d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)[:60]}.html"
            (Path(tmp) / file_name).write_text(html_text, encoding="utf-8")
            names[file_name] = name
        completed = subprocess.run(
            ["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *names],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    try:
        messages = json.loads(completed.stderr)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu.jar did not answer in JSON (exit {completed.returncode}):\n{completed.stderr[-2000:]}")
    results: dict[str, list[dict]] = {name: [] for name in pages}
    for message in messages:
        file_name = message.get("url", "").rsplit("/", 1)[-1]
        results.setdefault(names.get(file_name, file_name or "?"), []).append(message)
    return results


class VnuServer:
    """The Nu HTML Checker as a local HTTP service: one JVM for the whole test session.

    Starting it takes 5-20 s (schema loading), so the e2e conftest starts it in
    the background when the session begins and the browser tests run meanwhile;
    after that each page takes about 0.1 s instead of a 2-5 s JVM start.
    """

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/?out=json"
        self.process = subprocess.Popen(
            [
                "java",
                "-Xss4m",  # the HTML schema recurses deeply; 512k overflows on JDK 17
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            # If it fails to start, assert_valid_html_pages falls back to the command line,
            # which reports the Java error itself.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._ready: bool | None = None

    def wait_ready(self, timeout: float = 120) -> bool:
        """True once the server answers; False (fall back to the CLI) if it died or never came up."""
        if self._ready is None:
            deadline = time.monotonic() + timeout
            self._ready = False
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    self.check("<!doctype html><html lang=en><title>ping</title></html>")
                except OSError:
                    time.sleep(0.2)
                else:
                    self._ready = True
                    break
        return self._ready

    def check(self, html_text: str) -> list[dict]:
        request = urllib.request.Request(  # noqa: S310 (a local http:// URL we built)
            self.url, data=html_text.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.load(response)["messages"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


_vnu_server: VnuServer | None = None


def start_vnu_server() -> VnuServer | None:
    """Start the session's validator server in the background (the e2e conftest calls this)."""
    global _vnu_server
    if _vnu_server is None and VNU_JAR.exists() and shutil.which("java"):
        _vnu_server = VnuServer()
    return _vnu_server


def stop_vnu_server() -> None:
    global _vnu_server
    if _vnu_server is not None:
        _vnu_server.stop()
        _vnu_server = None


# --- layout ----------------------------------------------------------------------------------


@contextmanager
def viewport(page: Page, size: Mapping[str, int]) -> Iterator[None]:
    """The page at ``size`` (width, height) for the block, then at its own size again, even on a failure."""
    own = page.viewport_size
    page.set_viewport_size(size)
    try:
        yield
    finally:
        page.set_viewport_size(own)


def assert_no_horizontal_scroll(page: Page) -> None:
    """Nothing is wider than the viewport (WCAG 1.4.10 reflow at narrow widths)."""
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    if widths["scroll"] > widths["inner"]:
        culprits = page.evaluate(
            """() => Array.from(document.querySelectorAll('body *'))
                .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
                .slice(0, 8)
                .map(el => {
                    const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/) : [];
                    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                        + classes.filter(Boolean).map(c => '.' + c).join('');
                })"""
        )
        pytest.fail(
            f"{page.url} scrolls sideways at {widths['inner']} px: the document is {widths['scroll']} px wide. "
            f"Too wide: {', '.join(culprits) or 'unknown'}",
            pytrace=False,
        )


# --- logging in ------------------------------------------------------------------------------


def submit_login(page: Page, username: str, password: str) -> None:
    """Fill in and submit the login form on the page (the site's or the admin's: the same labels)."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_in(page: Page, username: str, password: str) -> None:
    """Log in on the site's login page; return once the page offers to log out."""
    page.goto("/accounts/login/")
    submit_login(page, username, password)
    expect(page.get_by_role("button", name=re.compile("Log out"))).to_have_count(1)


# --- console errors and CSP violations -------------------------------------------------------

_console_logs: weakref.WeakKeyDictionary[Page, list[str]] = weakref.WeakKeyDictionary()


def watch_console(page: Page) -> list[str]:
    """Start recording console errors and uncaught exceptions of ``page``; returns the live list."""
    if page in _console_logs:
        return _console_logs[page]
    errors: list[str] = []
    _console_logs[page] = errors

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location or {}
            where = location.get("url", "")
            errors.append(f"console error: {message.text}" + (f" (at {where})" if where else ""))

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))
    return errors


def console_errors(page: Page) -> list[str]:
    return list(_console_logs.get(page, []))


def assert_no_console_errors(page: Page) -> None:
    """Fail if the page logged a console error (CSP violations included) or threw."""
    errors = _console_logs.get(page, [])
    if errors:
        found = list(errors)
        errors.clear()
        pytest.fail(
            "The browser reported errors (a CSP violation shows up as a console error):\n"
            + "\n".join(f"- {e}" for e in found),
            pytrace=False,
        )
