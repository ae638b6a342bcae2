"""validate_key on the fields of engine 2: occurrences, weights, any-of
groups, never items, order rules naming occurrences, never total and grade
bands. Authors read these messages in the importer and the admin, so the
tests check that each names what is wrong."""

from __future__ import annotations

import math

import pytest

from leucocases.cases.grading import (
    Attempt,
    CaseKey,
    DiagnosisOption,
    GradeBands,
    InvalidKeyError,
    KeyedStep,
    OrderRule,
    ProblemCode,
    ScoringSettings,
    Tier,
    grade,
    validate_key,
)

ANCHOR = KeyedStep("anchor", Tier.ESSENTIAL)


def key_of(*steps: KeyedStep, rules: tuple[OrderRule, ...] = (), scoring: ScoringSettings | None = None) -> CaseKey:
    return CaseKey((ANCHOR, *steps), (DiagnosisOption("x", 1.0),), rules, scoring or ScoringSettings())


def messages(key: CaseKey) -> list[tuple[ProblemCode, str]]:
    return [(p.code, p.message) for p in validate_key(key)]


def codes(key: CaseKey) -> list[ProblemCode]:
    return [p.code for p in validate_key(key)]


def test_a_key_using_every_new_field_is_valid() -> None:
    """Occurrences, weights, a group, a never item and an occurrence rule
    together make a valid key."""
    key = key_of(
        KeyedStep("count", Tier.USEFUL, expert_position=1),
        KeyedStep("count", Tier.ESSENTIAL, expert_position=3, occurrence=2),
        KeyedStep("withhold", Tier.ESSENTIAL, expert_position=2, weight=2.5),
        KeyedStep("ebv", Tier.ESSENTIAL, any_of="viral"),
        KeyedStep("cmv", Tier.ESSENTIAL, any_of="viral", weight=2),
        KeyedStep("continue", Tier.NEVER),
        rules=(OrderRule("withhold", "count", after_occurrence=2),),
        scoring=ScoringSettings(never_total=10, grade_bands=GradeBands(95, 85, 75, 65, 55)),
    )
    assert validate_key(key) == []


@pytest.mark.parametrize("occurrence", [0, -1, True, 1.5])
def test_an_occurrence_is_a_whole_number_from_1(occurrence: int) -> None:
    """Occurrence 0, negative, boolean or fractional is flagged with the value."""
    [(code, message)] = messages(key_of(KeyedStep("count", Tier.USEFUL, occurrence=occurrence)))

    assert code is ProblemCode.INVALID_OCCURRENCE
    assert f"occurrence {occurrence!r}" in message


def test_keying_a_later_occurrence_needs_the_earlier_ones() -> None:
    """Occurrence 3 without 2 is a gap: the message names both."""
    key = key_of(KeyedStep("count", Tier.USEFUL), KeyedStep("count", Tier.ESSENTIAL, occurrence=3))

    assert messages(key) == [
        (
            ProblemCode.OCCURRENCE_GAP,
            "step 'count' keys occurrence 3 but not occurrence 2; key every earlier occurrence too",
        )
    ]


def test_the_same_occurrence_keyed_twice_is_a_duplicate_but_two_occurrences_are_not() -> None:
    """(count, 2) twice is a duplicate named by its occurrence; (count, 1)
    and (count, 2) are two items."""
    twice = key_of(
        KeyedStep("count", Tier.USEFUL),
        KeyedStep("count", Tier.ESSENTIAL, occurrence=2),
        KeyedStep("count", Tier.LOW_YIELD, occurrence=2),
    )

    assert messages(twice) == [(ProblemCode.DUPLICATE_STEP, "occurrence 2 of step 'count' is keyed more than once")]
    assert validate_key(key_of(KeyedStep("count", Tier.USEFUL), KeyedStep("count", Tier.USEFUL, occurrence=2))) == []


@pytest.mark.parametrize("weight", [0, -1, math.nan, math.inf, True, "2"])
def test_a_weight_is_a_finite_number_above_0(weight: float) -> None:
    """Zero, negative, non-finite, boolean or text weights are flagged."""
    assert codes(key_of(KeyedStep("a", Tier.ESSENTIAL, weight=weight))) == [ProblemCode.INVALID_WEIGHT]


