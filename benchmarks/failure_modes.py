"""What the site does when Redis or PostgreSQL misbehave, or a worker dies mid-submit: measured.

Usage (from the repository root, PostgreSQL and redis-server installed; loopback only):

    .venv/bin/python -m benchmarks.failure_modes

Starts `make serve` (gunicorn, 2 workers × 4 threads, production settings over
plain HTTP) against a PostgreSQL database of its own with the shipped content
and a redis-server of its own on a free port, then, one at a time:

1. Redis hangs (SIGSTOP): the first requests' cost, then anonymous pages, a
   login and a logout, and how long until the cache is used again (SIGCONT).
2. Redis is down (killed): the same pages, and how long until it is used again.
3. PostgreSQL locked: the choices table held in ACCESS EXCLUSIVE mode: a choice
   answers 503 after lock_timeout; /healthz and reader pages meanwhile.
4. PostgreSQL slow: the same lock with lock_timeout off, so statement_timeout
   (5 s) ends the choice (a second `make serve`).
5. A worker killed (SIGKILL) while a submission waits inside its transaction
   (one worker, so we know which): what the learner sees, how long until the
   server answers again, and whether anything half-written was stored.
6. PostgreSQL unreachable (a port nothing listens on): /healthz and a page.

Prints one line per figure; docs/deploy.md's "Failure modes" table quotes them.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leucocases.pagecache import LOCAL_SECONDS  # noqa: E402
from tests.security.production import production_env  # noqa: E402
from tests.security.redis_server import own_redis_server  # noqa: E402
from tests.security.serving import Browser, make_serve, prepare_database  # noqa: E402

PORT = 8121
DATABASE = "leucocases_failure_modes"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STEP = re.compile(r'name="step" value="([a-z0-9-]+)"')


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201


def timed(browser: Browser, url: str, data: dict | None = None) -> tuple[float, int, object]:
    start = time.perf_counter()
    try:
        response = browser.fetch(url, data, timeout=60)
        body = response.read()
        status = response.status
    except OSError as error:  # the connection was dropped
        return time.perf_counter() - start, 0, error
    return time.perf_counter() - start, status, (response, body)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def median_of(fetch: Callable[[], float], count: int) -> float:
    return statistics.median(fetch() for _ in range(count))


class Site:
    """The pages the scenarios use, on one running server."""

    def __init__(self, base: str):
        self.base = base
        html = Browser().fetch(f"{base}/cases/").read().decode()
        self.case_urls = re.findall(r'href="(/cases/[a-z0-9-]+/)"', html)
        self.reader_pages = ["/", "/causes/", "/references/", "/workup/", "/cases/"]

    def anonymous_median(self, count: int = 20) -> float:
        pages = iter(self.reader_pages * count)
        return median_of(lambda: timed(Browser(), self.base + next(pages))[0], count)

    def learner(self, case_url: str) -> tuple[Browser, dict]:
        """A visitor with the case open: their browser, and a choose form."""
        browser = Browser()
        play = browser.fetch(self.base + case_url).read().decode()
        return browser, {"csrfmiddlewaretoken": TOKEN.search(play).group(1), "step": STEP.search(play).group(1)}

    def log_in_and_out(self, username: str, password: str) -> tuple[int, int, bool]:
        """Log in, log out, then try the old cookie: (login status, logout status, old cookie still logged in)."""
        browser = Browser()
        page = browser.fetch(f"{self.base}/accounts/login/").read().decode()
        token = TOKEN.search(page).group(1)
        login = browser.fetch(
            f"{self.base}/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        old = dict(browser.cookies)
        home = browser.fetch(f"{self.base}/accounts/dashboard/").read().decode()
        token = TOKEN.search(home).group(1)
        logout = browser.fetch(f"{self.base}/accounts/logout/", {"csrfmiddlewaretoken": token})
        stale = Browser()
        stale.cookies = old
        return login.status, logout.status, stale.fetch(f"{self.base}/accounts/dashboard/").status == 200


def make_learner_account(url: str) -> tuple[str, str]:
    username, password = "failure-modes-learner", "failure-modes-passphrase-31"
    env = production_env(DATABASE_URL=url, DJANGO_DEBUG=None)
    script = (
        "from django.contrib.auth import get_user_model as g; U=g(); "
        f"u=U.objects.filter(username='{username}').first() or U(username='{username}'); "
        f"u.set_password('{password}'); u.save()"
    )
    from tests.security.production import manage

    result = manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    return username, password


def redis_scenarios(site: Site, server, account: tuple[str, str]) -> None:
    say(f"baseline: anonymous reader pages (page cache in Redis) median {ms(site.anonymous_median())}")
    login, logout, stale = site.log_in_and_out(*account)
    say(f"baseline: log in {login}, log out {logout}, old cookie still logged in: {stale}")

    server.pause()
    first = [timed(Browser(), site.base + "/references/")[0] for _ in range(8)]
    say(f"Redis hung: first 8 requests {', '.join(ms(t) for t in first)}")
    time.sleep(LOCAL_SECONDS + 1)  # past the workers' own short copies of cached pages
    say(f"Redis hung: then anonymous reader pages (rendered) median {ms(site.anonymous_median())}")
    login, logout, stale = site.log_in_and_out(*account)
    say(f"Redis hung: log in {login}, log out {logout}, old cookie still logged in: {stale}")
    server.resume()
    start = time.monotonic()
    while True:
        _, _, result = timed(Browser(), site.base + "/references/")
        if result[0].headers.get("X-Page-Cache") == "hit":  # stored in Redis and read back
            break
        time.sleep(0.5)
    say(f"Redis resumed: cache in use again after {time.monotonic() - start:.1f} s")
    say(f"Redis resumed: anonymous reader pages median {ms(site.anonymous_median())}")

    server.process.terminate()
    server.process.wait(timeout=10)
    first = [timed(Browser(), site.base + "/references/")[0] for _ in range(8)]
    say(f"Redis down: first 8 requests {', '.join(ms(t) for t in first)}")
    time.sleep(LOCAL_SECONDS + 1)
    say(f"Redis down: then anonymous reader pages (rendered) median {ms(site.anonymous_median())}")
    login, logout, stale = site.log_in_and_out(*account)
    say(f"Redis down: log in {login}, log out {logout}, old cookie still logged in: {stale}")


def locked_table(url: str, base: str, site: Site, label: str) -> None:
    learners = [site.learner(site.case_urls[i % len(site.case_urls)]) for i in range(3)]
    results: list[tuple[float, int]] = []

    def choose(browser: Browser, form: dict, case_url: str) -> None:
        elapsed, status, _ = timed(browser, f"{base}{case_url}choose/", form)
        results.append((elapsed, status))

    probes = []
    with psycopg.connect(url) as holder:
        holder.execute("LOCK TABLE cases_choice IN ACCESS EXCLUSIVE MODE")
        threads = [
            threading.Thread(target=choose, args=(b, f, site.case_urls[i % len(site.case_urls)]))
            for i, (b, f) in enumerate(learners)
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        while any(t.is_alive() for t in threads):
            probes.append(timed(Browser(), f"{base}/healthz")[0])
            probes.append(timed(Browser(), f"{base}/references/")[0])
        holder.rollback()
    statuses = sorted(s for _, s in results)
    say(
        f"{label}: 3 choices answered {statuses} after {', '.join(f'{t:.2f} s' for t, _ in results)}; "
        f"{len(probes)} probes of /healthz and /references/ meanwhile: median {ms(statistics.median(probes))}, "
        f"max {ms(max(probes))}"
    )


def gunicorn_worker_pids(group: int) -> list[int]:
    """The gunicorn worker processes in process group ``group`` (a worker's parent is the gunicorn master)."""
    gunicorns = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[2]) == group and b"gunicorn" in command:
            gunicorns[int(entry.name)] = int(stat[1])
    return [pid for pid, parent in gunicorns.items() if parent in gunicorns]


