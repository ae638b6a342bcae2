"""Hand-worked examples for the grading engine.

The numbers in these tests are worked out by hand from the design doc's
rules, not copied from the engine's output.
"""

from __future__ import annotations

import ast
import json
import math
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from leucocases.cases.grading import (
    ENGINE_VERSION,
    Attempt,
    CaseKey,
    DiagnosisOption,
    DiagnosisVerdict,
    InvalidKeyError,
    KeyedStep,
    MissedEssential,
    OrderRule,
    ProblemCode,
    Report,
    ScoringSettings,
    Tier,
    Verdict,
    expert_path,
    grade,
    round_half_up,
    validate_key,
)

GRADING_DIR = Path(__file__).resolve().parents[3] / "leucocases" / "cases" / "grading"

SMEAR = "peripheral-smear"
CBC = "cbc-differential"
FLOW = "flow-cytometry"
MARROW = "bone-marrow-biopsy"
CRP = "crp"
LDH = "ldh"
PET = "pet-ct"
BCR_ABL = "bcr-abl-pcr"

CML = "chronic-myeloid-leukaemia"
LEUKAEMOID = "leukaemoid-reaction"
CMML = "cmml"


def make_key(
    *,
    rules: tuple[OrderRule, ...] = (),
    scoring: ScoringSettings | None = None,
) -> CaseKey:
    """Three essentials (CBC, smear, BCR-ABL), one useful, one low-yield,
    one harmful; CML full credit, CMML half credit, leukaemoid reaction 0."""
    return CaseKey(
        steps=(
            KeyedStep(CBC, Tier.ESSENTIAL, "Quantifies the leukocytosis.", ("WHO-5",), 1),
            KeyedStep(SMEAR, Tier.ESSENTIAL, "Shows the left shift.", ("BSH-2022",), 2),
            KeyedStep(BCR_ABL, Tier.ESSENTIAL, "Confirms CML.", ("ELN-2020",), 3),
            KeyedStep(LDH, Tier.USEFUL, "Supports turnover.", (), 4),
            KeyedStep(CRP, Tier.LOW_YIELD, "Non-specific here.", ()),
            KeyedStep(PET, Tier.HARMFUL, "Radiation, no benefit.", ("RCR",)),
            KeyedStep(MARROW, Tier.LOW_YIELD, "Not needed before PCR.", ()),
        ),
        diagnosis_options=(
            DiagnosisOption(CML, 1.0, "Basophilia and BCR-ABL1.", ("ELN-2020",)),
            DiagnosisOption(CMML, 0.5, "Myeloid neoplasm, wrong one.", ()),
            DiagnosisOption(LEUKAEMOID, 0.0, "No infection, basophilia.", ()),
        ),
        order_rules=rules,
        scoring=scoring if scoring is not None else ScoringSettings(),
    )


SMEAR_BEFORE_MARROW = OrderRule(SMEAR, MARROW, "Read the smear before invasive tests.", ("BSH-2022",))
CBC_BEFORE_MARROW = OrderRule(CBC, MARROW, "Count first.", ())
SMEAR_BEFORE_MARROW_MILD = OrderRule(
    SMEAR,
    MARROW,
    "Wasteful, not dangerous.",
    (),
    premature_counts_as_harmful=False,
)


# --------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------


def test_two_of_three_essentials_and_a_low_yield_step() -> None:
    """Two of three essentials plus one low-yield step: workup is
    2 x 33.33 - 5 = 61.67 -> 61.7, and with the full-credit diagnosis the
    total is 0.6 x 61.67 + 0.4 x 100 = 77.0."""
    report = grade(make_key(), Attempt((CBC, SMEAR, CRP), CML))

    assert [line.points for line in report.lines] == [33.3, 33.3, -5.0]
    assert [line.verdict for line in report.lines] == [
        Verdict.ESSENTIAL,
        Verdict.ESSENTIAL,
        Verdict.LOW_YIELD,
    ]
    assert report.workup_score == 61.7
    assert report.diagnosis_score == 100.0
    assert report.total == 77.0
    assert report.uncapped_total == 77.0
    assert not report.capped
    assert not report.cap_triggered
    assert report.missed_essentials == (MissedEssential(BCR_ABL, "Confirms CML.", ("ELN-2020",)),)
    assert (report.essential_total, report.essential_chosen) == (3, 2)
    assert report.essential_credited == 2


