"""A case's rows as case-file records: the one mapping of findings, order
rules, diagnosis options and scoring columns.

The export (``exporter.case_spec``) and the grading key (``keys.case_key``,
through ``records.engine_key``) both read rows through these functions, so a
field added to a key row is mapped once. Each takes a row with its step,
cause and references loaded (the callers' prefetches), in the order the
caller gives: citations keep the order of the prefetched references.
"""

from __future__ import annotations

from collections.abc import Iterable

from leucocases.cases.grading import GradeBands, ScoringSettings
from leucocases.cases.models import Case, DiagnosisOption, Finding, OrderRule
from leucocases.taxonomy.models import Reference

from .records import DiagnosisSpec, FindingSpec, OrderRuleSpec, series_from_json, table_rows
from .writer import plain_number

__all__ = ["diagnosis_spec", "finding_spec", "order_rule_spec", "scoring_settings"]


def finding_spec(finding: Finding, *, results: bool = True) -> FindingSpec:
    """``results=False`` leaves out what the learner is shown (result, table,
    series): the key never reads them, so grading never parses them."""
    return FindingSpec(
        step=finding.step.slug,
        occurrence=finding.occurrence,
        tier=finding.tier,
        weight=plain_number(finding.weight),
        any_of=finding.any_of,
        expert_position=finding.expert_position,
        result=finding.result if results else "",
        table=tuple(table_rows(finding.table or ())) if results else (),
        series=series_from_json(finding.series or {}) if results else None,
        rationale=finding.rationale,
        citations=_keys(finding.references.all()),
    )


def order_rule_spec(rule: OrderRule) -> OrderRuleSpec:
    return OrderRuleSpec(
        before=rule.before.slug,
        after=rule.after.slug,
        rationale=rule.rationale,
        citations=_keys(rule.references.all()),
        counts_as_harmful=rule.premature_counts_as_harmful,
        before_occurrence=rule.before_occurrence,
        after_occurrence=rule.after_occurrence,
    )


def diagnosis_spec(option: DiagnosisOption) -> DiagnosisSpec:
    return DiagnosisSpec(
        cause=option.cause.slug,
        credit=plain_number(option.credit),
        rationale=option.rationale,
        citations=_keys(option.references.all()),
    )


def scoring_settings(case: Case) -> ScoringSettings:
    """The case's own scoring numbers, as the engine takes them."""
    # The case's columns carry the engine's names (as the importer writes them).
    return ScoringSettings(
        **{name: getattr(case, name) for name in ScoringSettings.NUMBERS},
        grade_bands=GradeBands.from_mapping(
            {letter: getattr(case, f"grade_band_{letter.lower()}") for letter in GradeBands.LETTERS}
        ),
    )


def _keys(references: Iterable[Reference]) -> tuple[str, ...]:
    return tuple(ref.key for ref in references)
