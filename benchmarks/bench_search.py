"""``make bench-search``: how well and how fast "ask a question" answers, on SQLite and PostgreSQL.

For each database, in a throwaway database of its own: migrate, load the
shipped content and synonyms, then

- score the three evaluation sets: the main one (benchmarks/search_questions.yaml)
  and the two held-out ones (search_questions_heldout.yaml and
  search_questions_heldout2.yaml, each written before a round of tuning and never
  tuned on): recall@1, recall@3, mean reciprocal rank, off-topic questions refused;
- time every question of the three sets, ROUNDS times after a warm-up pass:
  p50/p95 wall-clock per question, and CPU time per question (this process
  plus, on PostgreSQL, the server process serving it: less sensitive to what
  else the machine is doing than wall-clock), with the load average before and
  after; and count SQL queries per question;

at 1× content, then again after ``benchmarks/search_content.py`` has added
invented benchmark content up to ``BENCH_SEARCH_SCALE`` (default 100×) the
shipped size: distinct documents about made-up subjects, not copies (see that
module). Prints two tables.

Runs with DEBUG off, as production does. PostgreSQL:
``BENCH_SEARCH_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/leucocases_bench_search), dropped and
created afresh. ``BENCH_SEARCH_DATABASES=sqlite`` runs one database only.
``BENCH_SEARCH_SHOW_HELDOUT_MISSES=1`` also lists the held-out sets' misses (once
tuning is over: reading them while tuning would make the set tuned).
"""

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_SEARCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leucocases_bench_search")
ROUNDS = 5