def test_case_format_worked_example() -> None:
    """The worked example in docs/case-format.md: two of three essentials
    plus an unkeyed step and the full-credit cause give workup 61.7, total
    77.0 and efficiency 66.7 %."""
    report = grade(make_key(), Attempt((CBC, "ferritin", SMEAR), CML))

    assert report.workup_score == 61.7
    assert report.total == 77.0
    assert report.efficiency == 0.667
    assert report.efficiency_percent == 66.7
    assert report.grade == "C"


def test_case_format_worked_example_variants() -> None:
    """The worked example's variants in docs/case-format.md: the unkeyed
    step ordered again costs 5 more (56.7, 74.0, 50 %); an essential that
    breaks a harmful-counting rule earns 33.3 - 25 = 8.3 and the total is
    capped at 40, grade F."""
    again = grade(make_key(), Attempt((CBC, "ferritin", SMEAR, "ferritin"), CML))
    early = grade(make_key(rules=(OrderRule(CBC, SMEAR),)), Attempt((SMEAR, "ferritin", CBC), CML))

    assert (again.workup_score, again.total, again.efficiency_percent) == (56.7, 74.0, 50.0)
    assert again.lines[-1].occurrence == 2
    assert early.lines[0].points == 8.3
    assert (early.workup_score, early.total, early.grade) == (36.7, 40.0, "F")


def test_perfect_attempt_scores_100() -> None:
    """All essentials, a useful step, the right cause: 100 across the board."""
    report = grade(make_key(), Attempt((CBC, SMEAR, BCR_ABL, LDH), CML))

    assert report.workup_score == 100.0
    assert report.total == 100.0
    assert report.efficiency == 1.0
    assert report.efficiency_percent == 100.0
    assert report.missed_essentials == ()
    assert report.order_violations == ()


def test_useful_step_earns_nothing_but_counts_as_efficient() -> None:
    """A useful step is worth 0 points but is a relevant choice."""
    report = grade(make_key(), Attempt((LDH, CRP), None))

    assert report.lines[0].verdict is Verdict.USEFUL
    assert report.lines[0].points == 0.0
    assert report.efficiency == 0.5
    assert report.efficiency_percent == 50.0


def test_unkeyed_step_is_not_contributory_and_penalised_as_low_yield() -> None:
    """A step the case does not key is 'not_contributory', tier None, -5."""
    report = grade(make_key(), Attempt((CBC, "ferritin", SMEAR, BCR_ABL), CML))
    line = report.lines[1]

    assert line.step == "ferritin"
    assert line.tier is None
    assert line.verdict is Verdict.NOT_CONTRIBUTORY
    assert line.points == -5.0
    assert (line.rationale, line.citations, line.broken_rules) == ("", (), ())
    # 100 - 5 = 95 workup; 0.6 x 95 + 40 = 97.
    assert report.workup_score == 95.0
    assert report.total == 97.0
    assert report.efficiency == 0.75
    assert report.efficiency_percent == 75.0


def test_efficiency_rounds_to_three_places_and_percent_to_one() -> None:
    """One relevant step in three: 0.333 and 33.3 %."""
    report = grade(make_key(), Attempt((CBC, CRP, "ferritin"), None))

    assert report.efficiency == 0.333
    assert report.efficiency_percent == 33.3


def test_workup_is_clamped_at_zero() -> None:
    """Penalties cannot push the workup below 0."""
    report = grade(make_key(), Attempt((CRP, MARROW, "a", "b"), CML))

    assert sum(line.points for line in report.lines) == -20.0
    assert report.workup_score == 0.0
    assert report.total == 40.0


def test_workup_is_clamped_at_100() -> None:
    """essential_total_points above 100 cannot lift the workup past 100."""
    key = make_key(scoring=ScoringSettings(essential_total_points=150))
    report = grade(key, Attempt((CBC, SMEAR, BCR_ABL, CRP), CML))

    # 150 - 5 = 145 -> 100.
    assert report.workup_score == 100.0
    assert report.total == 100.0


