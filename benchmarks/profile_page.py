"""Where one page's time goes, in process: the page served N times through the
whole WSGI stack (middleware included) under production settings, then the
CPU per request, the SQL per request with its time, the response size, and
cProfile's top functions.

Usage (after ``make bench`` made the databases; production settings need a key):

    DJANGO_SECRET_KEY=x DJANGO_ALLOWED_HOSTS=testserver DJANGO_SECURE_SSL_REDIRECT=0 \\
    REDIS_URL=redis://127.0.0.1:6379/13 DATABASE_URL=postgres://postgres@127.0.0.1:5432/leucocases_bench_100 \\
    .venv/bin/python -m benchmarks.profile_page PAGE [N [ORDER]]

PAGE is one of: cause, list, play, report, choose (a signed-in load learner,
as ``make bench`` measures them; report is their latest submitted attempt's;
choose orders a step and removes it again).
ORDER sorts cProfile's list (tottime, the default, or cumulative);
PROFILE_LINES sets its length (40). cProfile counts wall time: a
function waiting on PostgreSQL shows that wait. Nothing it prints is a pass
or fail: it is for finding what to make faster.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time

from benchmarks._django import setup

setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from leucocases.cases.management.load_attempts import LEARNER_PREFIX, OPEN_ATTEMPT_CHOICES  # noqa: E402
from leucocases.cases.models import Attempt, Choice  # noqa: E402
from leucocases.taxonomy.models import Cause, WorkupStep  # noqa: E402


def request_for(page: str, client: Client):
    learner = Attempt.objects.filter(user__username__startswith=LEARNER_PREFIX, submitted_at__isnull=True).first()
    client.force_login(learner.user)
    play = learner.case.get_absolute_url()
    if page == "cause":
        url = Cause.objects.published().order_by("pk").first().get_absolute_url()
        return lambda: client.get(url)
    if page == "list":
        return lambda: client.get("/cases/")
    if page == "play":
        return lambda: client.get(play)
    if page == "report":
        submitted = Attempt.objects.filter(user=learner.user, submitted_at__isnull=False).first()
        return lambda: client.get(submitted.get_absolute_url())
    if page == "choose":
        step = WorkupStep.objects.order_by("pk").values_list("slug", flat=True).first()

        def choose():
            response = client.post(f"{play}choose/", {"attempt": learner.pk, "step": step}, HTTP_HX_REQUEST="true")
            Choice.objects.filter(attempt=learner, position__gt=OPEN_ATTEMPT_CHOICES).delete()
            return response

        return choose
    raise SystemExit(f"unknown page {page!r}: cause, list, play, report or choose")


def main(page: str, rounds: int) -> None:
    client = Client()
    serve = request_for(page, client)
    for _ in range(20):  # warm: worker caches, prepared statements
        response = serve()
    assert response.status_code == 200, response.status_code
    queries: list[float] = []
    by_statement: dict[str, float] = {}

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(time.perf_counter() - started)
            by_statement[sql] = by_statement.get(sql, 0.0) + queries[-1]

    started = time.process_time()
    with connection.execute_wrapper(timed):
        for _ in range(rounds):
            serve()
    cpu = (time.process_time() - started) / rounds
    print(f"{page}: {len(response.content):,} bytes, {cpu * 1000:.2f} ms CPU per request")
    print(f"  SQL: {len(queries) / rounds:.1f} statements, {sum(queries) / rounds * 1000:.2f} ms per request")
    for sql, spent in sorted(by_statement.items(), key=lambda item: -item[1])[:5]:
        print(f"    {spent / rounds * 1000:6.2f} ms  {' '.join(sql.split())[:150]}")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(rounds):
        serve()
    profile.disable()
    order = sys.argv[3] if len(sys.argv) > 3 else "tottime"
    pstats.Stats(profile).sort_stats(order).print_stats(int(os.environ.get("PROFILE_LINES", "40")))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200)
