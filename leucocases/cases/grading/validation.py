"""``validate_key``: everything that makes a case key ungradeable.

The importer and the admin show these problems to authors, so each names
the entries, occurrences and values concerned in plain words. A key item is
named by its slug, with "(occurrence n)" when n is not 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .order_checks import check_expert_path, check_rules, report_cycles
from .paths import EXPERT_TIERS, Item, is_occurrence, item_text
from .types import (
    CaseKey,
    DiagnosisOption,
    GradeBands,
    KeyedStep,
    KeyProblem,
    ProblemCode,
    ScoringSettings,
    Tier,
)

__all__ = ["is_real", "validate_key"]

# Floats that should sum to exactly 1 rarely do (0.1 + 0.2); this is far
# below anything a rounded score could show.
_WEIGHT_SUM_TOLERANCE = 1e-9


def is_real(value: object) -> bool:
    """A finite int or float, not a bool."""
    # bool is an int subclass; a True credit or weight is a data-entry slip,
    # not the number 1.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


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
    rules = check_rules(key.order_rules, keyed, problems)
    if not report_cycles(rules, keyed, problems):
        # A cyclic rule set cannot be obeyed by any path, so an expert-path
        # complaint would only repeat the cycle problem less clearly.
        check_expert_path(key, keyed, rules, problems)
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
        if not is_occurrence(step.occurrence):
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
                ProblemCode.NO_ESSENTIAL_STEP, "the key has no essential step, so workup credit cannot be shared out"
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
    name = item_text(step.slug, step.occurrence) if is_occurrence(step.occurrence) else repr(step.slug)
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
                KeyProblem(ProblemCode.DUPLICATE_DIAGNOSIS, f"cause {option.cause!r} is listed more than once")
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
        problems.append(KeyProblem(ProblemCode.NO_FULL_CREDIT_DIAGNOSIS, "no diagnosis option has full credit (1.0)"))
    elif len(full_credit) > 1:
        listed = ", ".join(repr(c) for c in full_credit)
        problems.append(
            KeyProblem(
                ProblemCode.MULTIPLE_FULL_CREDIT_DIAGNOSES, f"exactly one cause may have full credit, found: {listed}"
            )
        )


# --------------------------------------------------------------------------
# Scoring settings
# --------------------------------------------------------------------------


def _check_settings(scoring: ScoringSettings, problems: list[KeyProblem]) -> None:
    values = scoring.numbers()
    for name, value in values.items():
        if not is_real(value) or value < 0:
            problems.append(
                KeyProblem(ProblemCode.INVALID_SETTING, f"{name} is {value!r}; it must be a finite number >= 0")
            )
    _check_bands(scoring.grade_bands, problems)
    if any(not is_real(v) for v in values.values()):
        return
    weight_sum = scoring.workup_weight + scoring.diagnosis_weight
    if not math.isclose(weight_sum, 1.0, rel_tol=0.0, abs_tol=_WEIGHT_SUM_TOLERANCE):
        problems.append(
            KeyProblem(ProblemCode.INVALID_SETTING, f"workup_weight + diagnosis_weight is {weight_sum!r}; it must be 1")
        )
    for name in ("harmful_cap", "never_total"):
        if values[name] > 100:
            problems.append(
                KeyProblem(ProblemCode.INVALID_SETTING, f"{name} is {values[name]!r}; it must be at most 100")
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
