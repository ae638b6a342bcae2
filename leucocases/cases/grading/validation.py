"""``validate_key``: everything that makes a case key ungradeable.

The importer and the admin show these problems to authors, so each names
the entries, occurrences and values concerned in plain words. A key item is
named by its slug, with "(occurrence n)" when n is not 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .paths import EXPERT_TIERS, expert_items
from .types import (
    CaseKey,
    DiagnosisOption,
    GradeBands,
    KeyedStep,
    KeyProblem,
    OrderRule,
    ProblemCode,
    ScoringSettings,
    Tier,
)

__all__ = ["is_real", "validate_key"]

# Floats that should sum to exactly 1 rarely do (0.1 + 0.2); this is far
# below anything a rounded score could show.
_WEIGHT_SUM_TOLERANCE = 1e-9

Item = tuple[str, int]


def is_real(value: object) -> bool:
    """A finite int or float, not a bool."""
    # bool is an int subclass; a True credit or weight is a data-entry slip,
    # not the number 1.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_occurrence(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def item_text(slug: str, occurrence: int) -> str:
    """``'cbc'`` for occurrence 1, ``'cbc' (occurrence 2)`` otherwise."""
    return repr(slug) if occurrence == 1 else f"{slug!r} (occurrence {occurrence})"


def validate_key(key: CaseKey) -> list[KeyProblem]:
    """List everything that makes ``key`` ungradeable; empty means valid.

    Checks the key items: non-empty slugs; occurrences that are whole
    numbers from 1, each (slug, occurrence) keyed once, and occurrence n of
    an entry keyed only with occurrences 1..n-1; at least one essential;
    weights finite and > 0, and other than 1 only on essentials; any-of
    groups only on essentials and of at least two members; expert positions
    only on essential and useful items. The diagnosis options: unique causes
    with finite credit in 0..1, exactly one of them 1.0. The order rules:
    both ends keyed items, no rule given twice, no cycle (an entry's
    occurrences come in turn, so that order counts too). The expert path:
    it orders each entry's occurrences 1, 2, ... in turn and obeys every
    order rule. The scoring settings: finite and non-negative, weights
    summing to 1, cap and never total at most 100, grade bands within
    0..100 and falling strictly from A to E.
    """
    problems: list[KeyProblem] = []
    keyed = _check_steps(key.steps, problems)
    _check_diagnoses(key.diagnosis_options, problems)
    rules = _check_rules(key.order_rules, keyed, problems)
    if not _report_cycles(rules, keyed, problems):
        # A cyclic rule set cannot be obeyed by any path, so an expert-path
        # complaint would only repeat the cycle problem less clearly.
        _check_expert_path(key, keyed, rules, problems)
    _check_settings(key.scoring, problems)
    return problems


# --------------------------------------------------------------------------
# Key items
# --------------------------------------------------------------------------


def _check_steps(steps: Iterable[KeyedStep], problems: list[KeyProblem]) -> set[Item]:
    """Report bad items; return the keyed (slug, occurrence) pairs."""
    keyed: set[Item] = set()
    groups: dict[str, int] = {}
    has_essential = False
    for step in steps:
        if not step.slug.strip():
            problems.append(KeyProblem(ProblemCode.EMPTY_SLUG, "a keyed step has an empty slug"))
        if not _is_occurrence(step.occurrence):
            problems.append(
                KeyProblem(
                    ProblemCode.INVALID_OCCURRENCE,
                    f"step {step.slug!r} has occurrence {step.occurrence!r}; an occurrence is a whole number from 1",
                )
            )
        elif step.item in keyed:
            what = "step" if step.occurrence == 1 else f"occurrence {step.occurrence} of step"
            problems.append(KeyProblem(ProblemCode.DUPLICATE_STEP, f"{what} {step.slug!r} is keyed more than once"))
        else:
            keyed.add(step.item)
        has_essential = has_essential or step.tier is Tier.ESSENTIAL
        _check_item_fields(step, problems)
        if step.any_of and step.tier is Tier.ESSENTIAL:
            groups[step.any_of] = groups.get(step.any_of, 0) + 1

    if not has_essential:
        problems.append(
            KeyProblem(
                ProblemCode.NO_ESSENTIAL_STEP,
                "the key has no essential step, so workup credit cannot be shared out",
            )
        )
    _check_occurrence_gaps(keyed, problems)
    for label, members in groups.items():
        if members < 2:
            problems.append(
                KeyProblem(
                    ProblemCode.ANY_OF_SINGLE_MEMBER,
                    f"any-of group {label!r} has one member; a group needs at least two essential "
                    "alternatives (or leave any_of empty)",
                )
            )
    return keyed


def _check_item_fields(step: KeyedStep, problems: list[KeyProblem]) -> None:
    """The fields of engine 2 that only some tiers may set."""
    if type(step.weight) is float and step.weight == 1.0 and not step.any_of and step.expert_position is None:
        return  # the common case, and engine 1's: nothing to check
    name = item_text(step.slug, step.occurrence) if _is_occurrence(step.occurrence) else repr(step.slug)
    if not is_real(step.weight) or step.weight <= 0:
        problems.append(
            KeyProblem(
                ProblemCode.INVALID_WEIGHT,
                f"step {name} has weight {step.weight!r}; a weight is a finite number above 0",
            )
        )
    elif step.tier is not Tier.ESSENTIAL and step.weight != 1.0:
        problems.append(
            KeyProblem(
                ProblemCode.WEIGHT_NOT_ESSENTIAL,
                f"step {name} is {step.tier} but has weight {step.weight!r}; only essential steps carry a weight",
            )
        )
    if step.any_of and step.tier is not Tier.ESSENTIAL:
        problems.append(
            KeyProblem(
                ProblemCode.ANY_OF_NOT_ESSENTIAL,
                f"step {name} is {step.tier} but is in any-of group {step.any_of!r}; "
                "only essential steps form any-of groups",
            )
        )
    if step.expert_position is not None and step.tier not in EXPERT_TIERS:
        problems.append(
            KeyProblem(
                ProblemCode.EXPERT_POSITION_TIER,
                f"step {name} is {step.tier} but has an expert position; only essential and useful "
                "steps have a place in the expert path",
            )
        )


def _check_occurrence_gaps(keyed: set[Item], problems: list[KeyProblem]) -> None:
    occurrences: dict[str, set[int]] = {}
    for slug, occurrence in keyed:
        occurrences.setdefault(slug, set()).add(occurrence)
    for slug in sorted(occurrences):
        present = occurrences[slug]
        if len(present) == max(present):
            continue  # 1..n, all there
        missing = [n for n in range(1, max(present)) if n not in present]
        if missing:
            listed = ", ".join(str(n) for n in missing)
            problems.append(
                KeyProblem(
                    ProblemCode.OCCURRENCE_GAP,
                    f"step {slug!r} keys occurrence {max(present)} but not occurrence {listed}; "
                    "key every earlier occurrence too",
                )
            )


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
        if not is_real(option.credit) or not 0.0 <= option.credit <= 1.0:
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


# --------------------------------------------------------------------------
# Order rules
# --------------------------------------------------------------------------


def _rule_text(rule: OrderRule) -> str:
    return f"order rule {item_text(*rule.before_item)} before {item_text(*rule.after_item)}"


def _check_rules(rules: Iterable[OrderRule], keyed: set[Item], problems: list[KeyProblem]) -> list[OrderRule]:
    """Report bad rules; return the ones sound enough for the later checks."""
    usable: list[OrderRule] = []
    seen: set[tuple[Item, Item]] = set()
    for rule in rules:
        bad = [n for n in (rule.before_occurrence, rule.after_occurrence) if not _is_occurrence(n)]
        if bad:
            problems.append(
                KeyProblem(
                    ProblemCode.INVALID_OCCURRENCE,
                    f"order rule {rule.before!r} before {rule.after!r} names occurrence {bad[0]!r}; "
                    "an occurrence is a whole number from 1",
                )
            )
            continue
        unkeyed = [item for item in (rule.before_item, rule.after_item) if item not in keyed]
        if unkeyed:
            listed = ", ".join(item_text(*item) for item in dict.fromkeys(unkeyed))
            problems.append(
                KeyProblem(ProblemCode.RULE_UNKEYED_STEP, f"{_rule_text(rule)} names unkeyed step(s): {listed}")
            )
            continue
        pair = (rule.before_item, rule.after_item)
        if pair in seen:
            problems.append(KeyProblem(ProblemCode.DUPLICATE_ORDER_RULE, f"{_rule_text(rule)} is given more than once"))
            continue
        seen.add(pair)
        usable.append(rule)
    return usable


def _report_cycles(rules: list[OrderRule], keyed: set[Item], problems: list[KeyProblem]) -> bool:
    """Report each group of items whose rules form a cycle; True if any.

    Occurrence n of an entry always comes after occurrence n-1, so those
    implicit edges join the rules': "the second count before the drug is
    withheld" and "withhold the drug before the first count" cannot both
    be obeyed.
    """
    successors: dict[Item, list[Item]] = {}
    indegree: dict[Item, int] = {}

    def edge(before: Item, after: Item) -> None:
        successors.setdefault(before, []).append(after)
        successors.setdefault(after, [])
        indegree[after] = indegree.get(after, 0) + 1
        indegree.setdefault(before, 0)

    for rule in rules:
        edge(rule.before_item, rule.after_item)
    if not rules:
        return False
    for slug, occurrence in sorted(keyed):
        if occurrence > 1 and (slug, occurrence - 1) in keyed:
            edge((slug, occurrence - 1), (slug, occurrence))

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
    # clear enough to split the stuck items into their separate cycles.
    reach = {n: _reachable(n, successors) for n in stuck}
    grouped: set[Item] = set()
    for node in stuck:
        if node in grouped or node not in reach[node]:
            continue
        group = sorted(m for m in stuck if m in reach[node] and node in reach[m])
        grouped.update(group)
        listed = ", ".join(item_text(*m) for m in group)
        problems.append(
            KeyProblem(
                ProblemCode.ORDER_RULE_CYCLE,
                f"order rules form a cycle among steps: {listed}",
            )
        )
    return True


def _reachable(start: Item, successors: dict[Item, list[Item]]) -> set[Item]:
    """Nodes reachable from ``start`` by one or more edges."""
    seen: set[Item] = set()
    stack = list(successors[start])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(successors[node])
    return seen


def _check_expert_path(key: CaseKey, keyed: set[Item], rules: list[OrderRule], problems: list[KeyProblem]) -> None:
    # Items with a bad occurrence were reported already and are left out.
    items = [step.item for step in expert_items(key) if step.item in keyed]
    by_slug: dict[str, list[int]] = {}
    for slug, occurrence in items:
        by_slug.setdefault(slug, []).append(occurrence)
    for slug, occurrences in by_slug.items():
        if occurrences != list(range(1, len(occurrences) + 1)):
            _report_expert_occurrences(key, keyed, slug, occurrences, problems)

    index = {item: i for i, item in enumerate(items)}
    for rule in rules:
        after_at = index.get(rule.after_item)
        if after_at is None:
            continue
        before_at = index.get(rule.before_item)
        if before_at is not None and before_at < after_at:
            continue
        after, before = item_text(*rule.after_item), item_text(*rule.before_item)
        if before_at is None:
            message = f"the expert path includes {after} but not its prerequisite {before} (not essential or useful)"
        else:
            message = f"the expert path puts {after} before its prerequisite {before}; adjust expert positions"
        problems.append(KeyProblem(ProblemCode.EXPERT_PATH_BREAKS_RULE, message))


def _report_expert_occurrences(
    key: CaseKey, keyed: set[Item], slug: str, occurrences: list[int], problems: list[KeyProblem]
) -> None:
    """Say why the expert path does not order ``slug``'s occurrences 1, 2, ...
    in turn, unless that is an item keyed twice or a gap, reported already."""
    keyed_occurrences = {n for s, n in keyed if s == slug}
    if len(set(occurrences)) < len(occurrences) or len(keyed_occurrences) != max(keyed_occurrences):
        return
    expected = list(range(1, len(occurrences) + 1))
    if sorted(occurrences) == expected:
        message = (
            f"the expert path orders the occurrences of {slug!r} as {occurrences}; "
            "adjust expert positions so occurrence 1 comes first, then 2, ..."
        )
    else:
        missing = next(n for n in expected if n not in occurrences)
        tier = next((step.tier for step in key.steps if step.item == (slug, missing)), None)
        why = "not keyed" if tier is None else f"keyed {tier}, not essential or useful"
        message = (
            f"the expert path includes {item_text(slug, max(occurrences))} but not "
            f"{item_text(slug, missing)} ({why}), so replaying it would not reach the occurrence it lists"
        )
    problems.append(KeyProblem(ProblemCode.EXPERT_PATH_SKIPS_OCCURRENCE, message))


# --------------------------------------------------------------------------
# Scoring settings
# --------------------------------------------------------------------------


def _check_settings(scoring: ScoringSettings, problems: list[KeyProblem]) -> None:
    values = scoring.numbers()
    for name, value in values.items():
        if not is_real(value) or value < 0:
            problems.append(
                KeyProblem(
                    ProblemCode.INVALID_SETTING,
                    f"{name} is {value!r}; it must be a finite number >= 0",
                )
            )
    _check_bands(scoring.grade_bands, problems)
    if any(not is_real(v) for v in values.values()):
        return
    weight_sum = scoring.workup_weight + scoring.diagnosis_weight
    if not math.isclose(weight_sum, 1.0, rel_tol=0.0, abs_tol=_WEIGHT_SUM_TOLERANCE):
        problems.append(
            KeyProblem(
                ProblemCode.INVALID_SETTING,
                f"workup_weight + diagnosis_weight is {weight_sum!r}; it must be 1",
            )
        )
    for name in ("harmful_cap", "never_total"):
        if values[name] > 100:
            problems.append(
                KeyProblem(
                    ProblemCode.INVALID_SETTING,
                    f"{name} is {values[name]!r}; it must be at most 100",
                )
            )


def _check_bands(bands: GradeBands, problems: list[KeyProblem]) -> None:
    thresholds = bands.thresholds()
    bad = False
    for letter, low in thresholds:
        if not is_real(low) or not 0 <= low <= 100:
            bad = True
            problems.append(
                KeyProblem(
                    ProblemCode.INVALID_GRADE_BANDS,
                    f"grade_bands.{letter} is {low!r}; a band's lowest total is a number from 0 to 100",
                )
            )
    if bad:
        return
    for (higher, high), (letter, low) in zip(thresholds, thresholds[1:], strict=False):
        if low >= high:
            problems.append(
                KeyProblem(
                    ProblemCode.INVALID_GRADE_BANDS,
                    f"grade_bands.{letter} is {low!r}, not below grade_bands.{higher} ({high!r}); "
                    "the bands must fall strictly from A to E",
                )
            )