def test_empty_attempt() -> None:
    """Nothing chosen: no lines, workup 0, efficiency None, every essential
    missed in expert-path order."""
    report = grade(make_key(), Attempt((), None))

    assert report.lines == ()
    assert report.workup_score == 0.0
    assert report.total == 0.0
    assert report.efficiency is None
    assert report.efficiency_percent is None
    assert [m.step for m in report.missed_essentials] == [CBC, SMEAR, BCR_ABL]
    assert report.learner_path == ()


def test_custom_scoring_settings_are_used_and_reported() -> None:
    """Per-case settings change the arithmetic and are echoed in the report."""
    scoring = ScoringSettings(
        essential_total_points=90,
        low_yield_penalty=10,
        harmful_penalty=30,
        workup_weight=0.5,
        diagnosis_weight=0.5,
        harmful_cap=50,
    )
    report = grade(make_key(scoring=scoring), Attempt((CBC, CRP), CMML))

    # 90 / 3 - 10 = 20 workup; 0.5 x 20 + 0.5 x 50 = 35.
    assert report.lines[0].points == 30.0
    assert report.lines[1].points == -10.0
    assert report.workup_score == 20.0
    assert report.diagnosis_score == 50.0
    assert report.total == 35.0
    assert report.scoring == scoring


# --------------------------------------------------------------------------
# Harmful cap
# --------------------------------------------------------------------------


def test_harmful_choice_caps_the_total() -> None:
    """A harmful step costs 25 and caps the total at 40: all essentials plus
    a PET-CT is 0.6 x 75 + 40 = 85 uncapped, 40 reported."""
    report = grade(make_key(), Attempt((CBC, SMEAR, BCR_ABL, PET), CML))

    assert report.lines[3].verdict is Verdict.HARMFUL
    assert report.lines[3].points == -25.0
    assert report.workup_score == 75.0
    assert report.uncapped_total == 85.0
    assert report.total == 40.0
    assert report.capped
    assert report.cap_triggered


def test_cap_that_does_not_bite_is_triggered_but_not_capped() -> None:
    """A harmful choice below the cap leaves the total alone; the report
    still says the cap was triggered."""
    report = grade(make_key(), Attempt((PET,), LEUKAEMOID))

    assert report.uncapped_total == 0.0
    assert report.total == 0.0
    assert report.cap_triggered
    assert not report.capped


# --------------------------------------------------------------------------
# Order rules
# --------------------------------------------------------------------------


def test_marrow_biopsy_before_the_smear_is_premature() -> None:
    """A marrow biopsy before the smear is premature: -25, no credit, caps
    the total, is listed as an order violation with the prerequisite's later
    position, and the smear itself is graded normally."""
    key = make_key(rules=(SMEAR_BEFORE_MARROW,))
    report = grade(key, Attempt((CBC, MARROW, SMEAR, BCR_ABL), CML))
    marrow = report.lines[1]

    assert marrow.verdict is Verdict.PREMATURE
    assert marrow.tier is Tier.LOW_YIELD
    assert marrow.points == -25.0
    assert marrow.broken_rules == (SMEAR_BEFORE_MARROW,)
    assert report.lines[2].verdict is Verdict.ESSENTIAL
    assert len(report.order_violations) == 1
    violation = report.order_violations[0]
    assert (violation.step, violation.before) == (MARROW, SMEAR)
    assert (violation.position, violation.before_position) == (2, 3)
    assert violation.rationale == "Read the smear before invasive tests."
    assert violation.citations == ("BSH-2022",)
    assert violation.counts_as_harmful
    # 100 - 25 = 75; 0.6 x 75 + 40 = 85 -> capped at 40.
    assert report.workup_score == 75.0
    assert report.total == 40.0
    assert report.capped


def test_step_whose_prerequisite_is_never_chosen_is_premature() -> None:
    """Never choosing the prerequisite also makes the later step premature."""
    key = make_key(rules=(SMEAR_BEFORE_MARROW,))
    report = grade(key, Attempt((MARROW,), None))

    assert report.lines[0].verdict is Verdict.PREMATURE
    assert report.order_violations[0].before_position is None


def test_prerequisite_chosen_earlier_satisfies_the_rule() -> None:
    """Smear then marrow obeys the rule; the marrow is just low-yield."""
    key = make_key(rules=(SMEAR_BEFORE_MARROW,))
    report = grade(key, Attempt((SMEAR, MARROW), None))

    assert report.lines[1].verdict is Verdict.LOW_YIELD
    assert report.lines[1].points == -5.0
    assert report.order_violations == ()
    assert not report.cap_triggered


