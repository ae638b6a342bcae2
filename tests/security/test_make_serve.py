"""`make serve`: refuses to start without a real secret key; with one, serves from PostgreSQL and Redis."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import psycopg
import pytest
import redis
from django.db import connection

from .production import BASE_DIR, manage, production_env, run

SERVE_PORT = 8109
# `-o` keeps make from reinstalling requirements (the stamp file may be missing in a test run).
MAKE_SERVE = ["make", "--no-print-directory", "-o", ".venv/.requirements", "serve", f"PORT={SERVE_PORT}"]
SERVE_DB = "leucocases_serve_check"
SERVE_DB_URL = f"postgres://postgres@127.0.0.1:5432/{SERVE_DB}"
SERVE_REDIS_DB = 14


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (None, "make serve needs DJANGO_SECRET_KEY"),
        ("django-insecure-leucocases-development-only", "DJANGO_SECRET_KEY is a default or too short"),
        ("too-short", "DJANGO_SECRET_KEY is a default or too short"),
    ],
)
def test_make_serve_refuses_a_missing_or_default_secret_key(secret, message):
    """Without a real secret key `make serve` exits with an explanation and never starts gunicorn."""
    assert not port_open(SERVE_PORT), f"port {SERVE_PORT} is already in use"
    env = production_env(DJANGO_SECRET_KEY=secret, DATABASE_URL=SERVE_DB_URL, SERVE_DATABASE_URL=SERVE_DB_URL)
    env.pop("DJANGO_DEBUG")  # make serve must be safe even when nobody says "production"
    result = run(MAKE_SERVE, env=env, timeout=60)
    assert result.returncode != 0
    assert message in result.stderr
    assert not port_open(SERVE_PORT)


class Browser:
    """Just enough of a browser: keeps cookies (Secure ones too: browsers send those to
    http://localhost, which they count as a secure context) and does not follow redirects."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def fetch(self, url: str, data: dict | None = None):
        body = urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)  # noqa: S310 - loopback http:// only
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.django_db
def test_make_serve_serves_from_postgres_and_redis():
    """With a real key `make serve` migrates PostgreSQL, collects static files and serves pages from
    the Redis page cache, hashed static files, and a session kept in PostgreSQL (plain HTTP here:
    DJANGO_SECURE_SSL_REDIRECT=0)."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)")
    assert not port_open(SERVE_PORT), f"port {SERVE_PORT} is already in use"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", SERVE_DB], capture_output=True, check=False)
    env = production_env(
        DATABASE_URL=SERVE_DB_URL,
        SERVE_DATABASE_URL=SERVE_DB_URL,
        REDIS_URL=f"redis://127.0.0.1:6379/{SERVE_REDIS_DB}",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_DEBUG=None,
        WORKERS="1",
    )
    migrated = manage("migrate", "--noinput", "-v0", env=env)
    assert migrated.returncode == 0, migrated.stderr
    with psycopg.connect(SERVE_DB_URL) as db:
        has_cases = db.execute("select count(*) from cases_case").fetchone()[0] > 0
    if not has_cases:  # the database is kept between runs, like a real deployment's
        loaded = manage("load_taxonomy", "-v0", env=env)
        assert loaded.returncode == 0, loaded.stderr
        imported = manage("import_cases", "fixtures/cases/", env=env)
        assert imported.returncode == 0, imported.stderr

    server = subprocess.Popen(
        MAKE_SERVE, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{SERVE_PORT}"
    store = redis.Redis(host="127.0.0.1", port=6379, db=SERVE_REDIS_DB)
    try:
        deadline = time.monotonic() + 90
        while not port_open(SERVE_PORT):
            assert server.poll() is None, server.stdout.read().decode()
            assert time.monotonic() < deadline, "make serve did not start within 90 s"
            time.sleep(0.3)
        browser = Browser()
        assert browser.fetch(f"{base}/healthz").read() == b"ok"
        page = browser.fetch(f"{base}/cases/")
        assert page.status == 200
        html = page.read().decode()
        assert "Content-Security-Policy" in page.headers
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html)
        assert stylesheet, "pages link hashed static files (collectstatic + whitenoise manifest)"
        static = browser.fetch(base + stylesheet.group(1))
        assert static.status == 200
        assert "immutable" in static.headers["Cache-Control"]
        again = Browser().fetch(f"{base}/cases/")
        assert again.headers["X-Page-Cache"] == "hit", "a second visitor gets the page from the cache"
        assert list(store.scan_iter("*pagecache*")), "the page cache is in Redis"

        case_url = re.search(r'href="(/cases/[a-z0-9-]+/)"', html).group(1)
        play = browser.fetch(base + case_url).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', play).group(1)
        step = re.search(r'name="step" value="([a-z0-9-]+)"', play).group(1)
        chose = browser.fetch(f"{base}{case_url}choose/", {"csrfmiddlewaretoken": token, "step": step})
        assert chose.status == 302
        assert chose.headers["Location"].startswith(case_url)
        session_key = browser.cookies["sessionid"]
        with psycopg.connect(SERVE_DB_URL) as db:
            stored = db.execute("select count(*) from django_session where session_key = %s", [session_key])
            assert stored.fetchone()[0] == 1, "the session is in PostgreSQL"
        assert not list(store.scan_iter("*session*")), "and not in Redis"
    finally:
        os.killpg(server.pid, signal.SIGINT)  # gunicorn's quick shutdown
        server.wait(timeout=30)
        store.flushdb()
    assert not port_open(SERVE_PORT)
