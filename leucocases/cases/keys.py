"""Turn a case's key rows into the grading engine's plain input records.

The engine (``leucocases.cases.grading``) knows nothing of Django; this module
is the one bridge. Rows are read by the same mapping as the export
(``casefile/rows.py``), then made engine records by ``casefile.records.engine_key``,
which the authoring checks use too. Citations become reference keys (``Reference.key``), in the
order of the reference list (``Reference.number``), so a key built twice from
the same rows is equal and a report stored today reads the same tomorrow.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from django.db.models import Prefetch, prefetch_related_objects

from leucocases.editorial.content_version import remember
from leucocases.taxonomy.models import Reference

from .casefile.records import engine_key
from .casefile.rows import diagnosis_spec, finding_spec, order_rule_spec, scoring_settings
from .grading import Attempt as GradingAttempt
from .grading import CaseKey, Report, grade
from .models import Case, Finding
from .models import DiagnosisOption as DiagnosisOptionRow
from .models import OrderRule as OrderRuleRow

__all__ = ["case_key", "case_key_prefetches", "grade_path", "scoring_settings"]


def case_key_prefetches() -> list[Prefetch]:
    """The prefetches ``case_key`` needs; pass them to ``prefetch_related`` to
    build the keys of many cases in a constant number of queries."""
    references = Reference.objects.order_by("number").only("pk", "key", "number")
    return [
        Prefetch(
            "findings",
            queryset=Finding.objects.select_related("step").prefetch_related(
                Prefetch("references", queryset=references)
            ),
        ),
        Prefetch(
            "order_rules",
            queryset=OrderRuleRow.objects.select_related("before", "after")
            .order_by("pk")
            .prefetch_related(Prefetch("references", queryset=references)),
        ),
        Prefetch(
            "diagnosis_options",
            queryset=DiagnosisOptionRow.objects.select_related("cause").prefetch_related(
                Prefetch("references", queryset=references)
            ),
        ),
    ]


def case_key(case: Case) -> CaseKey:
    """Build the engine's ``CaseKey`` from a case's findings, order rules,
    diagnosis options and scoring fields.

    Runs seven queries, or none when the case was loaded with
    ``prefetch_related(*case_key_prefetches())``.
    """
    # Skips whatever the caller already prefetched.
    prefetch_related_objects([case], *case_key_prefetches())
    return engine_key(
        [finding_spec(finding, results=False) for finding in case.findings.all()],
        [order_rule_spec(rule) for rule in case.order_rules.all()],
        [diagnosis_spec(option) for option in case.diagnosis_options.all()],
        scoring_settings(case),
    )


def grade_path(
    *, case: Case, step_slugs: Iterable[str], diagnosis_slug: str | None, edition: Hashable | None = None
) -> Report:
    """Grade a path through ``case`` without touching any attempt.

    Raises ``InvalidKeyError`` (a ``ValueError``) when the case's key is
    unusable. A step listed twice is its second occurrence (engine 2).

    With ``edition`` (what the caller read of the case row under a share lock
    that keeps the key from changing: ``version`` and ``updated_at``), the key
    is built once per content version in this worker, not read again for every
    submission: six queries and a third of a submission's time. Every key
    edit updates the case row first (the admin, the importer, publishing a
    draft), so an edit that lands after this request read the content version,
    but before the lock, gives a new edition and is not graded from memory.
    """
    key = case_key(case) if edition is None else remember(("case-key", case.pk, edition), lambda: case_key(case))
    return grade(key, GradingAttempt(steps=tuple(step_slugs), diagnosis=diagnosis_slug or None))
