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
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from leucocases.cases.casefile.exporter import cases_for_export
from leucocases.cases.copying import case_content_fields, copy_case_parts, field_values
from leucocases.cases.models import Attempt, Case, Choice, GradedReport
from leucocases.editorial.content_version import bulk_writes
from leucocases.taxonomy.models import Cause, Fact
from leucocases.taxonomy.search.index import search_index_rebuild

from ..load_attempts import BATCH, LEARNER_PREFIX, AttemptPool, insert_open_attempts, insert_submitted, make_learners

ATTEMPTS_PER_SCALE = 1000
LEARNERS_PER_SCALE = 100
# A copied cause or fact gets its own name, slug or key and owner, and the copy
# names nobody as its author or reviewer: it is load data, nobody's work.
_CAUSE_NOT_COPIED = frozenset({"id", "name", "slug", "author", "reviewer", "created_at", "updated_at"})
_FACT_NOT_COPIED = frozenset({"id", "key", "cause", "topic"})


def copy_suffix(k: int) -> str:
    return f"-x{k}"


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
        # Copies are written in bulk, past the content signals: one version bump for them all.
        with bulk_writes(), transaction.atomic():
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
        copies = _bulk_copies(
            Cause,
            [
                Cause(
                    **field_values(c, exclude=_CAUSE_NOT_COPIED),
                    name=f"{c.name} ({k + 1})",
                    slug=f"{c.slug}{suffix}",
                )
                for c in originals
            ],
        )
        mechanism_links, facts, fact_refs = [], [], []
        for original, copy in zip(originals, copies, strict=True):
            mechanism_links += [
                Cause.mechanisms.through(cause_id=copy.pk, mechanism_id=m.pk) for m in original.mechanisms.all()
            ]
            for fact in original.facts.all():
                copied = Fact(
                    **field_values(fact, exclude=_FACT_NOT_COPIED), key=f"{fact.key}{suffix}", cause_id=copy.pk
                )
                facts.append((copied, [r.pk for r in fact.references.all()]))
        Cause.mechanisms.through.objects.bulk_create(mechanism_links)
        made = Fact.objects.bulk_create([f for f, _ in facts])
        for fact, (_, refs) in zip(made, facts, strict=True):
            fact_refs += [Fact.references.through(fact_id=fact.pk, reference_id=r) for r in refs]
        Fact.references.through.objects.bulk_create(fact_refs)

    def _copy_cases(self, cases: list[Case], suffix: str, k: int) -> None:
        cause_ids = dict(Cause.objects.filter(slug__endswith=suffix).values_list("slug", "pk"))
        original_slugs = dict(Cause.objects.values_list("pk", "slug"))
        copies = _bulk_copies(
            Case,
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
            ],
        )
        # A copied case's diagnosis key points at the copied causes, where there are copies.
        copy_case_parts(
            zip(cases, copies, strict=True),
            cause_id_for=lambda pk: cause_ids.get(f"{original_slugs[pk]}{suffix}", pk),
        )

    # ------------------------------------------------------------------
    def _make_attempts(self, *, scale: int, total: int, rng: random.Random) -> None:
        pool = AttemptPool.build(learners=make_learners(max(1, scale * LEARNERS_PER_SCALE)))
        self.say(f"Creating {total} submitted attempts by {len(pool.learners)} learners...")
        now = timezone.now()
        done = 0
        next_tenth = 1
        batch = max(100, min(BATCH, total // 10))  # at least ten batches, for the progress lines
        while done < total:
            size = min(batch, total - done)
            plans = [pool.plan(done + n, rng) for n in range(size)]
            with transaction.atomic():
                insert_submitted(plans, pool=pool, now=now)
            done += size
            while next_tenth <= 10 and done * 10 >= next_tenth * total:
                self.say(f"  {next_tenth * 10} % ({done} attempts)")
                next_tenth += 1
        with transaction.atomic():
            insert_open_attempts(pool)


def _bulk_copies(model: type[models.Model], copies: list[models.Model]) -> list[models.Model]:
    """Insert ``copies``; their ids are needed for the rows that point at them."""
    made = model.objects.bulk_create(copies)
    if made and made[0].pk is None:
        raise CommandError("This database does not return ids from bulk inserts.")
    return made
