"""Semantic checks of one case: the names it uses exist, and its key obeys
the engine's rules, each problem under the field it concerns.

The rules about the key (an essential step, one full-credit cause, no
cycles, an expert path that obeys the rules, sane scoring) belong to the
grading engine's ``validate_key``, which this module runs and whose problems
it reports under the field they concern. The few checks done here before the
engine's are the ones that need an exact field path (``findings[2].step``)
the engine's messages cannot give.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from leucocases.cases.grading import (
    CaseKey,
    DiagnosisOption,
    KeyedStep,
    ProblemCode,
    ScoringSettings,
    Tier,
    validate_key,
)

from .json_schema import CASE_VALIDATOR, SCORING_DECIMALS
from .records import (
    CaseSpec,
    DiagnosisSpec,
    FieldProblem,
    FindingSpec,
    KnownIds,
    OrderRuleSpec,
    case_from_document,
    engine_key,
)
from .structure import number_problems, schema_problems, type_name

__all__ = ["check_key", "check_references", "document_errors", "scoring_problems"]


def document_errors(document: Any, *, known: KnownIds | None = None) -> list[FieldProblem]:
    """Everything wrong with one case document, structure first.

    When the structure is wrong the later checks are skipped: they would
    only guess at what a malformed case meant.
    """
    if not isinstance(document, Mapping):
        return [FieldProblem("", f"a case must be a mapping of fields, found {type_name(document)}", "type")]
    problems = schema_problems(CASE_VALIDATOR, document)
    problems.extend(number_problems(document))
    if problems:
        return problems
    spec = case_from_document(document)
    if known is not None:
        problems.extend(check_references(spec, known))
    problems.extend(check_key(findings=spec.findings, order_rules=spec.order_rules, diagnosis=spec.diagnosis))
    problems.extend(scoring_problems(spec.scoring))
    return problems


def check_references(spec: CaseSpec, known: KnownIds) -> list[FieldProblem]:
    """Every group, label, step, cause and citation the case names must exist."""
    problems: list[FieldProblem] = []

    def need(where: str, value: str, pool: frozenset[str], what: str) -> None:
        if value not in pool:
            hint = difflib.get_close_matches(value, sorted(pool), n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            code = "unknown_" + what.replace(" ", "_")
            problems.append(FieldProblem(where, f"unknown {what} {value!r}{suggestion}", code))

    def cite(where: str, citations: Iterable[str]) -> None:
        for j, key in enumerate(citations):
            need(f"{where}.citations[{j}]", key, known.references, "reference")

    for i, group in enumerate(spec.groups):
        need(f"groups[{i}]", group, known.groups, "cause group")
    for i, label in enumerate(spec.labels):
        need(f"labels[{i}]", label, known.labels, "case label")
    for i, finding in enumerate(spec.findings):
        need(f"findings[{i}].step", finding.step, known.steps, "workup step")
        cite(f"findings[{i}]", finding.citations)
    for i, rule in enumerate(spec.order_rules):
        for end in ("before", "after"):
            need(f"order_rules[{i}].{end}", getattr(rule, end), known.steps, "workup step")
        cite(f"order_rules[{i}]", rule.citations)
    for i, option in enumerate(spec.diagnosis):
        need(f"diagnosis[{i}].cause", option.cause, known.causes, "cause")
        cite(f"diagnosis[{i}]", option.citations)
    return problems


# The engine's problems that check_key locates field by field itself.
_LOCATED_HERE = {
    ProblemCode.EMPTY_SLUG,
    ProblemCode.DUPLICATE_STEP,
    ProblemCode.DUPLICATE_DIAGNOSIS,
    ProblemCode.CREDIT_OUT_OF_RANGE,
    ProblemCode.RULE_UNKEYED_STEP,
    ProblemCode.DUPLICATE_ORDER_RULE,
    ProblemCode.EXPERT_POSITION_TIER,
}
# Where the engine's whole-key problems are reported.
_PROBLEM_FIELD = {
    ProblemCode.NO_ESSENTIAL_STEP: "findings",
    ProblemCode.NO_FULL_CREDIT_DIAGNOSIS: "diagnosis",
    ProblemCode.MULTIPLE_FULL_CREDIT_DIAGNOSES: "diagnosis",
    ProblemCode.ORDER_RULE_CYCLE: "order_rules",
    ProblemCode.EXPERT_PATH_BREAKS_RULE: "findings",
    ProblemCode.INVALID_SETTING: "scoring",
}


def check_key(
    *,
    findings: Sequence[FindingSpec],
    order_rules: Sequence[OrderRuleSpec],
    diagnosis: Sequence[DiagnosisSpec],
) -> list[FieldProblem]:
    """The key's rules, each problem under the field it concerns.

    Used by the importer and by the admin (which maps ``findings[i]`` back to
    the i-th finding form). Scoring settings are checked apart, by
    ``scoring_problems``, because the admin edits them on a different form.
    """
    problems: list[FieldProblem] = []
    keyed = _finding_problems(findings, problems)
    _rule_problems(order_rules, keyed, problems)
    _diagnosis_problems(diagnosis, problems)

    # The engine is the authority on the key; the checks above only put
    # names on its findings. A problem of a kind located above but not found
    # there is still reported, at the section level.
    located = {p.code for p in problems}
    # Self-loops were reported above; keep them out of the engine's cycle check.
    sound_rules = [r for r in order_rules if r.before != r.after]
    for problem in validate_key(engine_key(findings, sound_rules, diagnosis)):
        if problem.code in _LOCATED_HERE and problem.code.value in located:
            continue
        where = _PROBLEM_FIELD.get(problem.code, "")
        problems.append(FieldProblem(where, problem.message, problem.code.value))
    return problems


def _finding_problems(findings: Sequence[FindingSpec], problems: list[FieldProblem]) -> dict[str, int]:
    """Report steps keyed twice and misplaced expert positions; return where each step is first keyed."""
    first_at: dict[str, int] = {}
    for i, finding in enumerate(findings):
        if repeat := _repeat(first_at, finding.step, i, at="findings", said="is keyed"):
            problems.append(FieldProblem(f"findings[{i}].step", f"step {repeat}", ProblemCode.DUPLICATE_STEP.value))
        if finding.expert_position is not None and finding.tier not in (Tier.ESSENTIAL, Tier.USEFUL):
            problems.append(
                FieldProblem(
                    f"findings[{i}].expert_position",
                    f"only essential and useful steps have a place in the expert path, not {finding.tier} ones",
                    "expert_position_tier",
                )
            )
    return first_at


def _rule_problems(
    order_rules: Sequence[OrderRuleSpec], keyed: Mapping[str, int], problems: list[FieldProblem]
) -> None:
    """Report rules joining a step to itself or to an unkeyed step, and rules given twice."""
    rule_at: dict[tuple[str, str], int] = {}
    for i, rule in enumerate(order_rules):
        if rule.before == rule.after:
            problems.append(
                FieldProblem(f"order_rules[{i}].after", "an order rule joins two different steps", "rule_same_step")
            )
            continue
        unkeyed = False
        for end in ("before", "after"):
            slug = getattr(rule, end)
            if slug not in keyed:
                unkeyed = True
                problems.append(
                    FieldProblem(
                        f"order_rules[{i}].{end}",
                        f"step {slug!r} is not keyed in this case; order rules join keyed steps (add a finding)",
                        ProblemCode.RULE_UNKEYED_STEP.value,
                    )
                )
        pair = (rule.before, rule.after)
        if not unkeyed and pair in rule_at:
            message = f"repeats order_rules[{rule_at[pair]}] ({rule.before!r} before {rule.after!r})"
            problems.append(FieldProblem(f"order_rules[{i}]", message, ProblemCode.DUPLICATE_ORDER_RULE.value))
        rule_at.setdefault(pair, i)


def _diagnosis_problems(diagnosis: Sequence[DiagnosisSpec], problems: list[FieldProblem]) -> None:
    """Report causes listed twice and credits outside 0..1."""
    cause_at: dict[str, int] = {}
    for i, option in enumerate(diagnosis):
        if repeat := _repeat(cause_at, option.cause, i, at="diagnosis", said="is listed"):
            problems.append(
                FieldProblem(f"diagnosis[{i}].cause", f"cause {repeat}", ProblemCode.DUPLICATE_DIAGNOSIS.value)
            )
        credit = option.credit
        if isinstance(credit, bool) or not isinstance(credit, (int, float)) or not 0 <= credit <= 1:
            message = f"is {credit!r}; credit is a number from 0 to 1"
            problems.append(FieldProblem(f"diagnosis[{i}].credit", message, ProblemCode.CREDIT_OUT_OF_RANGE.value))


def _repeat(first_at: dict[str, int], value: str, i: int, *, at: str, said: str) -> str:
    """Remember where ``value`` is first given; for a repeat, say where (else "")."""
    first = first_at.setdefault(value, i)
    return "" if first == i else f"{value!r} {said} more than once (also {at}[{first}])"


def scoring_problems(scoring: ScoringSettings) -> list[FieldProblem]:
    """The engine's rules for scoring settings (weights sum to 1, cap <= 100, ...).

    Run through ``validate_key`` with a minimal sound key, so the rules stay
    the engine's alone.
    """
    probe = CaseKey(
        steps=(KeyedStep(slug="probe", tier=Tier.ESSENTIAL),),
        diagnosis_options=(DiagnosisOption(cause="probe", credit=1),),
        scoring=scoring,
    )
    return [
        FieldProblem(_scoring_field(p.message), p.message, p.code.value)
        for p in validate_key(probe)
        if p.code is ProblemCode.INVALID_SETTING
    ]


def _scoring_field(message: str) -> str:
    if " + " in message:  # the weights' sum concerns both of them
        return "scoring"
    for name in SCORING_DECIMALS:
        if message.startswith(f"{name} "):
            return f"scoring.{name}"
    return "scoring"