def server_cpu_seconds(connection) -> float:
    """CPU time used so far by the PostgreSQL backend serving ``connection`` (0 on SQLite: it runs in-process)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server runs elsewhere: count this process only
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def child(scale_to: int) -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks._django import setup

    setup()
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from benchmarks import search_content
    from benchmarks.search_quality import HELDOUT, HELDOUT2, QUESTIONS, every_question, load_questions, measure
    from leucocases.taxonomy.models import Fact
    from leucocases.taxonomy.search.answer import ask
    from leucocases.taxonomy.search.engines import index_version
    from leucocases.taxonomy.search.models import SearchEntry
    from leucocases.taxonomy.search.snapshot import load_snapshot

    quiet = StringIO()
    call_command("migrate", verbosity=0, stdout=quiet)
    call_command("load_synonyms", verbosity=0, stdout=quiet)
    call_command("load_taxonomy", verbosity=0, stdout=quiet)
    call_command("load_case_labels", verbosity=0, stdout=quiet)
    call_command("create_content_loader", verbosity=0)
    # Published as make content does: search lists approved practice cases only.
    call_command(
        "import_cases", str(ROOT / "fixtures" / "cases"), publish_as="content-loader", verbosity=0, stdout=quiet
    )
    sets = {
        "main": load_questions(QUESTIONS),
        "held-out": load_questions(HELDOUT),
        "held-out2": load_questions(HELDOUT2),
    }
    every = every_question(QUESTIONS, HELDOUT, HELDOUT2)

    def quality(label: str) -> list[dict]:
        rows = []
        for name, data in sets.items():
            q = measure(data)
            rows.append(
                {
                    "content": label,
                    "set": name,
                    "facts": Fact.objects.count(),
                    "answerable": q.answerable,
                    "off_topic": q.off_topic,
                    "recall_at_1": q.recall_at_1,
                    "recall_at_3": q.recall_at_3,
                    "mrr": q.mrr,
                    "refused": q.refused_share,
                    "misses": q.misses,
                }
            )
        return rows

    def speed(label: str) -> dict:
        for q in every:  # warm-up: per-process caches (stems, markdown, the index snapshot), the database's buffers
            ask(q)
        timings = []
        load_before = os.getloadavg()[0]
        cpu_before, server_before = time.process_time(), server_cpu_seconds(connection)
        for _ in range(ROUNDS):
            for q in every:
                started = time.perf_counter()
                ask(q)
                timings.append((time.perf_counter() - started) * 1000)
        cpu = (time.process_time() - cpu_before) + (server_cpu_seconds(connection) - server_before)
        load_after = os.getloadavg()[0]
        queries = []
        for q in every:
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                ask(q)
            queries.append(len(captured))
        timings.sort()
        started = time.perf_counter()
        load_snapshot(index_version())  # what the first question after an index write adds, once per process
        reload = (time.perf_counter() - started) * 1000
        return {
            "content": label,
            "entries": SearchEntry.objects.count(),
            "questions": len(every),
            "p50": statistics.median(timings),
            "p95": timings[int(0.95 * (len(timings) - 1))],
            "cpu": cpu * 1000 / len(timings),
            "queries": f"{min(queries)}–{max(queries)}",
            "load": f"{load_before:.1f}–{load_after:.1f}",
            "reload": reload,
        }

    qualities, speeds = quality("1×"), [speed("1×")]
    search_content.generate(scale=scale_to, questions=every)
    qualities += quality(f"{scale_to}×")
    speeds.append(speed(f"{scale_to}×"))
    print("RESULT " + json.dumps({"vendor": connection.vendor, "quality": qualities, "speed": speeds}))


def run_database(name: str, url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",  # as in production: no query log, no debug checks
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    }
    done = subprocess.run(
        [sys.executable, __file__, "--child"], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    sys.stderr.write(done.stdout + done.stderr)
    raise SystemExit(f"the {name} run failed")


def fresh_postgres(url: str) -> None:
    base, name = url.rsplit("/", 1)
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", f"{base}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def main() -> None:
    wanted = os.environ.get("BENCH_SEARCH_DATABASES", "sqlite,postgresql").split(",")
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        if "sqlite" in wanted:
            print("SQLite: loading content, scoring, generating 100× content, timing (a minute or two)...", flush=True)
            runs.append(run_database("SQLite", f"sqlite:///{folder}/bench-search.sqlite3"))
    if "postgresql" in wanted:
        print("PostgreSQL: the same, in a throwaway database...", flush=True)
        fresh_postgres(PG_URL)
        runs.append(run_database("PostgreSQL", PG_URL))
    print_tables(runs)


def print_table(header: str, rows: Iterable[str]) -> None:
    """A header line, a rule as long as it, then the rows."""
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row)


def print_tables(runs: list[dict]) -> None:
    first = runs[0]["quality"]
    main_set, heldout, heldout2 = first[0], first[1], first[2]
    print()
    print(
        f"Ask a question: quality. Main set {main_set['answerable']} answerable + {main_set['off_topic']} off-topic "
        f"(benchmarks/search_questions.yaml); held-out {heldout['answerable']} + {heldout['off_topic']} "
        f"(search_questions_heldout.yaml) and held-out2 {heldout2['answerable']} + {heldout2['off_topic']} "
        "(search_questions_heldout2.yaml), never tuned on."
    )
    header = (
        f"{'database':<11} {'content':<8} {'facts':>6} {'set':<10} {'recall@1':>8} {'recall@3':>8} {'MRR':>5} "
        f"{'off-topic refused':>17}"
    )
    print_table(
        header,
        (
            f"{run['vendor']:<11} {r['content']:<8} {r['facts']:>6} {r['set']:<10} {r['recall_at_1']:>8.2f} "
            f"{r['recall_at_3']:>8.2f} {r['mrr']:>5.2f} {r['refused']:>16.0%}"
            for run in runs
            for r in run["quality"]
        ),
    )
    speed = runs[0]["speed"][0]
    print()
    print(
        f"Speed: all {speed['questions']} questions of the three sets, {ROUNDS} rounds after a warm-up; wall-clock per "
        "question, CPU per question (this process + the PostgreSQL server process), SQL queries per question, load "
        "average (1 min) before–after, and the reload of the index snapshot that the first question after an index "
        "write pays (once per process)."
    )
    header = (
        f"{'database':<11} {'content':<8} {'entries':>7} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms/q':>8} "
        f"{'queries':>8} {'load avg':>9} {'reload ms':>9}"
    )
    print_table(
        header,
        (
            f"{run['vendor']:<11} {r['content']:<8} {r['entries']:>7} {r['p50']:>7.1f} {r['p95']:>7.1f} "
            f"{r['cpu']:>8.1f} {r['queries']:>8} {r['load']:>9} {r['reload']:>9.1f}"
            for run in runs
            for r in run["speed"]
        ),
    )
    print()
    print(
        f"Targets: recall@3 ≥ 0.90, MRR ≥ 0.75, off-topic refused ≥ 90 %, p95 ≤ 30 ms at 100×. This machine has "
        f"{os.cpu_count()} cores: with a load average above that, wall-clock times include waiting for a core."
    )
    print(
        "100× content: the shipped content plus invented benchmark documents (benchmarks/search_content.py): "
        "for each extra replica, every cause, topic, workup step and practice case gets a counterpart about a "
        "made-up subject, with as many facts, written from templates over general haematology words and random "
        "figures; invented names and figures never coincide with a term of the shipped content, the synonym "
        "table or the questions, so the shipped facts stay the only right answers."
    )
    show_heldout = os.environ.get("BENCH_SEARCH_SHOW_HELDOUT_MISSES") == "1"
    for run in runs:
        for r in run["quality"]:
            if r["set"].startswith("held-out") and not show_heldout:
                continue
            print(f"\n{run['vendor']} at {r['content']}, {r['set']} set: {len(r['misses'])} not answered first:")
            for line in r["misses"]:
                print(f"  {line}")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(scale_to=int(os.environ.get("BENCH_SEARCH_SCALE", "100")))
    else:
        main()
