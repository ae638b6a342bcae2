"""A course page on one origin frames LeucoCases on another; a learner plays a case inside; the grade arrives.

The LMS is the test platform (tests/lti/platform.py, lti1p3platform) served
over plain HTTP on http://127.0.0.1; LeucoCases is served over HTTPS on
https://localhost with a trustme certificate, so the frame is cross-site and
its cookies must be SameSite=None; Secure. A real django-tasks-db worker
runs in a thread. The test fails on any console error, which includes every
Content-Security-Policy violation, in the page or its frame.
"""

from __future__ import annotations

import html
import json
import re
import ssl
import sys
import threading
import time
from urllib.parse import parse_qsl, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import trustme
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.core.servers.basehttp import WSGIRequestHandler as DjangoHandler
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from tests.lti.platform import LEARNER, TestPlatform

from .helpers import assert_no_console_errors, watch_console

CASE = "crohns-azathioprine-routine-count"
HEAD = '<!doctype html><html lang=en><link rel=icon href="data:,">'
CAUSE_NAME = "Thiopurines (azathioprine and 6-mercaptopurine)"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _TLSHandler(DjangoHandler):
    def get_environ(self):
        env = super().get_environ()
        env["HTTPS"] = "on"
        env["wsgi.url_scheme"] = "https"
        return env

    def log_message(self, *args):
        pass


class _Req:
    """What the platform's handlers read from a request (as from a ``requests`` one)."""

    def __init__(self, environ):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.body = environ["wsgi.input"].read(length).decode() if length else ""
        self.headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        query = environ.get("QUERY_STRING")
        self.url = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}" + (f"?{query}" if query else "")


def _closing(app):
    """Each request's database connection closed after it: server threads must not hold the test database."""

    def wrapped(environ, start_response):
        try:
            return app(environ, start_response)
        finally:
            connections.close_all()

    return wrapped


class _TLSServer(ThreadedWSGIServer):
    def handle_error(self, request, client_address):
        # A browser dropping a TLS connection mid-handshake is not an error of the site.
        if not isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError):
            super().handle_error(request, client_address)


def _platform_app(platform: TestPlatform, tool: str, case_slug: str, arrivals: list[float]):
    def app(environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        status, body, kind = 200, "", "text/html; charset=utf-8"
        if path == "/course":
            login = f"{tool}/lti/login/?" + urlencode(
                {
                    "iss": platform.issuer,
                    "login_hint": "learner-1",
                    "target_link_uri": f"{tool}/lti/launch/",
                    "lti_message_hint": "link-1",
                    "client_id": platform.client_id,
                    "lti_deployment_id": platform.deployment_id,
                }
            )
            body = (
                f"{HEAD}<title>Haematology 101</title><h1>Haematology 101</h1>"
                f'<iframe id=tool title="LeucoCases" src="{html.escape(login)}" width=1100 height=900></iframe>'
            )
        elif path == "/auth":
            token = platform.id_token(
                query,
                sub="learner-1",
                roles=LEARNER,
                custom={"case": case_slug},
                line_item=platform.line_item_url(1),
            )
            action, state = html.escape(query["redirect_uri"]), html.escape(query["state"])
            body = (
                f"{HEAD}<title>LMS</title><form method=post action='{action}'>"
                f"<input type=hidden name=id_token value='{token}'><input type=hidden name=state value='{state}'>"
                "</form><script>document.forms[0].submit()</script>"
            )
        elif path == "/jwks":
            body, kind = json.dumps({"keys": platform.registration.get_jwks()}), "application/json"
        elif path == "/token" and method == "POST":
            status, _, body = platform._token(_Req(environ))
            kind = "application/json"
        elif path.endswith("/scores") and method == "POST":
            status, _, body = platform._score(_Req(environ))
            if status == 200:
                arrivals.append(time.monotonic())
            kind = "application/json"
        else:
            status = 404
        start_response(f"{status} X", [("Content-Type", kind)])
        return [body.encode()]

    return app


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def tls_tool(tmp_path):
    """LeucoCases over HTTPS on localhost (a trustme CA and certificate)."""
    ca = trustme.CA()
    cert = ca.issue_cert("localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server = _TLSServer(("localhost", 0), _TLSHandler, allow_reuse_address=False)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.set_app(_closing(WSGIHandler()))
    _serve(server)
    yield f"https://localhost:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def worker():
    """A real task worker, polling the database queue in a thread, as `manage.py db_worker` does."""
    runner = Worker(
        queue_names=["default"],
        # Each poll takes SQLite's write lock for a moment: polling faster than
        # this starves the site's own writes on the file database.
        interval=0.5,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="e2e-worker",
        excluded_queue_names=[],
    )

    def run():
        try:
            runner.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield runner
    runner.running = False
    thread.join(timeout=10)


def test_a_learner_plays_a_case_inside_the_lms_frame_and_the_grade_arrives(
    browser, site_content, tls_tool, worker, capsys
):
    arrivals: list[float] = []
    lms = make_server("127.0.0.1", 0, _closing(lambda e, s: app(e, s)), WSGIServer, _Quiet)
    platform = TestPlatform(issuer=f"http://127.0.0.1:{lms.server_port}")
    platform.register()
    app = _platform_app(platform, tls_tool, CASE, arrivals)
    _serve(lms)

    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    watch_console(page)
    try:
        started = time.monotonic()
        page.goto(f"{platform.issuer}/course")
        frame = page.frame_locator("#tool")
        expect(frame.get_by_role("heading", level=1)).to_have_text(
            "A routine monitoring count in Crohn's disease", timeout=20_000
        )
        launched = time.monotonic()
        tool_frame = next(f for f in page.frames if f.url.startswith(tls_tool))
        assert re.search(rf"/cases/{CASE}/$", tool_frame.url)

        for number, name in enumerate(
            ["Peripheral blood smear", "Review of prior blood counts", "Medication and exposure review"], start=1
        ):
            frame.get_by_role("button", name=name, exact=True).click()
            expect(frame.locator(f"#finding-{number}")).to_contain_text(name)
        frame.get_by_label("The most likely cause").select_option(label=CAUSE_NAME)
        frame.get_by_role("radio", name="High", exact=True).check()
        submitted = time.monotonic()
        frame.get_by_role("button", name=re.compile("Submit my diagnosis")).click()
        expect(frame.get_by_role("heading", level=1)).to_contain_text("Report:", timeout=20_000)

        deadline = time.monotonic() + 30
        while not arrivals and time.monotonic() < deadline:
            time.sleep(0.05)
        assert arrivals, "no score reached the platform"
        assert len(platform.scores) == 1
        score = platform.scores[0]
        assert score["userId"] == "learner-1" and score["scoreMaximum"] == 1 and 0 < score["scoreGiven"] <= 1
        time.sleep(0.5)
        assert len(platform.scores) == 1  # once
        assert_no_console_errors(page)
    finally:
        context.close()
        lms.shutdown()
        lms.server_close()
    with capsys.disabled():
        print(
            f"\nLTI launch-to-grade in Chromium: launch {launched - started:.2f} s (course page to case in the frame), "
            f"submit-to-gradebook {arrivals[0] - submitted:.2f} s, whole path {arrivals[0] - started:.2f} s "
            f"(includes playing three steps)"
        )