@pytest.mark.parametrize("tier", [Tier.USEFUL, Tier.LOW_YIELD, Tier.HARMFUL, Tier.NEVER])
def test_only_essentials_carry_a_weight(tier: Tier) -> None:
    """A weight other than 1 on another tier is flagged; 1 (the default) is fine."""
    [(code, message)] = messages(key_of(KeyedStep("a", tier, weight=2)))

    assert code is ProblemCode.WEIGHT_NOT_ESSENTIAL
    assert message == f"step 'a' is {tier} but has weight 2.0; only essential steps carry a weight"
    assert validate_key(key_of(KeyedStep("a", tier, weight=1))) == []


def test_only_essentials_form_any_of_groups() -> None:
    """A useful step in a group is flagged, naming the group."""
    key = key_of(
        KeyedStep("ebv", Tier.ESSENTIAL, any_of="viral"),
        KeyedStep("cmv", Tier.ESSENTIAL, any_of="viral"),
        KeyedStep("hiv", Tier.USEFUL, any_of="viral"),
    )

    assert messages(key) == [
        (
            ProblemCode.ANY_OF_NOT_ESSENTIAL,
            "step 'hiv' is useful but is in any-of group 'viral'; only essential steps form any-of groups",
        )
    ]


def test_an_any_of_group_needs_two_members() -> None:
    """A group of one is flagged (it would be a plain essential)."""
    [(code, message)] = messages(key_of(KeyedStep("ebv", Tier.ESSENTIAL, any_of="viral")))

    assert code is ProblemCode.ANY_OF_SINGLE_MEMBER
    assert "'viral' has one member" in message


@pytest.mark.parametrize("tier", [Tier.LOW_YIELD, Tier.HARMFUL, Tier.NEVER])
def test_only_essential_and_useful_steps_have_an_expert_position(tier: Tier) -> None:
    """Never, harmful and low-yield items cannot be put in the expert path."""
    [(code, message)] = messages(key_of(KeyedStep("a", tier, expert_position=1)))

    assert code is ProblemCode.EXPERT_POSITION_TIER
    assert code.value == "expert_position_tier"  # the case-file checker's own code
    assert message.startswith(f"step 'a' is {tier} but has an expert position")


def test_the_expert_path_must_order_occurrences_in_turn() -> None:
    """Expert positions that put the second count before the first are flagged."""
    key = key_of(
        KeyedStep("count", Tier.USEFUL, expert_position=5),
        KeyedStep("count", Tier.ESSENTIAL, expert_position=2, occurrence=2),
    )
    [(code, message)] = messages(key)

    assert code is ProblemCode.EXPERT_PATH_SKIPS_OCCURRENCE
    assert "orders the occurrences of 'count' as [2, 1]" in message


def test_the_expert_path_cannot_skip_an_occurrence() -> None:
    """An essential second count after a low-yield first one: replaying the
    expert path would order the count once, so it is flagged."""
    key = key_of(KeyedStep("count", Tier.LOW_YIELD), KeyedStep("count", Tier.ESSENTIAL, occurrence=2))

    assert messages(key) == [
        (
            ProblemCode.EXPERT_PATH_SKIPS_OCCURRENCE,
            "the expert path includes 'count' (occurrence 2) but not 'count' (keyed low_yield, not essential or "
            "useful), so replaying it would not reach the occurrence it lists",
        )
    ]


def test_order_rules_must_name_keyed_occurrences() -> None:
    """A rule on the second count when only one count is keyed names it."""
    key = key_of(
        KeyedStep("count", Tier.USEFUL),
        KeyedStep("withhold", Tier.ESSENTIAL),
        rules=(OrderRule("withhold", "count", after_occurrence=2),),
    )

    assert messages(key) == [
        (
            ProblemCode.RULE_UNKEYED_STEP,
            "order rule 'withhold' before 'count' (occurrence 2) names unkeyed step(s): 'count' (occurrence 2)",
        )
    ]


@pytest.mark.parametrize("field", ["before_occurrence", "after_occurrence"])
def test_rule_occurrences_are_whole_numbers_from_1(field: str) -> None:
    """A rule naming occurrence 0 is flagged."""
    rule = OrderRule("anchor", "a", **{field: 0})  # type: ignore[arg-type]
    assert codes(key_of(KeyedStep("a", Tier.USEFUL), rules=(rule,))) == [ProblemCode.INVALID_OCCURRENCE]


def test_rules_on_different_occurrences_are_not_duplicates() -> None:
    """Withhold before count 1 and before count 2 are two rules; either twice is one too many."""
    steps = (KeyedStep("w", Tier.ESSENTIAL), KeyedStep("c", Tier.USEFUL), KeyedStep("c", Tier.USEFUL, occurrence=2))
    first, second = OrderRule("w", "c"), OrderRule("w", "c", after_occurrence=2)

    assert validate_key(key_of(*steps, rules=(first, second))) == []
    assert codes(key_of(*steps, rules=(first, second, second))) == [ProblemCode.DUPLICATE_ORDER_RULE]