def test_premature_step_not_counting_as_harmful() -> None:
    """With premature_counts_as_harmful=False the step loses only the
    low-yield penalty and does not cap the total."""
    key = make_key(rules=(SMEAR_BEFORE_MARROW_MILD,))
    report = grade(key, Attempt((CBC, MARROW, SMEAR, BCR_ABL), CML))

    assert report.lines[1].verdict is Verdict.PREMATURE
    assert report.lines[1].points == -5.0
    assert not report.order_violations[0].counts_as_harmful
    # 100 - 5 = 95; 0.6 x 95 + 40 = 97, uncapped.
    assert report.total == 97.0
    assert not report.cap_triggered
    assert not report.capped


def test_premature_essential_keeps_its_share_and_is_charged_once() -> None:
    """BCR-ABL before the smear keeps its share (the test was done) and is
    charged the premature penalty once: 33.33 - 25 = 8.3 (engine 1 gave
    -25). It was chosen, so it is an order violation, not a missed
    essential, and it still caps the total."""
    rule = OrderRule(SMEAR, BCR_ABL, "Morphology first.", ())
    report = grade(make_key(rules=(rule,)), Attempt((CBC, BCR_ABL, SMEAR), CML))

    assert report.lines[1].verdict is Verdict.PREMATURE
    assert report.lines[1].tier is Tier.ESSENTIAL
    assert report.lines[1].points == 8.3
    assert report.missed_essentials == ()
    assert [v.step for v in report.order_violations] == [BCR_ABL]
    assert (report.essential_chosen, report.essential_credited) == (3, 2)
    # 3 x 33.33 - 25 = 75; 0.6 x 75 + 40 = 85 -> capped at 40.
    assert report.workup_score == 75.0
    assert report.uncapped_total == 85.0
    assert report.total == 40.0
    assert report.capped


def test_mild_premature_essential_loses_the_low_yield_penalty_from_its_share() -> None:
    """A premature essential under a non-harmful rule scores 33.33 - 5 =
    28.3 (engine 1 gave -5) and does not cap the total."""
    rule = OrderRule(SMEAR, BCR_ABL, "", (), premature_counts_as_harmful=False)
    report = grade(make_key(rules=(rule,)), Attempt((BCR_ABL, CBC, SMEAR), CML))

    assert report.lines[0].points == 28.3
    # 3 x 33.33 - 5 = 95; 0.6 x 95 + 40 = 97.0, uncapped.
    assert report.workup_score == 95.0
    assert report.total == 97.0
    assert not report.cap_triggered


def test_several_broken_rules_are_all_reported_but_penalised_once() -> None:
    """A marrow biopsy before both the CBC and the smear breaks two rules;
    both are reported, the step loses 25 once."""
    key = make_key(rules=(CBC_BEFORE_MARROW, SMEAR_BEFORE_MARROW))
    report = grade(key, Attempt((MARROW,), None))

    assert report.lines[0].broken_rules == (CBC_BEFORE_MARROW, SMEAR_BEFORE_MARROW)
    assert report.lines[0].points == -25.0
    assert [(v.step, v.before) for v in report.order_violations] == [
        (MARROW, CBC),
        (MARROW, SMEAR),
    ]


def test_mixed_rules_count_as_harmful_if_any_does() -> None:
    """If one broken rule counts as harmful, the step is penalised as harmful."""
    mild = OrderRule(CBC, MARROW, "", (), premature_counts_as_harmful=False)
    key = make_key(rules=(mild, SMEAR_BEFORE_MARROW))
    report = grade(key, Attempt((MARROW,), None))

    assert report.lines[0].points == -25.0
    assert report.cap_triggered


def test_premature_harmful_step_keeps_its_harmful_penalty() -> None:
    """A step keyed harmful stays harmful-penalised (and caps) even when the
    rule it breaks is a mild one."""
    rule = OrderRule(SMEAR, PET, "", (), premature_counts_as_harmful=False)
    report = grade(make_key(rules=(rule,)), Attempt((PET,), None))

    assert report.lines[0].verdict is Verdict.PREMATURE
    assert report.lines[0].points == -25.0
    assert report.cap_triggered


