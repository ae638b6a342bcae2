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
    KeyProblem,
    ProblemCode,
    ScoringSettings,
    Tier,
    validate_key,
)
from leucocases.cases.grading.differential import ExpertDifferential, differential_problems
from leucocases.cases.grading.paths import item_text

from .json_schema import CASE_VALIDATOR
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
from .versions import version_problems

__all__ = ["check_differential", "check_key", "check_references", "document_errors", "scoring_problems"]


def document_errors(document: Any, *, known: KnownIds | None = None) -> list[FieldProblem]:
    """Everything wrong with one case document, structure first.

    When the structure is wrong the later checks are skipped: they would
    only guess at what a malformed case meant.
    """
    if not isinstance(document, Mapping):
        return [FieldProblem("", f"a case must be a mapping of fields, found {type_name(document)}", "type")]
    problems = version_problems(document)
    problems.extend(schema_problems(CASE_VALIDATOR, document))
    problems.extend(number_problems(document))
    if problems:
        return problems
    spec = case_from_document(document)
    if known is not None:
        problems.extend(check_references(spec, known))
    problems.extend(check_key(findings=spec.findings, order_rules=spec.order_rules, diagnosis=spec.diagnosis))
    problems.extend(scoring_problems(spec.scoring))
    if "differential" in document:
        problems.extend(check_differential(differential=spec.differential, diagnosis=spec.diagnosis))
    return problems


def check_differential(
    *, differential: ExpertDifferential | None, diagnosis: Sequence[DiagnosisSpec]
) -> list[FieldProblem]:
    """The engine's rules for the expert's differential (a checkpoint at least,
    no cause twice, the full-credit cause in the last one), under ``differential``.

    Used by the importer, and by the admin and the case editor, which hold the
    differential and the diagnosis options on different forms."""
    expert = differential.checkpoints if differential else ()
    correct = next((d.cause for d in diagnosis if d.credit == 1), "")
    return [
        FieldProblem("differential", problem, "differential")
        for problem in differential_problems(expert, correct_cause=correct)
    ]


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
    for checkpoint in spec.differential.checkpoints if spec.differential else ():
        for i, expert in enumerate(checkpoint.causes):
            need(f"differential.{checkpoint.name}[{i}].cause", expert.cause, known.causes, "cause")
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
    ProblemCode.INVALID_WEIGHT,
    ProblemCode.WEIGHT_NOT_ESSENTIAL,
    ProblemCode.ANY_OF_NOT_ESSENTIAL,
    ProblemCode.ANY_OF_SINGLE_MEMBER,
    ProblemCode.OCCURRENCE_GAP,
}
# The engine's problems with one finding's own fields, and the field each concerns.
_ITEM_FIELD = {
    ProblemCode.INVALID_WEIGHT: "weight",
    ProblemCode.WEIGHT_NOT_ESSENTIAL: "weight",
    ProblemCode.ANY_OF_NOT_ESSENTIAL: "any_of",
    ProblemCode.EXPERT_POSITION_TIER: "expert_position",
}
# Where the engine's whole-key problems are reported.
_PROBLEM_FIELD = {
    ProblemCode.NO_ESSENTIAL_STEP: "findings",
    ProblemCode.NO_FULL_CREDIT_DIAGNOSIS: "diagnosis",
    ProblemCode.MULTIPLE_FULL_CREDIT_DIAGNOSES: "diagnosis",
    ProblemCode.ORDER_RULE_CYCLE: "order_rules",
    ProblemCode.EXPERT_PATH_BREAKS_RULE: "findings",
    ProblemCode.EXPERT_PATH_SKIPS_OCCURRENCE: "findings",
    ProblemCode.INVALID_SETTING: "scoring",
    ProblemCode.INVALID_GRADE_BANDS: "scoring.grade_bands",
}
# A stand-in diagnosis for running the engine on a few findings alone.
_PROBE_DIAGNOSIS = (DiagnosisSpec(cause="probe", credit=1, rationale=""),)


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


def _engine_problems(findings: Sequence[tuple[int, FindingSpec]], codes: Iterable[ProblemCode]) -> list[KeyProblem]:
    """The engine's problems of the given kinds with these findings alone, in its words."""
    wanted = set(codes)
    key = engine_key([f for _, f in findings], (), _PROBE_DIAGNOSIS)
    return [p for p in validate_key(key) if p.code in wanted]


