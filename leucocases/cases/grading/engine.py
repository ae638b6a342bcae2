"""The grading engine: a pure function from (case key, attempt) to a report.

Standard library only, no Django, no database, no clock and no randomness:
the same key and attempt always give an equal ``Report``, which is what lets
stored reports be regraded and compared when ``ENGINE_VERSION`` changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from .types import (
    Attempt,
    CaseKey,
    ChoiceLine,
    DiagnosisOption,
    DiagnosisResult,
    DiagnosisVerdict,
    InvalidKeyError,
    KeyedStep,
    KeyProblem,
    MissedEssential,
    OrderRule,
    OrderViolation,
    ProblemCode,
    Report,
    ScoringSettings,
    Tier,
    Verdict,
)

__all__ = ["ENGINE_VERSION", "expert_path", "grade", "round_half_up", "validate_key"]

#: Stored with every report; bump it whenever the same input could grade
#: differently, so old reports can be told apart from regraded ones.
ENGINE_VERSION = "1.0.0"

# Floats that should sum to exactly 1 rarely do (0.1 + 0.2); this is far
# below anything a rounded score could show.
_WEIGHT_SUM_TOLERANCE = 1e-9

_TIER_VERDICT = {
    Tier.ESSENTIAL: Verdict.ESSENTIAL,
    Tier.USEFUL: Verdict.USEFUL,
    Tier.LOW_YIELD: Verdict.LOW_YIELD,
    Tier.HARMFUL: Verdict.HARMFUL,
}


def round_half_up(value: float, places: int = 1) -> float:
    """Round ``value`` to ``places`` decimals, halves away from zero.

    The float is first converted through its shortest decimal representation
    (``repr``), then quantized with ``decimal.ROUND_HALF_UP``. So 0.25 -> 0.3,
    2.675 -> 2.68 (places=2) and -0.25 -> -0.3, unlike the built-in
    ``round()``, which rounds halves to even and works on the binary value
    (``round(2.675, 2) == 2.67``). Negative zero is returned as 0.0 so a
    report never shows "-0.0".
    """
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0


def _is_real(value: object) -> bool:
    # bool is an int subclass; a True credit or weight is a data-entry slip,
    # not the number 1.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _expert_sort_key(step: KeyedStep) -> tuple[bool, int, int, str]:
    position = step.expert_position
    return (
        position is None,
        0 if position is None else position,
        0 if step.tier is Tier.ESSENTIAL else 1,
        step.slug,
    )


def expert_path(key: CaseKey) -> tuple[str, ...]:
    """The expert's workup: keyed essential and useful steps, ordered by
    ``expert_position`` (unpositioned steps last), then essential before
    useful, then slug."""
    relevant = [s for s in key.steps if s.tier in (Tier.ESSENTIAL, Tier.USEFUL)]
    return tuple(s.slug for s in sorted(relevant, key=_expert_sort_key))


# --------------------------------------------------------------------------
# Key validation
# --------------------------------------------------------------------------


def validate_key(key: CaseKey) -> list[KeyProblem]:
    """List everything that makes ``key`` ungradeable; empty means valid.

    Checks: non-empty, unique step slugs; at least one essential step;
    unique diagnosis causes with finite credit in 0..1, exactly one of them
    1.0; order rules that name keyed steps, are not repeated and form no
    cycle; an expert path that obeys every order rule; scoring settings that
    are finite and non-negative, with weights summing to 1 and a cap no
    higher than 100 (so totals stay within 0..100).
    """
    problems: list[KeyProblem] = []
    keyed = _check_steps(key.steps, problems)
    _check_diagnoses(key.diagnosis_options, problems)
    rules = _check_rules(key.order_rules, keyed, problems)
    if not _report_cycles(rules, problems):
        # A cyclic rule set cannot be obeyed by any path, so an expert-path
        # complaint would only repeat the cycle problem less clearly.
        _check_expert_path(key, rules, problems)
    _check_settings(key.scoring, problems)
    return problems


def _check_steps(steps: Iterable[KeyedStep], problems: list[KeyProblem]) -> set[str]:
    keyed: set[str] = set()
    has_essential = False
    for step in steps:
        if not step.slug.strip():
            problems.append(KeyProblem(ProblemCode.EMPTY_SLUG, "a keyed step has an empty slug"))
        if step.slug in keyed:
            problems.append(
                KeyProblem(
                    ProblemCode.DUPLICATE_STEP,
                    f"step {step.slug!r} is keyed more than once",
                )
            )
        keyed.add(step.slug)
        has_essential = has_essential or step.tier is Tier.ESSENTIAL
    if not has_essential:
        problems.append(
            KeyProblem(
                ProblemCode.NO_ESSENTIAL_STEP,
                "the key has no essential step, so workup credit cannot be shared out",
            )
        )
    return keyed


def _check_diagnoses(options: Iterable[DiagnosisOption], problems: list[KeyProblem]) -> None:
    seen: set[str] = set()
    full_credit: list[str] = []
    for option in options:
        if not option.cause.strip():
            problems.append(KeyProblem(ProblemCode.EMPTY_SLUG, "a diagnosis option has an empty cause slug"))
        if option.cause in seen:
            problems.append(
                KeyProblem(
                    ProblemCode.DUPLICATE_DIAGNOSIS,
                    f"cause {option.cause!r} is listed more than once",
                )
            )
        seen.add(option.cause)
        if not _is_real(option.credit) or not 0.0 <= option.credit <= 1.0:
            problems.append(
                KeyProblem(
                    ProblemCode.CREDIT_OUT_OF_RANGE,
                    f"cause {option.cause!r} has credit {option.credit!r}; credit must be a number from 0 to 1",
                )
            )
        elif option.credit == 1.0:
            full_credit.append(option.cause)
    if not full_credit:
        problems.append(
            KeyProblem(
                ProblemCode.NO_FULL_CREDIT_DIAGNOSIS,
                "no diagnosis option has full credit (1.0)",
            )
        )
    elif len(full_credit) > 1:
        listed = ", ".join(repr(c) for c in full_credit)
        problems.append(
            KeyProblem(
                ProblemCode.MULTIPLE_FULL_CREDIT_DIAGNOSES,
                f"exactly one cause may have full credit, found: {listed}",
            )
        )


def _check_rules(rules: Iterable[OrderRule], keyed: set[str], problems: list[KeyProblem]) -> list[OrderRule]:
    """Report bad rules; return the ones sound enough for the later checks."""
    usable: list[OrderRule] = []
    seen: set[tuple[str, str]] = set()
    for rule in rules:
        unkeyed = [s for s in (rule.before, rule.after) if s not in keyed]
        if unkeyed:
            listed = ", ".join(repr(s) for s in dict.fromkeys(unkeyed))
            problems.append(
                KeyProblem(
                    ProblemCode.RULE_UNKEYED_STEP,
                    f"order rule {rule.before!r} before {rule.after!r} names unkeyed step(s): {listed}",
                )
            )
            continue
        pair = (rule.before, rule.after)
        if pair in seen:
            problems.append(
                KeyProblem(
                    ProblemCode.DUPLICATE_ORDER_RULE,
                    f"order rule {rule.before!r} before {rule.after!r} is given more than once",
                )
            )
            continue
        seen.add(pair)
        usable.append(rule)
    return usable


def _report_cycles(rules: list[OrderRule], problems: list[KeyProblem]) -> bool:
    """Report each group of steps whose rules form a cycle; True if any."""
    successors: dict[str, list[str]] = {}
    indegree: dict[str, int] = {}
    for rule in rules:
        successors.setdefault(rule.before, []).append(rule.after)
        successors.setdefault(rule.after, [])
        indegree[rule.after] = indegree.get(rule.after, 0) + 1
        indegree.setdefault(rule.before, 0)

    # Kahn's algorithm: whatever cannot be peeled off lies on or behind a
    # cycle. Valid keys (the common case) finish here in linear time.
    ready = [n for n, d in indegree.items() if d == 0]
    while ready:
        node = ready.pop()
        for nxt in successors[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    stuck = sorted(n for n, d in indegree.items() if d > 0)
    if not stuck:
        return False

    # Only broken keys get here, and keys are small, so plain reachability is
    # clear enough to split the stuck steps into their separate cycles.
    reach = {n: _reachable(n, successors) for n in stuck}
    grouped: set[str] = set()
    for node in stuck:
        if node in grouped or node not in reach[node]:
            continue
        group = sorted(m for m in stuck if m in reach[node] and node in reach[m])
        grouped.update(group)
        listed = ", ".join(repr(m) for m in group)
        problems.append(
            KeyProblem(
                ProblemCode.ORDER_RULE_CYCLE,
                f"order rules form a cycle among steps: {listed}",
            )
        )
    return True


def _reachable(start: str, successors: dict[str, list[str]]) -> set[str]:
    """Nodes reachable from ``start`` by one or more edges."""
    seen: set[str] = set()
    stack = list(successors[start])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(successors[node])
    return seen


def _check_expert_path(key: CaseKey, rules: list[OrderRule], problems: list[KeyProblem]) -> None:
    index = {slug: i for i, slug in enumerate(expert_path(key))}
    for rule in rules:
        if rule.after not in index:
            continue
        before_at = index.get(rule.before)
        if before_at is None:
            problems.append(
                KeyProblem(
                    ProblemCode.EXPERT_PATH_BREAKS_RULE,
                    f"the expert path includes {rule.after!r} but not its "
                    f"prerequisite {rule.before!r} (not essential or useful)",
                )
            )
        elif before_at > index[rule.after]:
            problems.append(
                KeyProblem(
                    ProblemCode.EXPERT_PATH_BREAKS_RULE,
                    f"the expert path puts {rule.after!r} before its "
                    f"prerequisite {rule.before!r}; adjust expert positions",
                )
            )


def _check_settings(scoring: ScoringSettings, problems: list[KeyProblem]) -> None:
    values = scoring.to_dict()
    for name, value in values.items():
        if not _is_real(value) or value < 0:
            problems.append(
                KeyProblem(
                    ProblemCode.INVALID_SETTING,
                    f"{name} is {value!r}; it must be a finite number >= 0",
                )
            )
    if any(not _is_real(v) for v in values.values()):
        return
    weight_sum = scoring.workup_weight + scoring.diagnosis_weight
    if not math.isclose(weight_sum, 1.0, rel_tol=0.0, abs_tol=_WEIGHT_SUM_TOLERANCE):
        problems.append(
            KeyProblem(
                ProblemCode.INVALID_SETTING,
                f"workup_weight + diagnosis_weight is {weight_sum!r}; it must be 1",
            )
        )
    if scoring.harmful_cap > 100:
        problems.append(
            KeyProblem(
                ProblemCode.INVALID_SETTING,
                f"harmful_cap is {scoring.harmful_cap!r}; it must be at most 100",
            )
        )


# --------------------------------------------------------------------------
# Grading
# --------------------------------------------------------------------------


def grade(key: CaseKey, attempt: Attempt) -> Report:
    """Grade ``attempt`` against ``key``.

    Raises ``InvalidKeyError`` (a ``ValueError``) when ``validate_key`` finds
    problems, and ``ValueError`` when the attempt lists a step more than
    once: the service never lets that happen, and silently scoring a repeat
    would hide the bug rather than grade the learner.

    Per chosen step: an essential step earns ``essential_total_points``
    divided by the number of keyed essentials; useful earns 0; low-yield and
    unkeyed (``not_contributory``) steps lose ``low_yield_penalty``; harmful
    steps lose ``harmful_penalty``. A keyed step chosen while any order rule
    ``A before it`` is unmet (A chosen later or never) is ``premature``: it
    earns no credit and loses ``harmful_penalty`` if any broken rule counts
    as harmful, else ``low_yield_penalty``; a step keyed harmful keeps at
    least its harmful penalty. Each step is penalised once however many rules
    it breaks, and every broken rule is reported.

    ``workup = clamp(sum of points, 0, 100)``, ``diagnosis = 100 * credit``,
    ``total = workup_weight * workup + diagnosis_weight * diagnosis``, capped
    at ``harmful_cap`` when any step is harmful or premature under a rule
    that counts as harmful. Figures are rounded only when the report is
    built (see ``round_half_up``).
    """
    problems = validate_key(key)
    if problems:
        raise InvalidKeyError(problems)
    _check_attempt(attempt)

    scoring = key.scoring
    keyed = {step.slug: step for step in key.steps}
    essential_total = sum(1 for s in key.steps if s.tier is Tier.ESSENTIAL)
    per_essential = scoring.essential_total_points / essential_total
    chosen_at = {slug: i for i, slug in enumerate(attempt.steps, start=1)}
    rules_by_after: dict[str, list[OrderRule]] = {}
    for rule in key.order_rules:
        rules_by_after.setdefault(rule.after, []).append(rule)

    lines: list[ChoiceLine] = []
    violations: list[OrderViolation] = []
    raw_workup = 0.0
    cap_triggered = False
    relevant = 0
    essential_chosen = 0
    essential_credited = 0

    for position, slug in enumerate(attempt.steps, start=1):
        step = keyed.get(slug)
        if step is None:
            points = -scoring.low_yield_penalty
            raw_workup += points
            lines.append(
                ChoiceLine(
                    position=position,
                    step=slug,
                    tier=None,
                    verdict=Verdict.NOT_CONTRIBUTORY,
                    points=round_half_up(points),
                    rationale="",
                    citations=(),
                    broken_rules=(),
                )
            )
            continue

        broken = tuple(
            rule for rule in rules_by_after.get(slug, ()) if chosen_at.get(rule.before, position + 1) > position
        )
        tier_points = _tier_points(step.tier, scoring, per_essential)
        if step.tier in (Tier.ESSENTIAL, Tier.USEFUL):
            relevant += 1
        if step.tier is Tier.ESSENTIAL:
            essential_chosen += 1

        if broken:
            counts_as_harmful = any(r.premature_counts_as_harmful for r in broken)
            rule_points = -(scoring.harmful_penalty if counts_as_harmful else scoring.low_yield_penalty)
            # The worse of the two, so that timing can never soften a step
            # keyed harmful; an essential's positive credit is simply lost.
            points = min(rule_points, tier_points)
            verdict = Verdict.PREMATURE
            cap_triggered = cap_triggered or counts_as_harmful or step.tier is Tier.HARMFUL
            violations.extend(
                OrderViolation(
                    step=slug,
                    before=rule.before,
                    rationale=rule.rationale,
                    citations=rule.citations,
                    position=position,
                    before_position=chosen_at.get(rule.before),
                    counts_as_harmful=rule.premature_counts_as_harmful,
                )
                for rule in broken
            )
        else:
            points = tier_points
            verdict = _TIER_VERDICT[step.tier]
            cap_triggered = cap_triggered or step.tier is Tier.HARMFUL
            if step.tier is Tier.ESSENTIAL:
                essential_credited += 1

        raw_workup += points
        lines.append(
            ChoiceLine(
                position=position,
                step=slug,
                tier=step.tier,
                verdict=verdict,
                points=round_half_up(points),
                rationale=step.rationale,
                citations=step.citations,
                broken_rules=broken,
            )
        )

    missed = tuple(
        MissedEssential(step=s.slug, rationale=s.rationale, citations=s.citations)
        for s in sorted(key.steps, key=_expert_sort_key)
        if s.tier is Tier.ESSENTIAL and s.slug not in chosen_at
    )

    diagnosis, credit = _grade_diagnosis(key.diagnosis_options, attempt.diagnosis)

    workup_score = min(max(raw_workup, 0.0), 100.0)
    diagnosis_score = 100.0 * credit
    uncapped = scoring.workup_weight * workup_score + scoring.diagnosis_weight * diagnosis_score
    total = min(uncapped, scoring.harmful_cap) if cap_triggered else uncapped

    n_chosen = len(attempt.steps)
    efficiency = relevant / n_chosen if n_chosen else None

    return Report(
        engine_version=ENGINE_VERSION,
        lines=tuple(lines),
        missed_essentials=missed,
        order_violations=tuple(violations),
        diagnosis=diagnosis,
        workup_score=round_half_up(workup_score),
        diagnosis_score=round_half_up(diagnosis_score),
        total=round_half_up(total),
        uncapped_total=round_half_up(uncapped),
        capped=cap_triggered and uncapped > scoring.harmful_cap,
        cap_triggered=cap_triggered,
        efficiency=None if efficiency is None else round_half_up(efficiency, 3),
        efficiency_percent=(None if efficiency is None else round_half_up(100.0 * efficiency, 1)),
        expert_path=expert_path(key),
        learner_path=attempt.steps,
        scoring=scoring,
        essential_total=essential_total,
        essential_chosen=essential_chosen,
        essential_credited=essential_credited,
    )


def _check_attempt(attempt: Attempt) -> None:
    seen: set[str] = set()
    repeated: list[str] = []
    for slug in attempt.steps:
        if slug in seen and slug not in repeated:
            repeated.append(slug)
        seen.add(slug)
    if repeated:
        listed = ", ".join(repr(s) for s in repeated)
        raise ValueError(f"attempt chooses step(s) more than once: {listed}; each step may be chosen at most once")


def _tier_points(tier: Tier, scoring: ScoringSettings, per_essential: float) -> float:
    if tier is Tier.ESSENTIAL:
        return per_essential
    if tier is Tier.USEFUL:
        return 0.0
    if tier is Tier.LOW_YIELD:
        return -scoring.low_yield_penalty
    return -scoring.harmful_penalty


def _grade_diagnosis(options: tuple[DiagnosisOption, ...], chosen: str | None) -> tuple[DiagnosisResult, float]:
    """Return the diagnosis part of the report and the unrounded credit."""
    correct = next(o for o in options if o.credit == 1.0)
    option = None if chosen is None else next((o for o in options if o.cause == chosen), None)
    credit = 0.0 if option is None else float(option.credit)
    if chosen is None:
        verdict = DiagnosisVerdict.NONE
    elif credit == 1.0:
        verdict = DiagnosisVerdict.CORRECT
    elif credit > 0.0:
        verdict = DiagnosisVerdict.PARTIAL
    else:
        verdict = DiagnosisVerdict.INCORRECT
    explained = correct if option is None else option
    result = DiagnosisResult(
        chosen=chosen,
        credit=credit,
        verdict=verdict,
        points=round_half_up(100.0 * credit),
        rationale=explained.rationale,
        citations=explained.citations,
        correct_cause=correct.cause,
        correct_rationale=correct.rationale,
        correct_citations=correct.citations,
    )
    return result, credit