def worker_death(url: str, base: str, site: Site, group: int) -> None:
    case_url = site.case_urls[0]
    browser, form = site.learner(case_url)
    assert timed(browser, f"{base}{case_url}choose/", form)[1] == 302
    play = browser.fetch(base + case_url).read().decode()
    submit_form = {
        "csrfmiddlewaretoken": TOKEN.search(play).group(1),
        "attempt": re.search(r'name="attempt" value="(\d+)"', play).group(1),
        "diagnosis": re.search(r'<option value="([a-z0-9-]+)"', play).group(1),
        "certainty": "medium",
    }
    attempt = int(submit_form["attempt"])
    outcome: list = []
    with psycopg.connect(url) as holder:
        holder.execute("LOCK TABLE cases_gradedreport IN SHARE MODE")  # the submission waits inside its transaction
        submit = f"{base}{case_url}submit/"
        thread = threading.Thread(target=lambda: outcome.append(timed(browser, submit, submit_form)))
        thread.start()
        time.sleep(1)
        (worker,) = gunicorn_worker_pids(group)
        killed = time.monotonic()
        os.kill(worker, signal.SIGKILL)
        thread.join(timeout=30)
        elapsed, status, error = outcome[0]
        while True:
            _, health, _ = timed(Browser(), f"{base}/healthz")
            if health == 200:
                break
            time.sleep(0.05)
        back = time.monotonic() - killed
        holder.rollback()
    time.sleep(1)
    with psycopg.connect(url) as db:
        row = db.execute("select submitted_at is not null from cases_attempt where id = %s", [attempt])
        submitted = row.fetchone()[0]
        reports = db.execute("select count(*) from cases_gradedreport where attempt_id = %s", [attempt]).fetchone()[0]
    say(
        f"worker killed mid-submit: the learner's request ended after {elapsed:.2f} s with "
        f"{status or type(error).__name__}; /healthz answered again {back:.2f} s after the kill; "
        f"attempt submitted: {submitted}, reports stored: {reports}"
    )
    again = timed(browser, f"{base}{case_url}submit/", submit_form)
    with psycopg.connect(url) as db:
        reports = db.execute("select count(*) from cases_gradedreport where attempt_id = %s", [attempt]).fetchone()[0]
    say(f"worker killed mid-submit: submitting again answered {again[1]}; reports stored now: {reports}")


