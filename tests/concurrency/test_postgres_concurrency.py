"""Fifty learners' requests at once never lose, duplicate or reorder a choice, nor store two reports.

PostgreSQL only: SQLite serialises every write, so races cannot happen there.
Skipped on SQLite, except that CI's PostgreSQL pass sets REQUIRE_POSTGRES=1
and then a non-PostgreSQL database is a failure, not a skip.
"""

from __future__ import annotations

import os
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from leucocases.cases import services
from leucocases.cases.models import Attempt, Choice, GradedReport
from leucocases.taxonomy.models import WorkupStep
from tests.accounts.factories import make_user
from tests.cases.factories import make_site
from tests.concurrency.threads import run_together

THREADS = 50


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but the test database is {connection.vendor}, not PostgreSQL")
        pytest.skip("races need PostgreSQL (run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)")


def assert_contiguous(attempt: Attempt) -> list[int]:
    """Positions run 1..n with no gap, and each entry's occurrences run 1, 2, … in position order."""
    rows = list(
        Choice.objects.filter(attempt=attempt).order_by("position").values_list("position", "step_id", "occurrence")
    )
    assert [position for position, _, _ in rows] == list(range(1, len(rows) + 1))
    seen: dict[int, int] = {}
    for _, step, occurrence in rows:
        seen[step] = seen.get(step, 0) + 1
        assert occurrence == seen[step]
    return [step for _, step, _ in rows]


@pytest.fixture
def catalogue(transactional_db):
    site = make_site()
    extra = [
        WorkupStep.objects.create(
            name=f"Extra step {n}", slug=f"extra-step-{n}", category="history", what_it_shows="x", when_indicated="y"
        )
        for n in range(8)
    ]
    return site, [*site.steps, *extra]


def test_fifty_choices_racing_on_one_attempt(catalogue):
    """Fifty simultaneous choices of ten entries in one attempt, with no position given, are all stored
    (repeats included), at positions 1..50, each with its right occurrence."""
    site, steps = catalogue
    attempt = Attempt.objects.create(case=site.case, user=make_user())
    wanted = [steps[i % len(steps)] for i in range(THREADS)]
    random.Random(7).shuffle(wanted)
    outcomes = run_together(
        [lambda step=step: services.attempt_choose_step(attempt=attempt, step=step) for step in wanted]
    )
    stored = assert_contiguous(attempt)
    assert sorted(stored) == sorted(s.pk for s in wanted)
    assert all(o.created for o in outcomes)


def test_fifty_copies_of_one_form_order_once(catalogue):
    """The same form sent fifty times at once (an impatient double click, many times over) stores one
    choice, and every request is answered with it."""
    site, steps = catalogue
    attempt = Attempt.objects.create(case=site.case, user=make_user())
    services.attempt_choose_step(attempt=attempt, step=steps[0], position=1)
    outcomes = run_together(
        [lambda: services.attempt_choose_step(attempt=attempt, step=steps[0], position=2) for _ in range(THREADS)]
    )
    assert assert_contiguous(attempt) == [steps[0].pk, steps[0].pk]
    assert sum(1 for o in outcomes if o.created) == 1
    assert {o.choice.pk for o in outcomes} == {Choice.objects.get(attempt=attempt, position=2).pk}


def test_fifty_pages_racing_for_one_position_store_one_choice(catalogue):
    """Fifty tabs each ordering a different entry for the same next position: one is stored, the
    forty-nine others are refused as out of date (stale_position), none stored."""
    site, steps = catalogue
    attempt = Attempt.objects.create(case=site.case, user=make_user())

    def choose(step: WorkupStep) -> str:
        try:
            services.attempt_choose_step(attempt=attempt, step=step, position=1)
        except ValidationError as error:
            return str(error.code)
        return "stored"

    wanted = [steps[i % len(steps)] for i in range(THREADS)]
    results = run_together([lambda step=step: choose(step) for step in wanted])
    stored = assert_contiguous(attempt)
    assert len(stored) == 1
    winners = [step.pk for step, result in zip(wanted, results, strict=True) if result == "stored"]
    # The winner's entry may have been sent by other tabs too: those were replays of it, not refusals.
    assert set(winners) == set(stored)
    assert {r for step, r in zip(wanted, results, strict=True) if step.pk != stored[0]} == {"stale_position"}


def test_fifty_learners_choosing_and_submitting_at_once(catalogue):
    """Ten attempts, five racing threads each (choose three steps, then submit): every choice is stored
    once, positions are contiguous and each attempt has exactly one current report."""
    site, steps = catalogue
    attempts = [Attempt.objects.create(case=site.case, user=make_user()) for _ in range(10)]
    rng = random.Random(11)
    plans = []
    for n in range(THREADS):
        attempt = attempts[n % len(attempts)]
        plans.append((attempt, rng.sample(steps, 3)))

    def play(attempt: Attempt, chosen: list[WorkupStep]):
        made = []
        for step in chosen:
            try:
                made.append(services.attempt_choose_step(attempt=attempt, step=step).choice.step_id)
            except Exception as exc:
                # Another thread of this attempt may already have submitted it: refused, not lost.
                assert getattr(exc, "code", None) == "attempt_submitted", exc
        report = services.attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk), diagnosis=site.cause)
        return attempt.pk, made, report.pk

    results = run_together([lambda a=a, c=c: play(a, c) for a, c in plans])

    for attempt in attempts:
        attempt.refresh_from_db()
        assert attempt.submitted_at is not None
        stored = set(assert_contiguous(attempt))
        made = {step for pk, steps_made, _ in results if pk == attempt.pk for step in steps_made}
        assert made <= stored  # every choice a caller was told it made is stored
        current = GradedReport.objects.filter(attempt=attempt, superseded_at__isnull=True)
        assert current.count() == 1
        assert {report for pk, _, report in results if pk == attempt.pk} == {current.get().pk}
        # The stored report grades exactly the stored choices, in order.
        graded = [line["step"] for line in current.get().data["lines"]]
        slugs = list(Choice.objects.filter(attempt=attempt).order_by("position").values_list("step__slug", flat=True))
        assert graded == slugs


def test_fifty_submissions_of_one_attempt_store_one_report(catalogue):
    """A double (fifty-fold) submit stores a single report, and every request gets that report."""
    site, steps = catalogue
    attempt = Attempt.objects.create(case=site.case, user=make_user())
    for step in steps[:3]:
        services.attempt_choose_step(attempt=attempt, step=step)
    reports = run_together(
        [
            lambda: services.attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk), diagnosis=site.cause)
            for _ in range(THREADS)
        ]
    )
    assert GradedReport.objects.filter(attempt=attempt).count() == 1
    assert {r.pk for r in reports} == {GradedReport.objects.get(attempt=attempt).pk}