def test_only_rules_on_the_chosen_step_matter() -> None:
    """An unmet rule about a step that was never chosen is no violation."""
    key = make_key(rules=(SMEAR_BEFORE_MARROW,))
    report = grade(key, Attempt((CBC,), None))

    assert report.order_violations == ()


# --------------------------------------------------------------------------
# Diagnosis
# --------------------------------------------------------------------------


def test_partial_credit_diagnosis() -> None:
    """CMML earns half credit, with its own rationale and the correct cause."""
    report = grade(make_key(), Attempt((CBC, SMEAR, BCR_ABL), CMML))
    diagnosis = report.diagnosis

    assert diagnosis.chosen == CMML
    assert diagnosis.credit == 0.5
    assert diagnosis.verdict is DiagnosisVerdict.PARTIAL
    assert diagnosis.points == 50.0
    assert diagnosis.rationale == "Myeloid neoplasm, wrong one."
    assert diagnosis.correct_cause == CML
    assert diagnosis.correct_rationale == "Basophilia and BCR-ABL1."
    assert diagnosis.correct_citations == ("ELN-2020",)
    # 0.6 x 100 + 0.4 x 50 = 80.
    assert report.total == 80.0


def test_correct_diagnosis() -> None:
    """The full-credit cause is 'correct' with 100 points."""
    diagnosis = grade(make_key(), Attempt((), CML)).diagnosis

    assert diagnosis.verdict is DiagnosisVerdict.CORRECT
    assert diagnosis.points == 100.0
    assert diagnosis.citations == ("ELN-2020",)


def test_keyed_zero_credit_diagnosis_is_incorrect_with_its_rationale() -> None:
    """A keyed distractor earns 0 and explains itself."""
    diagnosis = grade(make_key(), Attempt((), LEUKAEMOID)).diagnosis

    assert diagnosis.verdict is DiagnosisVerdict.INCORRECT
    assert diagnosis.points == 0.0
    assert diagnosis.rationale == "No infection, basophilia."


def test_unkeyed_diagnosis_is_incorrect_and_explained_by_correct_option() -> None:
    """A cause the key does not list earns 0; the full-credit option's
    rationale is shown instead."""
    diagnosis = grade(make_key(), Attempt((), "polycythaemia-vera")).diagnosis

    assert diagnosis.chosen == "polycythaemia-vera"
    assert diagnosis.credit == 0.0
    assert diagnosis.verdict is DiagnosisVerdict.INCORRECT
    assert diagnosis.rationale == "Basophilia and BCR-ABL1."
    assert diagnosis.citations == ("ELN-2020",)


def test_no_diagnosis_is_verdict_none() -> None:
    """No cause chosen: 0 credit, verdict 'none'."""
    report = grade(make_key(), Attempt((CBC, SMEAR, BCR_ABL)))

    assert report.diagnosis.chosen is None
    assert report.diagnosis.verdict is DiagnosisVerdict.NONE
    assert report.diagnosis_score == 0.0
    assert report.total == 60.0


# --------------------------------------------------------------------------
# Attempt and key validation
# --------------------------------------------------------------------------


def test_valid_key_has_no_problems() -> None:
    """The example key is valid, with and without order rules."""
    assert validate_key(make_key()) == []
    assert validate_key(make_key(rules=(CBC_BEFORE_MARROW, SMEAR_BEFORE_MARROW))) == []


def codes(key: CaseKey) -> list[ProblemCode]:
    return [problem.code for problem in validate_key(key)]


def simple_key(
    steps: tuple[KeyedStep, ...] = (KeyedStep("a", Tier.ESSENTIAL),),
    options: tuple[DiagnosisOption, ...] = (DiagnosisOption("x", 1.0),),
    rules: tuple[OrderRule, ...] = (),
    scoring: ScoringSettings | None = None,
) -> CaseKey:
    return CaseKey(steps, options, rules, scoring or ScoringSettings())


def test_key_without_essential_step_is_invalid() -> None:
    """A key must have at least one essential step."""
    key = simple_key(steps=(KeyedStep("a", Tier.USEFUL),))
    assert codes(key) == [ProblemCode.NO_ESSENTIAL_STEP]


