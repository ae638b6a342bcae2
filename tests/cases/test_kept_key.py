"""A submission grades with the case's key kept by the worker, never with an out-of-date one.

The key (findings, order rules, diagnosis options and their citations) is
built once per content version and per edition of the case row
(``keys.grade_path`` with ``edition``): a submission then reads none of the
key's rows. An edit must still grade the next submission with the new key on
every worker, including an edit that lands after the request read the content
version (played here by an edit that sends no signal, so the version stays,
but that updates the case row as the admin and the importer do).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leucocases.cases.models import Case, Finding, Tier
from leucocases.editorial.content_version import WorkerMemo, worker
from tests.accounts.factories import make_user
from tests.cases.factories import current_report, make_case, make_graded_attempt

pytestmark = pytest.mark.django_db

B12_PATH = ["peripheral-smear", "bone-marrow-biopsy", "b12-folate"]


def submit_b12(case: Case):
    """A learner's submission ordering B12 and folate, and the statements it ran."""
    with CaptureQueriesContext(connection) as captured:
        attempt = make_graded_attempt(case=case, user=make_user(), steps=B12_PATH)
    return current_report(attempt), [q["sql"] for q in captured.captured_queries]


def b12_verdict(report) -> str:
    [line] = [line for line in report.data["lines"] if line["step"] == "b12-folate"]
    return line["tier"]


def test_a_second_submission_reads_none_of_the_keys_rows():
    case = make_case().case
    with worker(WorkerMemo()):
        first, first_sql = submit_b12(case)
        second, second_sql = submit_b12(case)
    assert any('"cases_finding"' in sql and "cases_choice" not in sql for sql in first_sql)
    key_reads = [sql for sql in second_sql if '"cases_finding"' in sql or '"cases_diagnosisoption"' in sql]
    assert key_reads == []
    assert second.data["lines"] == first.data["lines"]
    assert second.total == first.total


def test_a_key_edit_grades_the_next_submission_on_every_worker():
    case = make_case().case
    one, two = WorkerMemo(), WorkerMemo()
    for memo in (one, two):
        with worker(memo):
            before, _ = submit_b12(case)
    finding = Finding.objects.get(case=case, step__slug="b12-folate")
    finding.tier = Tier.HARMFUL
    finding.save()  # as the admin saves it: the content version changes
    for memo in (one, two):
        with worker(memo):
            after, _ = submit_b12(case)
        assert b12_verdict(after) == Tier.HARMFUL != b12_verdict(before)
        assert after.total < before.total


def test_an_edit_landing_after_the_version_was_read_is_not_graded_from_memory():
    """The content version cannot see it (no signal is sent), but the case row's edition can."""
    case = make_case().case
    with worker(WorkerMemo()):
        before, _ = submit_b12(case)
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
        Finding.objects.filter(case=case, step__slug="b12-folate").update(tier=Tier.HARMFUL)
        after, _ = submit_b12(case)
    assert b12_verdict(after) == Tier.HARMFUL != b12_verdict(before)