def _finding_problems(findings: Sequence[FindingSpec], problems: list[FieldProblem]) -> dict[tuple[str, int], int]:
    """Report items keyed twice, occurrence gaps, misplaced weights, any-of
    groups and expert positions; return where each (step, occurrence) is first keyed."""
    first_at: dict[tuple[str, int], int] = {}
    by_step: dict[str, list[tuple[int, FindingSpec]]] = {}
    by_group: dict[str, list[tuple[int, FindingSpec]]] = {}
    for i, finding in enumerate(findings):
        item = (finding.step, finding.occurrence)
        first = first_at.setdefault(item, i)
        if first != i:
            what = "step" if finding.occurrence == 1 else f"occurrence {finding.occurrence} of step"
            message = f"{what} {finding.step!r} is keyed more than once (also findings[{first}])"
            problems.append(FieldProblem(f"findings[{i}].step", message, ProblemCode.DUPLICATE_STEP.value))
        by_step.setdefault(finding.step, []).append((i, finding))
        if finding.any_of:
            by_group.setdefault(finding.any_of, []).append((i, finding))
        for p in _engine_problems([(i, finding)], _ITEM_FIELD):
            problems.append(FieldProblem(f"findings[{i}].{_ITEM_FIELD[p.code]}", p.message, p.code.value))
    for items in by_step.values():
        last = max(items, key=lambda pair: pair[1].occurrence)[0]
        for p in _engine_problems(items, [ProblemCode.OCCURRENCE_GAP]):
            problems.append(FieldProblem(f"findings[{last}].occurrence", p.message, p.code.value))
    for items in by_group.values():
        for p in _engine_problems(items, [ProblemCode.ANY_OF_SINGLE_MEMBER]):
            member = next(i for i, f in items if f.tier == Tier.ESSENTIAL)
            problems.append(FieldProblem(f"findings[{member}].any_of", p.message, p.code.value))
    return first_at


def _rule_problems(
    order_rules: Sequence[OrderRuleSpec], keyed: Mapping[tuple[str, int], int], problems: list[FieldProblem]
) -> None:
    """Report rules joining an entry to itself or naming an unkeyed item, and rules given twice.

    A rule may name any keyed occurrence of an entry (``before_occurrence``,
    ``after_occurrence``, default 1).
    """
    keyed_steps = {step for step, _ in keyed}
    rule_at: dict[tuple[tuple[str, int], tuple[str, int]], int] = {}
    for i, rule in enumerate(order_rules):
        if rule.before == rule.after:
            problems.append(
                FieldProblem(f"order_rules[{i}].after", "an order rule joins two different steps", "rule_same_step")
            )
            continue
        ends = {"before": (rule.before, rule.before_occurrence), "after": (rule.after, rule.after_occurrence)}
        unkeyed = False
        for end, (slug, occurrence) in ends.items():
            if (slug, occurrence) in keyed:
                continue
            unkeyed = True
            if slug in keyed_steps:  # the entry is keyed, that occurrence of it is not
                where, what = f"{end}_occurrence", f"occurrence {occurrence} of step {slug!r}"
            else:
                where, what = end, f"step {slug!r}"
            message = f"{what} is not keyed in this case; order rules join keyed steps (add a finding)"
            problems.append(FieldProblem(f"order_rules[{i}].{where}", message, ProblemCode.RULE_UNKEYED_STEP.value))
        pair = (ends["before"], ends["after"])
        if not unkeyed and pair in rule_at:
            said = f"{item_text(*ends['before'])} before {item_text(*ends['after'])}"
            message = f"repeats order_rules[{rule_at[pair]}] ({said})"
            problems.append(FieldProblem(f"order_rules[{i}]", message, ProblemCode.DUPLICATE_ORDER_RULE.value))
        rule_at.setdefault(pair, i)


def _diagnosis_problems(diagnosis: Sequence[DiagnosisSpec], problems: list[FieldProblem]) -> None:
    """Report causes listed twice and credits outside 0..1."""
    cause_at: dict[str, int] = {}
    for i, option in enumerate(diagnosis):
        first = cause_at.setdefault(option.cause, i)
        if first != i:
            message = f"cause {option.cause!r} is listed more than once (also diagnosis[{first}])"
            problems.append(FieldProblem(f"diagnosis[{i}].cause", message, ProblemCode.DUPLICATE_DIAGNOSIS.value))
        credit = option.credit
        if isinstance(credit, bool) or not isinstance(credit, (int, float)) or not 0 <= credit <= 1:
            message = f"is {credit!r}; credit is a number from 0 to 1"
            problems.append(FieldProblem(f"diagnosis[{i}].credit", message, ProblemCode.CREDIT_OUT_OF_RANGE.value))


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
        if p.code in (ProblemCode.INVALID_SETTING, ProblemCode.INVALID_GRADE_BANDS)
    ]


def _scoring_field(message: str) -> str:
    if " + " in message:  # the weights' sum concerns both of them
        return "scoring"
    if message.startswith("grade_bands."):  # "grade_bands.B is 95, not below ..."
        return "scoring." + message.split(" ", 1)[0]
    for name in ScoringSettings.NUMBERS:
        if message.startswith(f"{name} "):
            return f"scoring.{name}"
    return "scoring"
