"""A regrade racing submissions: after a key edit and a regrade, every submitted attempt has exactly one
current report, graded with the key as it now stands. PostgreSQL only (row locks), threads."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, connections, transaction

from leucocases.cases import services
from leucocases.cases.models import Attempt, Case, Finding, GradedReport, Tier
from leucocases.instructor.services import case_regrade_apply, case_regrade_preview
from tests.accounts.factories import make_user
from tests.cases.factories import make_attempt, make_site

from .threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def edit_key(case: Case, step) -> None:
    """What the case admin does on save: the case row first, then the key's rows, in one transaction."""
    with transaction.atomic():
        locked = Case.objects.get(pk=case.pk)
        locked.save()
        Finding.objects.filter(case=case, step=step).update(tier=Tier.USEFUL)


def assert_graded_with_the_current_key(case: Case) -> None:
    submitted = Attempt.objects.filter(case=case).submitted()
    for attempt in submitted:
        assert GradedReport.objects.filter(attempt=attempt, superseded_at__isnull=True).count() == 1, attempt
    stale = [line.attempt.pk for line in case_regrade_preview(case=case).lines if line.changed]
    assert stale == [], "attempts whose current report is not what the current key gives"


def waiting_on_reports(url: str) -> int:
    with psycopg.connect(url) as probe:
        return probe.execute(
            "select count(*) from pg_locks l join pg_class c on c.oid = l.relation "
            "where c.relname = 'cases_gradedreport' and not l.granted"
        ).fetchone()[0]


def in_thread(target, errors: list) -> threading.Thread:
    def run():
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_submission_in_flight_during_a_key_edit_is_regraded():
    """A learner submits while an instructor edits the key and then regrades. The submission read the old
    key; the edit waits for it to be stored, so the regrade that follows the edit finds it and regrades it.
    (Before, the edit went through at once, the regrade missed the submission still in flight, and it kept
    a report from the old key.)"""
    site = make_site()
    first, second, _unkeyed = site.steps
    editor = make_user(is_staff=True, is_superuser=True)
    earlier = make_attempt(case=site.case, user=make_user(), steps=[first, second], submit=True, diagnosis=site.cause)
    in_flight = make_attempt(case=site.case, user=make_user(), steps=[first, second])
    url = database_url()
    errors: list[BaseException] = []
    with psycopg.connect(url) as holder:
        # Reports cannot be written until we say: the submission is held after it has graded.
        holder.execute("LOCK TABLE cases_gradedreport IN SHARE MODE")
        submit = in_thread(lambda: services.attempt_submit(attempt=in_flight, diagnosis=site.cause), errors)
        deadline = time.monotonic() + 10
        while waiting_on_reports(url) < 1:
            assert time.monotonic() < deadline, "the submission never reached its report"
            time.sleep(0.02)
        edit = in_thread(lambda: edit_key(site.case, second), errors)
        edit.join(timeout=1)
        if edit.is_alive():  # the edit waits for the submission in flight
            holder.rollback()
            edit.join(timeout=10)
        regrade = in_thread(lambda: case_regrade_apply(case=site.case, user=editor), errors)
        time.sleep(0.3)
        holder.rollback()  # (a no-op if released above)
    for thread in (submit, edit, regrade):
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert errors == []
    assert Attempt.objects.get(pk=in_flight.pk).is_submitted
    assert GradedReport.objects.filter(attempt=earlier).count() == 2, "the earlier report was superseded"
    assert_graded_with_the_current_key(site.case)


def test_regrades_racing_many_submissions_leave_one_current_report_each():
    """Twenty submissions and three regrades at once, after a key edit: one current report per attempt,
    every one from the current key."""
    site = make_site()
    first, second, _unkeyed = site.steps
    editor = make_user(is_staff=True, is_superuser=True)
    for _ in range(10):
        make_attempt(case=site.case, user=make_user(), steps=[first, second], submit=True, diagnosis=site.cause)
    open_attempts = [make_attempt(case=site.case, user=make_user(), steps=[first, second]) for _ in range(20)]
    edit_key(site.case, second)
    work = [lambda a=a: services.attempt_submit(attempt=a, diagnosis=site.cause) for a in open_attempts]
    work += [lambda: case_regrade_apply(case=site.case, user=editor) for _ in range(3)]
    run_together(work)
    case_regrade_apply(case=site.case, user=editor)  # the regrade an instructor runs once the dust settles
    assert Attempt.objects.filter(case=site.case).submitted().count() == 30
    assert_graded_with_the_current_key(site.case)
