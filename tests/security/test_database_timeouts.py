"""A locked table or a runaway query ends a web request with a friendly 503 within the time-out,
and a few such requests do not stall the rest of the site.

PostgreSQL only (marked ``postgres``): the time-outs are PostgreSQL's.
"""

from __future__ import annotations

import json
import re
import statistics
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import redis
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse

from leucocases.cases.models import Choice
from leucocases.errors import database_unavailable
from tests.cases.factories import make_site

from .production import PYTHON, production_env, run
from .serving import Browser, make_serve, prepare_database

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def locked_table(url: str, table: str) -> Iterator[None]:
    """Another session holds ``table`` in ACCESS EXCLUSIVE mode (as a long migration would) until the block ends."""
    with psycopg.connect(url) as holder:
        holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # inside psycopg's open transaction
        try:
            yield
        finally:
            holder.rollback()


@contextmanager
def session_setting(name: str, value: str) -> Iterator[None]:
    """This test's own connection with a PostgreSQL setting, as web requests get them from settings.py."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET {name} = %s", [value])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"RESET {name}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_choice_on_a_locked_table_gets_the_busy_page_within_the_lock_time_out():
    """With the choices table locked, choosing a step answers 503 with a page that says to try again,
    once lock_timeout has passed; when the lock is gone the same choice is stored."""
    site = make_site()
    client = Client(raise_request_exception=False)
    play = client.get(site.case.get_absolute_url())
    token = TOKEN.search(play.content.decode()).group(1)
    choose = reverse("cases:choose", kwargs={"slug": site.case.slug})
    form = {"csrfmiddlewaretoken": token, "step": site.steps[0].slug}

    with session_setting("lock_timeout", "300ms"), locked_table(database_url(), "cases_choice"):
        start = time.perf_counter()
        response = client.post(choose, form)
        elapsed = time.perf_counter() - start
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "The site is busy for a moment" in page
    assert "try again" in page
    assert 0.3 <= elapsed < 2, elapsed
    assert not Choice.objects.exists()

    assert client.post(choose, form).status_code == 302
    assert Choice.objects.filter(step=site.steps[0]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_time_outs_are_told_from_other_database_errors():
    """A statement cut by statement_timeout counts as "database unavailable"; a broken constraint does not."""
    with (
        session_setting("statement_timeout", "50ms"),
        pytest.raises(OperationalError) as timed_out,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT pg_sleep(2)")
    assert database_unavailable(timed_out.value)
    site = make_site()
    with pytest.raises(IntegrityError) as duplicate, transaction.atomic():
        type(site.case).objects.create(slug=site.case.slug, title="Twice", presentation="x")
    assert not database_unavailable(duplicate.value)


SHOW_TIMEOUTS = textwrap.dedent(
    """
    import json, os, sys
    if sys.argv[1] == "web":
        import leucocases.wsgi
    else:
        import django
        django.setup()
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW lock_timeout")
        lock = cursor.fetchone()[0]
    print(json.dumps([statement, lock]))
    """
)


@pytest.mark.postgres
@pytest.mark.django_db
def test_web_processes_have_the_time_outs_and_management_commands_do_not():
    """The WSGI application's connections carry statement_timeout 5 s and lock_timeout 2 s; a management
    command's (migrate, import_cases, backups) carry neither."""
    env = production_env(DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="leucocases.settings")
    web = run([PYTHON, "-c", SHOW_TIMEOUTS, "web"], env=env)
    assert web.returncode == 0, web.stderr
    assert json.loads(web.stdout) == ["5s", "2s"]
    command = run([PYTHON, "-c", SHOW_TIMEOUTS, "command"], env=env)
    assert command.returncode == 0, command.stderr
    assert json.loads(command.stdout) == ["0", "0"]


SERVE_PORT = 8111
SERVE_REDIS_DB = 13
LOCK_TIMEOUT_MS = 2000
STUCK_REQUESTS = 3