def test_key_needs_exactly_one_full_credit_diagnosis() -> None:
    """Zero or two full-credit causes are both invalid."""
    none_full = simple_key(options=(DiagnosisOption("x", 0.5),))
    two_full = simple_key(options=(DiagnosisOption("x", 1.0), DiagnosisOption("y", 1.0)))
    no_options = simple_key(options=())

    assert codes(none_full) == [ProblemCode.NO_FULL_CREDIT_DIAGNOSIS]
    assert codes(two_full) == [ProblemCode.MULTIPLE_FULL_CREDIT_DIAGNOSES]
    assert codes(no_options) == [ProblemCode.NO_FULL_CREDIT_DIAGNOSIS]


@pytest.mark.parametrize("credit", [1.5, -0.1, math.nan, math.inf, True])
def test_credit_must_be_a_number_from_0_to_1(credit: float) -> None:
    """Credit outside 0..1, non-finite or boolean is flagged."""
    key = simple_key(options=(DiagnosisOption("x", 1.0), DiagnosisOption("y", credit)))
    assert codes(key) == [ProblemCode.CREDIT_OUT_OF_RANGE]


def test_duplicate_steps_and_causes_are_invalid() -> None:
    """A slug keyed twice, or a cause listed twice, is flagged."""
    key = simple_key(
        steps=(KeyedStep("a", Tier.ESSENTIAL), KeyedStep("a", Tier.USEFUL)),
        options=(DiagnosisOption("x", 1.0), DiagnosisOption("x", 0.5)),
    )
    assert codes(key) == [ProblemCode.DUPLICATE_STEP, ProblemCode.DUPLICATE_DIAGNOSIS]


def test_empty_slugs_are_invalid() -> None:
    """Blank step slugs and cause slugs are flagged."""
    key = simple_key(
        steps=(KeyedStep("a", Tier.ESSENTIAL), KeyedStep(" ", Tier.USEFUL)),
        options=(DiagnosisOption("x", 1.0), DiagnosisOption("", 0.0)),
    )
    assert codes(key) == [ProblemCode.EMPTY_SLUG, ProblemCode.EMPTY_SLUG]


def test_order_rule_naming_an_unkeyed_step_is_invalid() -> None:
    """Rules may only mention keyed steps."""
    key = simple_key(rules=(OrderRule("a", "zzz"),))
    problems = validate_key(key)

    assert [p.code for p in problems] == [ProblemCode.RULE_UNKEYED_STEP]
    assert "'zzz'" in problems[0].message


def test_repeated_order_rule_is_invalid() -> None:
    """The same before/after pair twice would double-report violations."""
    steps = (KeyedStep("a", Tier.ESSENTIAL, expert_position=1), KeyedStep("b", Tier.ESSENTIAL, expert_position=2))
    key = simple_key(steps=steps, rules=(OrderRule("a", "b"), OrderRule("a", "b")))
    assert codes(key) == [ProblemCode.DUPLICATE_ORDER_RULE]


def test_order_rule_cycles_are_invalid() -> None:
    """a -> b -> c -> a is one cycle; a rule d -> d is another."""
    steps = tuple(KeyedStep(s, Tier.LOW_YIELD) for s in "bcd") + (KeyedStep("a", Tier.ESSENTIAL),)
    rules = (
        OrderRule("a", "b"),
        OrderRule("b", "c"),
        OrderRule("c", "a"),
        OrderRule("d", "d"),
    )
    problems = validate_key(simple_key(steps=steps, rules=rules))

    assert [p.code for p in problems] == [ProblemCode.ORDER_RULE_CYCLE] * 2
    assert "'a', 'b', 'c'" in problems[0].message
    assert "'d'" in problems[1].message


def test_steps_downstream_of_a_cycle_are_not_called_a_cycle() -> None:
    """Only the steps on the cycle are named, not those merely after it."""
    steps = tuple(KeyedStep(s, Tier.LOW_YIELD) for s in "bc") + (KeyedStep("a", Tier.ESSENTIAL),)
    rules = (OrderRule("a", "b"), OrderRule("b", "a"), OrderRule("b", "c"))
    problems = validate_key(simple_key(steps=steps, rules=rules))

    assert len(problems) == 1
    assert "'c'" not in problems[0].message


