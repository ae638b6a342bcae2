"""Turn a case's key rows into the grading engine's plain input records.

The engine (``leucocases.cases.grading``) knows nothing of Django; this module
is the one bridge. Citations become reference keys (``Reference.key``), in the
order of the reference list (``Reference.number``), so a key built twice from
the same rows is equal and a report stored today reads the same tomorrow.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, prefetch_related_objects

from leucocases.taxonomy.models import Reference

from .grading import Attempt as GradingAttempt
from .grading import (
    CaseKey,
    DiagnosisOption,
    KeyedStep,
    OrderRule,
    Report,
    ScoringSettings,
    grade,
)
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


def scoring_settings(case: Case) -> ScoringSettings:
    """The case's own scoring numbers, as the engine takes them."""
    return ScoringSettings(
        essential_total_points=case.essential_total_points,
        low_yield_penalty=case.low_yield_penalty,
        harmful_penalty=case.harmful_penalty,
        workup_weight=case.workup_weight,
        diagnosis_weight=case.diagnosis_weight,
        harmful_cap=case.harmful_cap,
    )


def _citations(references: Iterable[Reference]) -> tuple[str, ...]:
    return tuple(ref.key for ref in references)


def case_key(case: Case) -> CaseKey:
    """Build the engine's ``CaseKey`` from a case's findings, order rules,
    diagnosis options and scoring fields.

    Runs seven queries, or none when the case was loaded with
    ``prefetch_related(*case_key_prefetches())``.
    """
    # Skips whatever the caller already prefetched.
    prefetch_related_objects([case], *case_key_prefetches())
    steps = tuple(
        KeyedStep(
            slug=finding.step.slug,
            tier=finding.tier,
            rationale=finding.rationale,
            citations=_citations(finding.references.all()),
            expert_position=finding.expert_position,
        )
        for finding in case.findings.all()
    )
    rules = tuple(
        OrderRule(
            before=rule.before.slug,
            after=rule.after.slug,
            rationale=rule.rationale,
            citations=_citations(rule.references.all()),
            premature_counts_as_harmful=rule.premature_counts_as_harmful,
        )
        for rule in case.order_rules.all()
    )
    options = tuple(
        DiagnosisOption(
            cause=option.cause.slug,
            credit=option.credit,
            rationale=option.rationale,
            citations=_citations(option.references.all()),
        )
        for option in case.diagnosis_options.all()
    )
    return CaseKey(steps=steps, diagnosis_options=options, order_rules=rules, scoring=scoring_settings(case))


def grade_path(*, case: Case, step_slugs: Iterable[str], diagnosis_slug: str | None) -> Report:
    """Grade a path through ``case`` without touching any attempt.

    Raises ``InvalidKeyError`` (a ``ValueError``) when the case's key is
    unusable. A step listed twice is its second occurrence (engine 2).
    """
    return grade(case_key(case), GradingAttempt(steps=tuple(step_slugs), diagnosis=diagnosis_slug or None))