def _timed(browser: Browser, url: str, data: dict | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    response = browser.fetch(url, data, timeout=30)
    response.read()
    return time.perf_counter() - start, response.status


@pytest.mark.postgres
@pytest.mark.django_db
def test_under_make_serve_stuck_requests_get_503_and_do_not_stall_health_checks_or_reader_pages():
    """`make serve` (2 workers × 4 threads): while three choose POSTs wait on a locked choices table,
    /healthz and /references/ keep answering (in under 200 ms on a quiet machine), and each POST gets
    503 at the lock time-out."""
    env = production_env(
        REDIS_URL=f"redis://127.0.0.1:6379/{SERVE_REDIS_DB}",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_DEBUG=None,
        DJANGO_DB_LOCK_TIMEOUT_MS=str(LOCK_TIMEOUT_MS),
    )
    url = prepare_database("leucocases_timeouts_check", env)
    env["DATABASE_URL"] = env["SERVE_DATABASE_URL"] = url
    try:
        with make_serve(SERVE_PORT, env) as base:
            learner = Browser()
            cases = learner.fetch(f"{base}/cases/").read().decode()
            case_url = re.search(r'href="(/cases/[a-z0-9-]+/)"', cases).group(1)
            play = learner.fetch(base + case_url).read().decode()
            form = {
                "csrfmiddlewaretoken": TOKEN.search(play).group(1),
                "step": re.search(r'name="step" value="([a-z0-9-]+)"', play).group(1),
            }
            reader = Browser()
            baseline = []  # the same probes with nothing stuck, on this machine, now
            for _ in range(5):  # also warms every worker: templates compiled, page cached
                baseline += [_timed(reader, f"{base}/references/")[0], _timed(reader, f"{base}/healthz")[0]]

            stuck: list[tuple[float, int]] = []
            threads = [
                threading.Thread(target=lambda: stuck.append(_timed(learner, f"{base}{case_url}choose/", form)))
                for _ in range(STUCK_REQUESTS)
            ]
            probes: list[float] = []
            with locked_table(url, "cases_choice"):
                for thread in threads:
                    thread.start()
                time.sleep(0.3)  # the POSTs are in, waiting on the lock
                while any(t.is_alive() for t in threads):
                    for page in ("/healthz", "/references/"):
                        elapsed, status = _timed(reader, base + page)
                        assert status == 200
                        probes.append(elapsed)
                    time.sleep(0.05)
                for thread in threads:
                    thread.join()
            after, status = _timed(learner, f"{base}{case_url}choose/", form)
    finally:
        redis.Redis(host="127.0.0.1", port=6379, db=SERVE_REDIS_DB).flushdb()

    print(  # noqa: T201 - the figures the deploy guide quotes
        f"\nlocked table: {STUCK_REQUESTS} POSTs answered {sorted(s for _, s in stuck)} after "
        f"{', '.join(f'{t:.2f}' for t, _ in stuck)} s; {len(probes)} probes of /healthz and /references/ "
        f"meanwhile: median {statistics.median(probes) * 1000:.0f} ms, max {max(probes) * 1000:.0f} ms "
        f"(with nothing stuck: median {statistics.median(baseline) * 1000:.0f} ms)"
    )
    assert [s for _, s in stuck] == [503] * STUCK_REQUESTS
    assert all(LOCK_TIMEOUT_MS / 1000 <= t < LOCK_TIMEOUT_MS / 1000 + 3 for t, _ in stuck)
    assert len(probes) >= 6
    # None waited behind the lock (that would take the whole lock time-out) ...
    assert max(probes) < LOCK_TIMEOUT_MS / 1000 / 2
    # ... and they stayed fast: under 200 ms on a quiet machine, no slower than without stuck requests on a busy one.
    assert statistics.median(probes) < max(0.2, 1.5 * statistics.median(baseline))
    assert status == 302, "with the lock gone the choice goes through"
