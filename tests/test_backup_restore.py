"""Backups restore exactly (docs/deploy.md, "Backups and restore").

Two procedures are documented and tested here as round trips:

* the whole database as JSON: ``dumpdata --natural-foreign`` (content, accounts,
  attempts, reports) → empty database → ``loaddata``: the same rows, the same
  report totals, and the site goes on working (new rows get fresh ids);
* content only: ``export_cases`` → cases deleted → ``import_cases``: the same
  cases, exported again byte for byte.

On PostgreSQL, ``pg_dump``/``pg_restore`` of the whole database is tested too.
"""

from __future__ import annotations

import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from leucocases.cases import services
from leucocases.cases.models import Attempt, Case, GradedReport
from leucocases.taxonomy.models import Cause, WorkupStep
from tests.accounts.factories import make_user

BASE_DIR = Path(__file__).resolve().parents[1]
#: What `dumpdata` leaves out: rebuilt by migrate (contenttypes, permissions), or transient.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]


def row_counts() -> dict[str, int]:
    skipped = {"contenttypes", "sessions", "axes"}
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label not in skipped and model._meta.label != "auth.Permission"
    }


def report_totals() -> dict[tuple[str, str], float]:
    return {
        (a.case.slug, a.user.username): GradedReport.objects.filter(attempt=a).aggregate(t=Sum("total"))["t"]
        for a in Attempt.objects.select_related("case", "user")
    }


#: A few of the shipped cases are enough to prove a round trip, and keep the suite quick.
CASE_FILES = sorted((BASE_DIR / "fixtures" / "cases").glob("*.yaml"))[:4]


def load_shipped_content() -> None:
    """The shipped taxonomy and four of the shipped cases, published as ``make content`` does."""
    call_command("load_taxonomy", verbosity=0, stdout=StringIO())
    call_command("load_case_labels", verbosity=0, stdout=StringIO())
    call_command("create_content_loader", verbosity=0)
    call_command("import_cases", *map(str, CASE_FILES), publish_as="content-loader", verbosity=0, stdout=StringIO())


def make_learner_activity() -> None:
    """Learners with submitted and open attempts on the shipped cases."""
    steps = list(WorkupStep.objects.order_by("position", "slug")[:6])
    causes = list(Cause.objects.published()[:3])
    for n, case in enumerate(list(Case.objects.playable()) * 2):
        learner = make_user(username=f"backup-learner-{n}")
        attempt = Attempt.objects.create(case=case, user=learner)
        for step in steps[n % 3 : n % 3 + 3]:
            services.attempt_choose_step(attempt=attempt, step=step)
        services.attempt_submit(attempt=attempt, diagnosis=causes[n % len(causes)])
        open_attempt = Attempt.objects.create(case=case, user=learner)
        services.attempt_choose_step(attempt=open_attempt, step=steps[0])


@pytest.mark.django_db(transaction=True)
def test_dumpdata_flush_loaddata_restores_everything(tmp_path):
    """A JSON dump of the whole site, loaded into an emptied database, gives back every row and report total."""
    load_shipped_content()
    make_learner_activity()
    counts, totals = row_counts(), report_totals()
    assert counts["cases.GradedReport"] == 8 and counts["cases.Choice"] > 20

    backup = tmp_path / "leucocases.json.gz"
    args = ["--natural-foreign", *(f"--exclude={e}" for e in EXCLUDED), f"--output={backup}"]
    call_command("dumpdata", *args, verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    assert Case.objects.count() == 0 and Attempt.objects.count() == 0

    call_command("loaddata", str(backup), verbosity=0)
    assert row_counts() == counts
    assert report_totals() == totals

    # Sequences were reset: the restored site takes new attempts without id clashes.
    learner = make_user()
    attempt = Attempt.objects.create(case=Case.objects.playable().first(), user=learner)
    services.attempt_choose_step(attempt=attempt, step=WorkupStep.objects.first())
    assert services.attempt_submit(attempt=attempt, diagnosis=None).pk > max(
        r.pk for r in GradedReport.objects.exclude(attempt=attempt)
    )


@pytest.mark.django_db
def test_export_cases_then_import_restores_the_cases(tmp_path):
    """Exported case files, imported into a site whose cases were deleted, recreate the same cases."""
    load_shipped_content()
    first = StringIO()
    call_command("export_cases", stdout=first)
    call_command("export_cases", f"--out={tmp_path}", verbosity=0)
    case_counts = {m: c for m, c in row_counts().items() if m.startswith("cases.")}

    Case.objects.all().delete()
    assert Case.objects.count() == 0

    call_command("import_cases", str(tmp_path), publish_as="content-loader", stdout=StringIO())
    assert {m: c for m, c in row_counts().items() if m.startswith("cases.")} == case_counts
    again = StringIO()
    call_command("export_cases", stdout=again)
    assert again.getvalue() == first.getvalue()


@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_round_trip(tmp_path):
    """On PostgreSQL, pg_dump -Fc of the whole database restores into a new database with the same rows."""
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump/pg_restore need PostgreSQL")
    load_shipped_content()
    make_learner_activity()
    counts = row_counts()
    source = connection.settings_dict
    target = f"{source['NAME']}_restore"
    common = ["-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432), "-U", source["USER"]]
    dump = tmp_path / "leucocases.dump"
    subprocess.run(["pg_dump", *common, "-Fc", "-f", str(dump), source["NAME"]], check=True)
    subprocess.run(["dropdb", *common, "--if-exists", target], check=True)
    subprocess.run(["createdb", *common, target], check=True)
    try:
        subprocess.run(["pg_restore", *common, "--no-owner", "-d", target, str(dump)], check=True)
        for label, count in counts.items():
            table = apps.get_model(label)._meta.db_table
            out = subprocess.run(
                ["psql", *common, "-d", target, "-tAc", f'select count(*) from "{table}"'],  # noqa: S608
                check=True,
                capture_output=True,
                text=True,
            )
            assert int(out.stdout) == count, label
    finally:
        subprocess.run(["dropdb", *common, "--if-exists", target], check=True)
