"""SQL queries per page type, with the Django test client, against the database in DATABASE_URL.

Usage: python -m benchmarks.query_counts OUT.json   (run once per generated database)

Each page is requested once to warm the caches (sessions, content types),
then again under ``CaptureQueriesContext``; the second count is the one a
steady server sees. Pages are read as a logged-in load learner (one with ten
submitted attempts and one open attempt, as ``generate_load_data`` makes
them) or anonymously for the public pages. The choose POST orders a new step
each time (with htmx, as the play page's script does). The SQL of any page
over the budget is written beside OUT.json for diagnosis. Transaction
control statements (BEGIN, COMMIT, savepoints) are not counted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks._django import setup

setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from leucocases.cases.models import Attempt, Choice  # noqa: E402
from leucocases.taxonomy.models import Cause, WorkupStep  # noqa: E402

BUDGET = 12
#: Transaction control is not a query: BEGIN/COMMIT and savepoints are left out of the count.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def sql_queries(captured: list[dict]) -> list[str]:
    return [q["sql"] for q in captured if not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)]


def main(out: Path) -> None:
    from django.contrib.auth import get_user_model

    learner = get_user_model().objects.get(username="load-learner-0")
    open_attempt = Attempt.objects.filter(user=learner, submitted_at__isnull=True).select_related("case").first()
    submitted = Attempt.objects.filter(user=learner, submitted_at__isnull=False).first()
    chosen = set(Choice.objects.filter(attempt=open_attempt).values_list("step_id", flat=True))
    fresh_steps = list(WorkupStep.objects.exclude(pk__in=chosen).order_by("position", "slug")[:2])
    cause = Cause.objects.published().order_by("pk").first()

    anonymous = Client()
    member = Client()
    member.force_login(learner)
    play_url = open_attempt.case.get_absolute_url()
    choose_url = f"{play_url}choose/"

    pages: list[tuple[str, Client, str, str, list[dict]]] = [
        ("home", anonymous, "get", "/", [{}]),
        ("cause index", anonymous, "get", reverse("taxonomy:causes"), [{}]),
        ("cause page", anonymous, "get", cause.get_absolute_url(), [{}]),
        ("cause page (learner)", member, "get", cause.get_absolute_url(), [{}]),
        ("references", anonymous, "get", reverse("taxonomy:references"), [{}]),
        ("search", anonymous, "get", reverse("taxonomy:search"), [{"q": "neutropenia"}]),
        ("case list", anonymous, "get", reverse("cases:list"), [{}]),
        ("case list (learner)", member, "get", reverse("cases:list"), [{}]),
        ("case play GET", member, "get", play_url, [{}]),
        (
            "choose POST (htmx)",
            member,
            "post",
            choose_url,
            [{"attempt": open_attempt.pk, "step": step.slug} for step in fresh_steps],
        ),
        ("report", member, "get", submitted.get_absolute_url(), [{}]),
        ("dashboard", member, "get", reverse("accounts:dashboard"), [{}]),
    ]
    for name, label in (("quizzes:list", "quiz list"), ("quizzes:index", "quiz list")):
        try:
            pages.append((label, member, "get", reverse(name), [{}]))
            break
        except NoReverseMatch:
            continue
    try:
        from leucocases.quizzes.models import Quiz

        quiz = Quiz.objects.available().first()
        if quiz is not None:
            pages.append(("quiz detail", member, "get", quiz.get_absolute_url(), [{}]))
    except (ImportError, NoReverseMatch):
        pass

    counts: dict[str, int] = {}
    statuses: dict[str, int] = {}
    over: dict[str, list[str]] = {}
    for name, client, method, url, payloads in pages:
        warm, measured = payloads[0], payloads[-1]
        extra = {"HTTP_HX_REQUEST": "true"} if method == "post" else {}
        getattr(client, method)(url, warm, **extra)
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, measured, **extra)
        statements = sql_queries(queries.captured_queries)
        counts[name] = len(statements)
        statuses[name] = response.status_code
        if len(statements) > BUDGET or response.status_code >= 400:
            over[name] = statements
    result = {
        "database": connection.settings_dict["NAME"],
        "attempts": Attempt.objects.count(),
        "counts": counts,
        "statuses": statuses,
    }
    out.write_text(json.dumps(result, indent=2))
    if over:
        out.with_suffix(".sql.txt").write_text(
            "\n\n".join(f"== {name}\n" + "\n".join(sql) for name, sql in over.items())
        )
    for name, count in counts.items():
        print(f"{name:<22} {count:>3} queries  (HTTP {statuses[name]})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
