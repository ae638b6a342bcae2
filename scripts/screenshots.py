"""Screenshots of each page type at 1280 px and 390 px wide, for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py                     # starts its own dev server
    .venv/bin/python scripts/screenshots.py --base-url URL      # or use a running site with the shipped content

With no --base-url it serves the site itself (DEBUG on, a throwaway SQLite
database with the shipped content and the demo accounts) on a free port. A
learner plays a case in the browser (three steps, one a chart), submits it,
logs in as the demo student from the report (the attempt moves to the
account) and opens the dashboard, so every picture shows real content.
Each image is the viewport (plus a little) at 1x, to stay small.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the browser tests' flags)

OUT = ROOT / "docs" / "screenshots"
PY = ROOT / ".venv" / "bin" / "python"
CASE = "crohns-azathioprine-routine-count"
CAUSE = "thiopurines"
STEPS = ("Peripheral blood smear", "Review of prior blood counts", "Red-cell and platelet counts")
DEMO_STUDENT = ("student", "leuco-demo-student")  # created by `manage.py create_demo_accounts`
VIEWPORTS = ((1280, 800), (390, 900))  # width, height: a desktop window and a phone


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(tmp: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp / 'screenshots.sqlite3'}"}
    env.pop("REDIS_URL", None)
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["load_taxonomy", "-v0"],
        ["load_case_labels", "-v0"],
        ["create_content_loader", "-v0"],
        ["import_cases", "--publish-as", "content-loader", "fixtures/cases/", "-v0"],
        ["create_demo_accounts"],
    ):
        subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
            [str(PY), "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (as above)
        [str(PY), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/", timeout=2)  # noqa: S310 (our own local server)
            return server, base
        except OSError:
            if server.poll() is not None:
                sys.exit("The development server did not start.")
            time.sleep(0.2)
    server.terminate()
    sys.exit("The development server did not answer.")


def shoot(page: Page, name: str, *, anchor: str | None = None) -> None:
    """Save the viewport of every width, scrolled to ``anchor`` if given."""
    url = page.url
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url)
        if anchor:
            page.evaluate("(sel) => document.querySelector(sel).scrollIntoView({block: 'start'})", anchor)
        path = OUT / f"{name}-{width}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


def take(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base, device_scale_factor=1, reduced_motion="reduce")
        page = context.new_page()

        page.goto("/")
        shoot(page, "home")
        page.goto(f"/causes/{CAUSE}/")
        shoot(page, "cause")
        page.goto("/search/?q=neutrophil")
        shoot(page, "search")
        page.goto("/cases/")
        shoot(page, "case-list")

        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"/cases/{CASE}/")
        for step in STEPS:
            page.get_by_role("button", name=step, exact=True).click()
            expect(page.locator("#chosen-steps .finding-heading", has_text=step)).to_be_focused()
        shoot(page, "case-play", anchor="#workup-heading")

        page.get_by_label("The most likely cause").select_option(CAUSE)
        page.get_by_role("button", name="Submit my diagnosis and see the report").click()
        page.wait_for_url("**/report/")
        shoot(page, "report")

        page.locator(".signup-prompt").get_by_role("link", name="log in").click()
        page.get_by_label("Username").fill(DEMO_STUDENT[0])
        page.get_by_label("Password").fill(DEMO_STUDENT[1])
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/report/")
        page.goto("/accounts/dashboard/")
        shoot(page, "dashboard")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="a running LeucoCases with the shipped content and demo accounts")
    args = parser.parse_args()
    if args.base_url:
        take(args.base_url.rstrip("/"))
        return
    with tempfile.TemporaryDirectory(prefix="leucocases-screenshots-") as tmp:
        server, base = start_server(Path(tmp))
        try:
            take(base)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
