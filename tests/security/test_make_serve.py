"""`make serve`: refuses to start without a real secret key; with one, serves from PostgreSQL and Redis."""

from __future__ import annotations

import re

import psycopg
import pytest
import redis
from django.db import connection

from .production import production_env, run
from .serving import Browser, make_serve, make_serve_command, port_open, prepare_database

SERVE_PORT = 8109
MAKE_SERVE = make_serve_command(SERVE_PORT)
SERVE_DB = "leucocases_serve_check"
SERVE_DB_URL = f"postgres://postgres@127.0.0.1:5432/{SERVE_DB}"
SERVE_REDIS_DB = 14


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


@pytest.mark.django_db
def test_make_serve_serves_from_postgres_and_redis():
    """With a real key `make serve` migrates PostgreSQL, collects static files and serves pages from
    the Redis page cache, hashed static files, and a session kept in PostgreSQL (plain HTTP here:
    DJANGO_SECURE_SSL_REDIRECT=0)."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)")
    env = production_env(
        SERVE_DATABASE_URL=SERVE_DB_URL,
        REDIS_URL=f"redis://127.0.0.1:6379/{SERVE_REDIS_DB}",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_DEBUG=None,
        WORKERS="1",
    )
    env["DATABASE_URL"] = prepare_database(SERVE_DB, env)
    store = redis.Redis(host="127.0.0.1", port=6379, db=SERVE_REDIS_DB)
    try:
        with make_serve(SERVE_PORT, env) as base:
            _check_pages(base, store)
    finally:
        store.flushdb()


def _check_pages(base: str, store: redis.Redis) -> None:
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
