"""``make bench-search``: how well and how fast "ask a question" answers, on SQLite and PostgreSQL.

For each database, in a throwaway database of its own: migrate, load the
shipped content and synonyms, then score the evaluation set
(benchmarks/search_questions.yaml: recall@1, recall@3, mean reciprocal rank,
off-topic questions refused) and time every question (p50/p95 per question,
after one warm-up pass) — at 1× content, then again after
``generate_load_data --scale 100`` has copied every cause (with its facts) and
case 99 times. At 100× a copied fact counts as its original. Prints one table.

PostgreSQL: ``BENCH_SEARCH_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/leucocases_bench_search), dropped and
created afresh. ``BENCH_SEARCH_DATABASES=sqlite`` runs one database only.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_SEARCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leucocases_bench_search")
ROUNDS = 5


def child(scale_to: int) -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks._django import setup

    setup()
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from benchmarks.search_quality import load_questions, measure
    from leucocases.taxonomy.models import Fact
    from leucocases.taxonomy.search.answer import ask

    quiet = StringIO()
    call_command("migrate", verbosity=0, stdout=quiet)
    call_command("load_synonyms", verbosity=0, stdout=quiet)
    call_command("load_taxonomy", verbosity=0, stdout=quiet)
    call_command("import_cases", str(ROOT / "fixtures" / "cases"), verbosity=0, stdout=quiet)
    questions = load_questions()
    every = [item["q"] for item in questions["answerable"]] + list(questions["off_topic"])

    def run(label: str) -> dict:
        quality = measure(questions)
        for q in every:  # warm-up: per-process caches (stems, markdown), the database's buffers
            ask(q)
        timings, queries = [], []
        for _ in range(ROUNDS):
            for q in every:
                started = time.perf_counter()
                ask(q)
                timings.append((time.perf_counter() - started) * 1000)
        for q in every:
            # DEBUG keeps the last 9,000 queries only; after the bulk copy that log is full and
            # CaptureQueriesContext would count nothing.
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                ask(q)
            queries.append(len(captured))
        timings.sort()
        return {
            "content": label,
            "facts": Fact.objects.count(),
            "recall_at_1": quality.recall_at_1,
            "recall_at_3": quality.recall_at_3,
            "mrr": quality.mrr,
            "refused": quality.refused_share,
            "wrongly_refused": quality.wrongly_refused,
            "answerable": quality.answerable,
            "off_topic": quality.off_topic,
            "p50": statistics.median(timings),
            "p95": timings[int(0.95 * (len(timings) - 1))],
            "queries": f"{min(queries)}–{max(queries)}",
            "misses": quality.misses,
        }

    results = [run("1×")]
    call_command("generate_load_data", scale=scale_to, attempts=0, verbosity=0, stdout=quiet)
    results.append(run(f"{scale_to}×"))
    print("RESULT " + json.dumps({"vendor": connection.vendor, "results": results}))


def run_database(name: str, url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1"}
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
            print("SQLite: loading content, scoring, copying to 100×, timing (about a minute)...", flush=True)
            runs.append(run_database("SQLite", f"sqlite:///{folder}/bench-search.sqlite3"))
    if "postgresql" in wanted:
        print("PostgreSQL: the same, in a throwaway database...", flush=True)
        fresh_postgres(PG_URL)
        runs.append(run_database("PostgreSQL", PG_URL))
    print_table(runs)


def print_table(runs: list[dict]) -> None:
    header = (
        f"{'database':<11} {'content':<8} {'facts':>6} {'recall@1':>8} {'recall@3':>8} {'MRR':>5} "
        f"{'off-topic refused':>17} {'p50 ms':>7} {'p95 ms':>7} {'queries':>8}"
    )
    print()
    print(
        f"Ask a question: {runs[0]['results'][0]['answerable']} answerable and "
        f"{runs[0]['results'][0]['off_topic']} off-topic questions (benchmarks/search_questions.yaml)"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        for r in run["results"]:
            print(
                f"{run['vendor']:<11} {r['content']:<8} {r['facts']:>6} {r['recall_at_1']:>8.2f} "
                f"{r['recall_at_3']:>8.2f} {r['mrr']:>5.2f} {r['refused']:>16.0%} {r['p50']:>7.1f} "
                f"{r['p95']:>7.1f} {r['queries']:>8}"
            )
    print()
    print("Targets: recall@3 ≥ 0.90, MRR ≥ 0.75, off-topic refused ≥ 90 %, p95 ≤ 30 ms at 100×.")
    for run in runs:
        misses = run["results"][0]["misses"]
        print(f"\n{run['vendor']} at 1×: {len(misses)} questions not answered first by a listed fact:")
        for line in misses:
            print(f"  {line}")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(scale_to=int(os.environ.get("BENCH_SEARCH_SCALE", "100")))
    else:
        main()
