"""The learners and attempts of the load data (``generate_load_data``).

Attempts are planned with a seeded ``random.Random`` (the same seed gives the
same data), graded by the real engine and inserted in bulk: COPY on
PostgreSQL (``insert_rows``), bulk_create elsewhere.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from leucocases.cases.grading import ENGINE_VERSION, CaseKey, Report, grade, number_occurrences
from leucocases.cases.grading import Attempt as GradingAttempt
from leucocases.cases.keys import case_key, case_key_prefetches
from leucocases.cases.models import Attempt, Case, Choice, GradedReport
from leucocases.taxonomy.models import Cause, WorkupStep

__all__ = [
    "BATCH",
    "LEARNER_PREFIX",
    "AttemptPool",
    "insert_open_attempts",
    "insert_rows",
    "insert_submitted",
    "make_learners",
]

LEARNER_PREFIX = "load-learner-"
BATCH = 2000
#: Choices in each learner's open attempt, as learners mid-case have (benchmarks/prepare_http.py
#: resets the pool's attempts to them between runs).
OPEN_ATTEMPT_CHOICES = 2


def insert_rows(model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` (dicts of field attnames) and return their new ids in order.

    PostgreSQL gets COPY with ids drawn from the table's sequence: ten times
    quicker than bulk_create for 100,000 reports. Other databases get
    bulk_create. Fields left out take their defaults; ``auto_now_add`` ones
    are set to now (COPY bypasses save()).
    """
    if not rows:
        return []
    opts = model._meta
    now = timezone.now()
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    defaults = {}
    for field in fields:
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            defaults[field.attname] = now
        elif field.has_default() or field.null or field.empty_strings_allowed:
            # Django's own default for the field: its default, else None for a
            # nullable one, else "" for a text field (a blank choice such as certainty).
            defaults[field.attname] = field.get_default()
    if connection.vendor != "postgresql":
        made = model.objects.bulk_create([model(**{**defaults, **row}) for row in rows], batch_size=BATCH)
        return [obj.pk for obj in made]
    from psycopg.types.json import Jsonb

    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = ", ".join(connection.ops.quote_name(c) for c in [opts.pk.column, *(f.column for f in fields)])
    attnames = [f.attname for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "select nextval(pg_get_serial_sequence(%s, %s)) from generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        table = connection.ops.quote_name(opts.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = [pk]
                for name in attnames:
                    value = row[name] if name in row else defaults[name]
                    values.append(Jsonb(value) if name in json_fields else value)
                copy.write_row(values)
    return ids


def make_learners(count: int) -> list[int]:
    """Create the load learners; return their ids."""
    User = get_user_model()
    password = make_password(None)  # unusable: load learners never log in with a password
    User.objects.bulk_create(
        [
            User(username=f"{LEARNER_PREFIX}{n}", email=f"{LEARNER_PREFIX}{n}@example.invalid", password=password)
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    return list(User.objects.filter(username__startswith=LEARNER_PREFIX).values_list("pk", flat=True))


#: One submitted attempt to insert: case, learner id, chosen step slugs, diagnosis slug, report.
Plan = tuple[Case, int, list[str], str, Report]


@dataclass(frozen=True)
class AttemptPool:
    """What the attempts are drawn from: learners, playable cases and their keys, steps, causes."""

    learners: list[int]
    cases: list[Case]
    keys: dict[int, CaseKey]
    all_steps: list[tuple[int, str]]
    step_ids: dict[str, int]
    cause_ids: dict[str, int]
    cause_slugs: list[str]
    #: Each case's keyed step slugs.
    keyed: dict[int, list[str]]

    @classmethod
    def build(cls, *, learners: list[int]) -> AttemptPool:
        cases = list(Case.objects.playable().prefetch_related(*case_key_prefetches()))
        all_steps = list(WorkupStep.objects.values_list("pk", "slug"))
        cause_ids = dict(Cause.objects.published().values_list("slug", "pk"))
        keyed = defaultdict(list)
        for case in cases:
            keyed[case.pk] = [f.step.slug for f in case.findings.all()]
        return cls(
            learners=learners,
            cases=cases,
            keys={case.pk: case_key(case) for case in cases},
            all_steps=all_steps,
            step_ids={slug: pk for pk, slug in all_steps},
            cause_ids=cause_ids,
            cause_slugs=list(cause_ids),
            keyed=keyed,
        )

    def plan(self, n: int, rng: random.Random) -> Plan:
        """The n-th submitted attempt, graded by the engine."""
        case = self.cases[n % len(self.cases)]
        # A plausible path: three to six steps, mostly keyed ones, sometimes an unkeyed one.
        pool = self.keyed[case.pk] or [slug for _, slug in self.all_steps]
        count = rng.randint(3, 6)
        path = rng.sample(pool, min(count, len(pool)))
        if rng.random() < 0.3:
            extra = rng.choice(self.all_steps)[1]
            if extra not in path:
                path.append(extra)
        options = [o.cause for o in self.keys[case.pk].diagnosis_options]
        diagnosis = rng.choice(options) if rng.random() < 0.8 else rng.choice(self.cause_slugs)
        report = grade(self.keys[case.pk], GradingAttempt(steps=tuple(path), diagnosis=diagnosis))
        return case, self.learners[n % len(self.learners)], path, diagnosis, report


def insert_submitted(plans: list[Plan], *, pool: AttemptPool, now: datetime) -> None:
    """Insert the planned attempts as submitted, with their choices and reports."""
    attempt_ids = insert_rows(
        Attempt,
        [
            {
                "case_id": case.pk,
                "user_id": user,
                "submitted_at": now,
                "diagnosis_id": pool.cause_ids.get(diagnosis),
                "session_key": "",
            }
            for case, user, _, diagnosis, _ in plans
        ],
    )
    insert_rows(
        Choice,
        [
            {"attempt_id": pk, "step_id": pool.step_ids[slug], "occurrence": occurrence, "position": position}
            for pk, (_, _, path, _, _) in zip(attempt_ids, plans, strict=True)
            # A key may list an entry once per keyed occurrence, so a path may repeat it.
            for position, (slug, occurrence) in enumerate(number_occurrences(path), start=1)
        ],
    )
    insert_rows(
        GradedReport,
        [
            {
                "attempt_id": pk,
                "data": report.to_dict(),
                "engine_version": ENGINE_VERSION,
                "total": report.total,
                "workup_score": report.workup_score,
                "diagnosis_score": report.diagnosis_score,
            }
            for pk, (_, _, _, _, report) in zip(attempt_ids, plans, strict=True)
        ],
    )


def insert_open_attempts(pool: AttemptPool) -> None:
    """One open attempt per learner, with ``OPEN_ATTEMPT_CHOICES`` choices."""
    cases = pool.cases
    open_ids = insert_rows(
        Attempt,
        [
            {"case_id": cases[n % len(cases)].pk, "user_id": user, "session_key": ""}
            for n, user in enumerate(pool.learners)
        ],
    )
    insert_rows(
        Choice,
        [
            {"attempt_id": pk, "step_id": pool.step_ids[slug], "occurrence": occurrence, "position": p}
            for n, pk in enumerate(open_ids)
            for p, (slug, occurrence) in enumerate(
                number_occurrences(
                    (pool.keyed[cases[n % len(cases)].pk] or [pool.all_steps[0][1]])[:OPEN_ATTEMPT_CHOICES]
                ),
                start=1,
            )
        ],
    )