def database_unreachable(env: dict[str, str]) -> None:
    """gunicorn as `make serve` starts it, with DATABASE_URL pointing at a port nothing listens on
    (the PostgreSQL here is shared, so it is not stopped)."""
    import subprocess

    from tests.security.serving import port_open

    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "leucocases.wsgi",
        "--workers=2",
        "--worker-class=gthread",
        "--threads=4",
        f"--bind=127.0.0.1:{PORT}",
    ]
    env = {**env, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not port_open(PORT):
            time.sleep(0.2)
        base = f"http://127.0.0.1:{PORT}"
        health = [timed(Browser(), f"{base}/healthz") for _ in range(5)]
        pages = [timed(Browser(), f"{base}/causes/") for _ in range(5)]
        say(
            f"PostgreSQL unreachable: /healthz {sorted({s for _, s, _ in health})} in median "
            f"{ms(statistics.median(t for t, _, _ in health))}; a reader page {sorted({s for _, s, _ in pages})} "
            f"in median {ms(statistics.median(t for t, _, _ in pages))}"
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=45)


def main() -> None:
    env = production_env(DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_DEBUG=None)
    url = prepare_database(DATABASE, env)
    env.update(DATABASE_URL=url, SERVE_DATABASE_URL=url)
    account = make_learner_account(url)
    with own_redis_server() as server:
        env["REDIS_URL"] = server.url
        with make_serve(PORT, env) as base:
            site = Site(base)
            redis_scenarios(site, server, account)
    env["REDIS_URL"] = "redis://127.0.0.1:6379/12"
    try:
        with make_serve(PORT, env) as base:
            site = Site(base)
            locked_table(url, base, site, "PostgreSQL locked (lock_timeout 2 s)")
        with make_serve(PORT, {**env, "DJANGO_DB_LOCK_TIMEOUT_MS": "0"}) as base:
            site = Site(base)
            locked_table(url, base, site, "PostgreSQL slow (statement_timeout 5 s, lock_timeout off)")
        group_env = {**env, "WORKERS": "1"}
        with make_serve(PORT, group_env) as base:
            site = Site(base)
            worker_death(url, base, site, group=_serve_group())
        database_unreachable(env)
    finally:
        redis.Redis(host="127.0.0.1", port=6379, db=12).flushdb()


def _serve_group() -> int:
    """The process group of the running `make serve` (its make process leads it)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if command.startswith(b"make\x00") and f"PORT={PORT}".encode() in command:
                return int(entry.name)
    raise RuntimeError("make serve is not running")


if __name__ == "__main__":
    main()