def test_occurrences_come_in_turn_so_rules_against_that_order_are_a_cycle() -> None:
    """'Withhold before the first count' and 'the second count before
    withholding' cannot both be obeyed: the second count follows the first."""
    key = key_of(
        KeyedStep("w", Tier.USEFUL),
        KeyedStep("c", Tier.LOW_YIELD),
        KeyedStep("c", Tier.LOW_YIELD, occurrence=2),
        rules=(OrderRule("w", "c"), OrderRule("c", "w", before_occurrence=2)),
    )

    assert messages(key) == [
        (ProblemCode.ORDER_RULE_CYCLE, "order rules form a cycle among steps: 'c', 'c' (occurrence 2), 'w'")
    ]


def test_the_expert_path_must_obey_rules_on_occurrences() -> None:
    """An expert path with the follow-up count before withholding is flagged."""
    key = key_of(
        KeyedStep("c", Tier.USEFUL, expert_position=1),
        KeyedStep("c", Tier.ESSENTIAL, expert_position=2, occurrence=2),
        KeyedStep("w", Tier.ESSENTIAL, expert_position=3),
        rules=(OrderRule("w", "c", after_occurrence=2),),
    )

    assert messages(key) == [
        (
            ProblemCode.EXPERT_PATH_BREAKS_RULE,
            "the expert path puts 'c' (occurrence 2) before its prerequisite 'w'; adjust expert positions",
        )
    ]


@pytest.mark.parametrize(
    ("scoring", "message"),
    [
        (ScoringSettings(never_total=120), "never_total is 120.0; it must be at most 100"),
        (ScoringSettings(never_total=-1), "never_total is -1.0; it must be a finite number >= 0"),
        (ScoringSettings(never_total=math.nan), "never_total is nan; it must be a finite number >= 0"),
    ],
)
def test_the_never_total_lies_within_0_to_100(scoring: ScoringSettings, message: str) -> None:
    """A never total outside 0..100 is an invalid setting named as such."""
    assert messages(key_of(scoring=scoring)) == [(ProblemCode.INVALID_SETTING, message)]


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (GradeBands(a=101), "grade_bands.A is 101.0; a band's lowest total is a number from 0 to 100"),
        (GradeBands(e=-5), "grade_bands.E is -5.0; a band's lowest total is a number from 0 to 100"),
        (GradeBands(c=math.inf), "grade_bands.C is inf; a band's lowest total is a number from 0 to 100"),
        (
            GradeBands(b=90),
            "grade_bands.B is 90.0, not below grade_bands.A (90.0); the bands must fall strictly from A to E",
        ),
        (
            GradeBands(d=75),
            "grade_bands.D is 75.0, not below grade_bands.C (70.0); the bands must fall strictly from A to E",
        ),
    ],
)
def test_grade_bands_lie_within_0_to_100_and_fall_strictly(bands: GradeBands, message: str) -> None:
    """Out-of-range bands, and bands that do not fall from A to E, are flagged."""
    assert messages(key_of(scoring=ScoringSettings(grade_bands=bands))) == [(ProblemCode.INVALID_GRADE_BANDS, message)]


def test_grade_refuses_a_key_with_engine_2_problems() -> None:
    """grade() raises InvalidKeyError listing the new problems too."""
    with pytest.raises(InvalidKeyError, match="invalid_weight"):
        grade(key_of(KeyedStep("a", Tier.ESSENTIAL, weight=0)), Attempt(("a",)))


def test_a_v1_key_needs_none_of_the_new_fields() -> None:
    """A key built as engine 1 built it (positional fields only) is valid and
    its items are occurrence 1, weight 1, in no group."""
    step = KeyedStep("a", Tier.ESSENTIAL, "why", ("ref",), 1)
    rule = OrderRule("a", "b", "first a", ("ref",), False)
    key = CaseKey((step, KeyedStep("b", Tier.USEFUL, "", (), 2)), (DiagnosisOption("x", 1.0, "", ()),), (rule,))

    assert validate_key(key) == []
    assert (step.occurrence, step.weight, step.any_of) == (1, 1.0, "")
    assert (rule.before_item, rule.after_item) == (("a", 1), ("b", 1))
    assert (key.scoring.never_total, key.scoring.grade_bands) == (0.0, GradeBands())