def test_expert_path_must_respect_order_rules() -> None:
    """An expert path that puts b before its prerequisite a, or that lacks
    the prerequisite altogether, is flagged."""
    out_of_order = simple_key(
        steps=(
            KeyedStep("a", Tier.ESSENTIAL, expert_position=2),
            KeyedStep("b", Tier.ESSENTIAL, expert_position=1),
        ),
        rules=(OrderRule("a", "b"),),
    )
    missing = simple_key(
        steps=(
            KeyedStep("a", Tier.LOW_YIELD),
            KeyedStep("b", Tier.ESSENTIAL, expert_position=1),
        ),
        rules=(OrderRule("a", "b"),),
    )

    assert codes(out_of_order) == [ProblemCode.EXPERT_PATH_BREAKS_RULE]
    assert codes(missing) == [ProblemCode.EXPERT_PATH_BREAKS_RULE]


@pytest.mark.parametrize(
    "scoring",
    [
        ScoringSettings(low_yield_penalty=-5),
        ScoringSettings(harmful_penalty=math.nan),
        ScoringSettings(workup_weight=0.7, diagnosis_weight=0.4),
        ScoringSettings(harmful_cap=120),
    ],
)
def test_invalid_scoring_settings(scoring: ScoringSettings) -> None:
    """Negative or non-finite settings, weights not summing to 1, or a cap
    above 100 would let scores leave 0..100."""
    assert codes(simple_key(scoring=scoring)) == [ProblemCode.INVALID_SETTING]


def test_weights_summing_to_one_up_to_float_error_are_accepted() -> None:
    """0.7 + 0.3 need not be exactly 1.0 in binary to be accepted."""
    scoring = ScoringSettings(workup_weight=0.1 + 0.2, diagnosis_weight=0.7)
    assert validate_key(simple_key(scoring=scoring)) == []


def test_grade_raises_on_invalid_key() -> None:
    """grade() refuses a key validate_key rejects, with the problems attached."""
    key = simple_key(steps=(KeyedStep("a", Tier.USEFUL),))

    with pytest.raises(InvalidKeyError, match="no_essential_step") as info:
        grade(key, Attempt(("a",), "x"))
    assert isinstance(info.value, ValueError)
    assert [p.code for p in info.value.problems] == [ProblemCode.NO_ESSENTIAL_STEP]


def test_bad_tier_string_is_rejected_on_construction() -> None:
    """Tiers given as strings are coerced; unknown ones raise ValueError."""
    assert KeyedStep("a", "useful").tier is Tier.USEFUL  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        KeyedStep("a", "vital")  # type: ignore[arg-type]


def test_single_string_is_not_accepted_as_citations() -> None:
    """A bare string would otherwise be split into one citation per letter."""
    with pytest.raises(TypeError):
        KeyedStep("a", Tier.ESSENTIAL, citations="WHO-5")  # type: ignore[arg-type]


def test_lists_decimals_and_ints_are_normalised() -> None:
    """Inputs built from lists, Decimals and ints equal tuple/float ones."""
    from_lists = CaseKey(
        steps=[KeyedStep("a", Tier.ESSENTIAL, citations=["r"])],  # type: ignore[arg-type]
        diagnosis_options=[DiagnosisOption("x", Decimal("1.0"))],  # type: ignore[arg-type]
        scoring=ScoringSettings(harmful_cap=Decimal(40), essential_total_points=100),  # type: ignore[arg-type]
    )
    canonical = CaseKey(
        steps=(KeyedStep("a", Tier.ESSENTIAL, citations=("r",)),),
        diagnosis_options=(DiagnosisOption("x", 1.0),),
    )

    assert from_lists == canonical
    assert hash(from_lists) == hash(canonical)
    assert isinstance(from_lists.scoring.harmful_cap, float)
    assert Attempt(["a"]) == Attempt(("a",))  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Expert path
# --------------------------------------------------------------------------


def test_expert_path_ordering() -> None:
    """Essential and useful steps by expert_position, unpositioned last, then
    essential before useful, then slug; low-yield, harmful and never steps
    excluded."""
    key = simple_key(
        steps=(
            KeyedStep("z-useful", Tier.USEFUL),
            KeyedStep("y-essential", Tier.ESSENTIAL),
            KeyedStep("b-useful", Tier.USEFUL, expert_position=1),
            KeyedStep("a-essential", Tier.ESSENTIAL, expert_position=1),
            KeyedStep("first", Tier.USEFUL, expert_position=0),
            KeyedStep("x-essential", Tier.ESSENTIAL),
            KeyedStep("low", Tier.LOW_YIELD),
            KeyedStep("bad", Tier.HARMFUL),
            KeyedStep("worse", Tier.NEVER),
        )
    )
    expected = (
        "first",
        "a-essential",
        "b-useful",
        "x-essential",
        "y-essential",
        "z-useful",
    )

    assert expert_path(key) == expected
    assert grade(key, Attempt(())).expert_path == expected


