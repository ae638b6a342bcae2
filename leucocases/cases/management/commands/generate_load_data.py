"""manage.py generate_load_data --scale N : content and learner data at N times the shipped size.

For load tests and query-count checks, never for a real site. It loads the
shipped content if the database has none, then adds N-1 copies of every
shipped cause (with its facts) and case (with labs, findings, order rules and
diagnosis options) under suffixed slugs, and N x 1,000 submitted attempts
(by default) spread over N x 100 learners, each with ordered choices and a
report graded by the real engine, plus one open attempt per learner. Rows go
in with bulk_create; progress is printed every 10 %.

Load data is recognisable (learners named ``load-learner-*``, slugs ending in
``-xK``); the command refuses to run twice unless ``--force``, which first
removes the earlier load data (never anything else).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from leucocases.cases.casefile.exporter import cases_for_export
from leucocases.cases.copying import case_content_fields, copy_case_parts
from leucocases.cases.grading import ENGINE_VERSION, grade
from leucocases.cases.grading import Attempt as GradingAttempt
from leucocases.cases.keys import case_key, case_key_prefetches
from leucocases.cases.models import Attempt, Case, Choice, GradedReport
from leucocases.taxonomy.models import Cause, Fact, WorkupStep
from leucocases.taxonomy.search.index import search_index_rebuild

LEARNER_PREFIX = "load-learner-"
ATTEMPTS_PER_SCALE = 1000
LEARNERS_PER_SCALE = 100
BATCH = 2000


def copy_suffix(k: int) -> str:
    return f"-x{k}"


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
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        elif field.null:
            defaults[field.attname] = None
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


class Command(BaseCommand):
    help = (
        "Generate load-test data: N times the shipped content and N x 1,000 graded attempts "
        "(for benchmarks only; refuses to run twice without --force)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, required=True, help="N: content copies and thousands of attempts.")
        parser.add_argument(
            "--attempts",
            type=int,
            default=None,
            help=f"Submitted attempts to create (default: N x {ATTEMPTS_PER_SCALE}).",
        )
        parser.add_argument("--seed", type=int, default=20260101, help="Random seed (the data is reproducible).")
        parser.add_argument("--force", action="store_true", help="Remove earlier load data first.")

    def handle(self, *args, scale: int, attempts: int | None, seed: int, force: bool, **options):
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        attempts = scale * ATTEMPTS_PER_SCALE if attempts is None else attempts
        self.verbose = options["verbosity"] >= 1
        started = time.monotonic()
        present = get_user_model().objects.filter(username__startswith=LEARNER_PREFIX).exists()
        present = present or Case.objects.filter(slug__regex=r"-x[0-9]+$").exists()
        if present and not force:
            raise CommandError("Load data is already present; run with --force to replace it.")
        if present:
            self._remove_load_data()
        if not Case.objects.exists():
            self.say("Loading the shipped content first...")
            call_command("load_taxonomy", verbosity=0, stdout=StringIO())
            call_command("load_case_labels", verbosity=0, stdout=StringIO())
            call_command("create_content_loader", verbosity=0)
            call_command(
                "import_cases",
                str(settings.BASE_DIR / "fixtures" / "cases"),
                publish_as="content-loader",
                verbosity=0,
                stdout=StringIO(),
            )
        rng = random.Random(seed)
        with transaction.atomic():
            self._copy_content(scale)
            # Copies are written in bulk, past the services: index them all at once.
            search_index_rebuild()
        self._make_attempts(scale=scale, total=attempts, rng=rng)
        self._refresh_planner_statistics()
        counts = {
            "cases": Case.objects.count(),
            "causes": Cause.objects.count(),
            "facts": Fact.objects.count(),
            "learners": get_user_model().objects.filter(username__startswith=LEARNER_PREFIX).count(),
            "attempts": Attempt.objects.count(),
            "submitted": Attempt.objects.submitted().count(),
            "choices": Choice.objects.count(),
            "reports": GradedReport.objects.count(),
        }
        summary = ", ".join(f"{v} {k}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Scale {scale}: {summary} ({time.monotonic() - started:.1f} s)."))

    def _refresh_planner_statistics(self) -> None:
        """ANALYZE after the bulk load: a live database has statistics, and until
        autovacuum gets round to it the planner guesses a dozen approved cases where
        there are thousands and picks plans ten times slower than production would."""
        self.say("Refreshing the query planner's statistics (ANALYZE)...")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def say(self, message: str) -> None:
        if self.verbose:
            self.stdout.write(message)

    # ------------------------------------------------------------------
    def _remove_load_data(self) -> None:
        self.say("Removing earlier load data...")
        with transaction.atomic():
            # Children first, so each delete is one query rather than a cascade collected in Python.
            load_attempts = Attempt.objects.filter(user__username__startswith=LEARNER_PREFIX)
            GradedReport.objects.filter(attempt__in=load_attempts).delete()
            Choice.objects.filter(attempt__in=load_attempts).delete()
            load_attempts.delete()
            get_user_model().objects.filter(username__startswith=LEARNER_PREFIX).delete()
            copies = Case.objects.filter(slug__regex=r"-x[0-9]+$")
            cause_copies = Cause.objects.filter(slug__regex=r"-x[0-9]+$")
            # Attempts load tests made on copied cases, or naming a copied cause.
            Attempt.objects.filter(Q(case__in=copies) | Q(diagnosis__in=cause_copies)).delete()
            copies.delete()
            cause_copies.delete()

    def _copy_content(self, scale: int) -> None:
        if scale == 1:
            return
        originals = list(
            Cause.objects.exclude(slug__regex=r"-x[0-9]+$").prefetch_related("mechanisms", "facts__references")
        )
        cases = list(cases_for_export(Case.objects.live().exclude(slug__regex=r"-x[0-9]+$")))
        self.say(f"Copying {len(originals)} causes and {len(cases)} cases {scale - 1} times...")
        for k in range(1, scale):
            suffix = copy_suffix(k)
            self._copy_causes(originals, suffix, k)
            self._copy_cases(cases, suffix, k)

    def _copy_causes(self, originals: list[Cause], suffix: str, k: int) -> None:
        copies = Cause.objects.bulk_create(
            [
                Cause(
                    name=f"{c.name} ({k + 1})",
                    slug=f"{c.slug}{suffix}",
                    group_id=c.group_id,
                    summary=c.summary,
                    body=c.body,
                    position=c.position,
                    review_status=c.review_status,
                    reviewed_at=c.reviewed_at,
                )
                for c in originals
            ]
        )
        if copies and copies[0].pk is None:
            raise CommandError("This database does not return ids from bulk inserts.")
        mechanism_links, facts, fact_refs = [], [], []
        for original, copy in zip(originals, copies, strict=True):
            mechanism_links += [
                Cause.mechanisms.through(cause_id=copy.pk, mechanism_id=m.pk) for m in original.mechanisms.all()
            ]
            for fact in original.facts.all():
                facts.append(
                    (
                        Fact(
                            key=f"{fact.key}{suffix}",
                            text=fact.text,
                            cause_id=copy.pk,
                            verification=fact.verification,
                            editorial_note=fact.editorial_note,
                            is_key=fact.is_key,
                            position=fact.position,
                        ),
                        [r.pk for r in fact.references.all()],
                    )
                )
        Cause.mechanisms.through.objects.bulk_create(mechanism_links)
        made = Fact.objects.bulk_create([f for f, _ in facts])
        for fact, (_, refs) in zip(made, facts, strict=True):
            fact_refs += [Fact.references.through(fact_id=fact.pk, reference_id=r) for r in refs]
        Fact.references.through.objects.bulk_create(fact_refs)

    def _copy_cases(self, cases: list[Case], suffix: str, k: int) -> None:
        cause_ids = dict(Cause.objects.filter(slug__endswith=suffix).values_list("slug", "pk"))
        original_slugs = dict(Cause.objects.values_list("pk", "slug"))
        copies = Case.objects.bulk_create(
            [
                Case(
                    **case_content_fields(c),
                    title=f"{c.title} ({k + 1})",
                    slug=f"{c.slug}{suffix}",
                    review_status=c.review_status,
                    reviewed_at=c.reviewed_at,
                    version=c.version,
                )
                for c in cases
            ]
        )
        if copies and copies[0].pk is None:
            raise CommandError("This database does not return ids from bulk inserts.")
        # A copied case's diagnosis key points at the copied causes, where there are copies.
        copy_case_parts(
            zip(cases, copies, strict=True),
            cause_id_for=lambda pk: cause_ids.get(f"{original_slugs[pk]}{suffix}", pk),
        )

    # ------------------------------------------------------------------
    def _make_attempts(self, *, scale: int, total: int, rng: random.Random) -> None:
        User = get_user_model()
        learners_wanted = max(1, scale * LEARNERS_PER_SCALE)
        password = make_password(None)  # unusable: load learners never log in with a password
        User.objects.bulk_create(
            [
                User(username=f"{LEARNER_PREFIX}{n}", email=f"{LEARNER_PREFIX}{n}@example.invalid", password=password)
                for n in range(learners_wanted)
            ],
            batch_size=BATCH,
        )
        learners = list(User.objects.filter(username__startswith=LEARNER_PREFIX).values_list("pk", flat=True))
        cases = list(Case.objects.playable().prefetch_related(*case_key_prefetches()))
        keys = {case.pk: case_key(case) for case in cases}
        all_steps = list(WorkupStep.objects.values_list("pk", "slug"))
        step_ids = {slug: pk for pk, slug in all_steps}
        cause_ids = dict(Cause.objects.published().values_list("slug", "pk"))
        cause_slugs = list(cause_ids)
        keyed = defaultdict(list)
        for case in cases:
            keyed[case.pk] = [f.step.slug for f in case.findings.all()]

        self.say(f"Creating {total} submitted attempts by {len(learners)} learners...")
        now = timezone.now()
        done = 0
        next_tenth = 1
        batch = max(100, min(BATCH, total // 10))  # at least ten batches, for the progress lines
        while done < total:
            size = min(batch, total - done)
            plans = []
            for n in range(size):
                case = cases[(done + n) % len(cases)]
                # A plausible path: three to six steps, mostly keyed ones, sometimes an unkeyed one.
                pool = keyed[case.pk] or [slug for _, slug in all_steps]
                count = rng.randint(3, 6)
                path = rng.sample(pool, min(count, len(pool)))
                if rng.random() < 0.3:
                    extra = rng.choice(all_steps)[1]
                    if extra not in path:
                        path.append(extra)
                options = [o.cause for o in keys[case.pk].diagnosis_options]
                diagnosis = rng.choice(options) if rng.random() < 0.8 else rng.choice(cause_slugs)
                report = grade(keys[case.pk], GradingAttempt(steps=tuple(path), diagnosis=diagnosis))
                plans.append((case, learners[(done + n) % len(learners)], path, diagnosis, report))
            with transaction.atomic():
                attempt_ids = insert_rows(
                    Attempt,
                    [
                        {
                            "case_id": case.pk,
                            "user_id": user,
                            "submitted_at": now,
                            "diagnosis_id": cause_ids.get(diagnosis),
                            "session_key": "",
                        }
                        for case, user, _, diagnosis, _ in plans
                    ],
                )
                insert_rows(
                    Choice,
                    [
                        {"attempt_id": pk, "step_id": step_ids[slug], "position": position}
                        for pk, (_, _, path, _, _) in zip(attempt_ids, plans, strict=True)
                        for position, slug in enumerate(path, start=1)
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
            done += size
            while next_tenth <= 10 and done * 10 >= next_tenth * total:
                self.say(f"  {next_tenth * 10} % ({done} attempts)")
                next_tenth += 1
        # One open attempt per learner, with two choices, as learners mid-case have.
        with transaction.atomic():
            open_ids = insert_rows(
                Attempt,
                [
                    {"case_id": cases[n % len(cases)].pk, "user_id": user, "session_key": ""}
                    for n, user in enumerate(learners)
                ],
            )
            insert_rows(
                Choice,
                [
                    {"attempt_id": pk, "step_id": step_ids[slug], "position": p}
                    for n, pk in enumerate(open_ids)
                    for p, slug in enumerate((keyed[cases[n % len(cases)].pk] or [all_steps[0][1]])[:2], start=1)
                ],
            )