def test_missed_essentials_follow_expert_path_order() -> None:
    """Missed essentials are listed in the order the expert would do them."""
    key = make_key()
    report = grade(key, Attempt((SMEAR,), None))

    assert [m.step for m in report.missed_essentials] == [CBC, BCR_ABL]


# --------------------------------------------------------------------------
# Report serialisation and metadata
# --------------------------------------------------------------------------


def test_report_round_trips_through_json() -> None:
    """to_dict() is plain JSON, and from_dict() rebuilds an equal report."""
    key = make_key(rules=(CBC_BEFORE_MARROW, SMEAR_BEFORE_MARROW_MILD))
    report = grade(key, Attempt((MARROW, CBC, "ferritin", PET, LDH), CMML))

    stored = json.dumps(report.to_dict(), sort_keys=True)
    restored = Report.from_dict(json.loads(stored))

    assert restored == report
    assert json.dumps(restored.to_dict(), sort_keys=True) == stored


def test_round_trip_of_empty_attempt_with_none_values() -> None:
    """None efficiency and diagnosis survive the round trip."""
    report = grade(make_key(), Attempt(()))
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_report_dict_uses_plain_strings_for_enums() -> None:
    """Stored JSON carries the enum values, not Python reprs."""
    rule = OrderRule(SMEAR, MARROW)
    data = grade(make_key(rules=(rule,)), Attempt((MARROW, "x"), CMML)).to_dict()

    assert data["lines"][0]["tier"] == "low_yield"
    assert data["lines"][0]["verdict"] == "premature"
    assert data["lines"][1]["tier"] is None
    assert data["lines"][1]["verdict"] == "not_contributory"
    assert data["diagnosis"]["verdict"] == "partial"
    assert type(data["lines"][0]["verdict"]) is str


def test_report_records_engine_version_and_paths() -> None:
    """A report names the engine version and both paths."""
    report = grade(make_key(), Attempt((SMEAR, CBC), CML))

    assert report.engine_version == ENGINE_VERSION
    assert report.learner_path == (SMEAR, CBC)
    assert report.expert_path == (CBC, SMEAR, BCR_ABL, LDH)


def test_enum_values_are_stable() -> None:
    """These strings are stored in the database and quoted in templates."""
    assert [t.value for t in Tier] == ["essential", "useful", "low_yield", "harmful", "never"]
    assert [v.value for v in Verdict] == [
        "essential",
        "useful",
        "low_yield",
        "harmful",
        "premature",
        "not_contributory",
        "essential_alternative",
        "never",
    ]
    assert [d.value for d in DiagnosisVerdict] == [
        "correct",
        "partial",
        "incorrect",
        "none",
    ]


# --------------------------------------------------------------------------
# Rounding
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (0.25, 1, 0.3),
        (0.35, 1, 0.4),
        (-0.25, 1, -0.3),
        (2.675, 2, 2.68),
        (61.666666666666664, 1, 61.7),
        (2 / 3, 3, 0.667),
        (100.0, 1, 100.0),
    ],
)
def test_round_half_up(value: float, places: int, expected: float) -> None:
    """Halves round away from zero on the shortest decimal form, unlike
    round(), which gives round(0.25, 1) == 0.2 and round(2.675, 2) == 2.67."""
    assert round_half_up(value, places) == expected


def test_round_half_up_never_returns_negative_zero() -> None:
    """-0.04 rounds to 0.0, not -0.0, so a report never prints '-0.0'."""
    assert math.copysign(1.0, round_half_up(-0.04)) == 1.0


# --------------------------------------------------------------------------
# Purity
# --------------------------------------------------------------------------


def test_grading_package_imports_only_the_standard_library() -> None:
    """The engine must stay Django-free and dependency-free."""
    for path in sorted(GRADING_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in sys.stdlib_module_names or root == "__future__", (
                    f"{path.name} imports non-stdlib module {root!r}"
                )
