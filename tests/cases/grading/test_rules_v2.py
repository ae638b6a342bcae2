"""Hand-worked examples of the engine 2 rules: never choices, grade bands,
occurrences, weights, any-of groups, premature penalised once, efficiency.

The key below is a drug-induced leucopenia case as the contract imagines it
(issue 13): the decisive move is an action (withhold the thiopurine), the
follow-up count is the second occurrence of the count, continuing the drug
is a never choice and EBV or CMV testing is an "any one of" group. The
engine only sees slugs; the numbers are worked out by hand.
"""

from __future__ import annotations

import pytest

from leucocases.cases.grading import (
    Attempt,
    CaseKey,
    DiagnosisOption,
    GradeBands,
    KeyedStep,
    MissedEssential,
    OrderRule,
    OrderViolation,
    ScoringSettings,
    Tier,
    Verdict,
    expert_path,
    grade,
    number_occurrences,
)

PRIOR = "prior-counts"
SMEAR = "peripheral-smear"
MEDS = "medication-review"
WITHHOLD = "withhold-azathioprine"
COUNT = "repeat-cbc"
EBV = "ebv-serology"
CMV = "cmv-pcr"
HIV = "hiv-hcv-serology"
MARROW = "bone-marrow-biopsy"
GCSF = "g-csf"
CONTINUE = "continue-azathioprine"
STEROIDS = "prednisolone"

THIOPURINE = "thiopurines"

WITHHOLD_BEFORE_FOLLOW_UP = OrderRule(
    WITHHOLD,
    COUNT,
    "The follow-up count tests the withdrawal.",
    ("praxis",),
    premature_counts_as_harmful=False,
    after_occurrence=2,
)
WITHHOLD_BEFORE_MARROW = OrderRule(WITHHOLD, MARROW, "Withdraw the likely cause first.", ("dmw",))
SMEAR_BEFORE_MARROW = OrderRule(SMEAR, MARROW, "Smear before marrow.", ("dmw",))

# Units of essential credit: prior counts 1, smear 1, medication review 1,
# withholding 2, the follow-up count 1, EBV-or-CMV 1: weights sum to 7, so
# a unit of weight 1 is worth 100/7 = 14.29 and withholding 28.57.
SHARE = 100 / 7


def drug_key(*, scoring: ScoringSettings | None = None) -> CaseKey:
    return CaseKey(
        steps=(
            KeyedStep(PRIOR, Tier.ESSENTIAL, "Shows when the count fell.", ("praxis",), 1),
            KeyedStep(SMEAR, Tier.ESSENTIAL, "Which lines; any blasts.", ("praxis",), 2),
            KeyedStep(MEDS, Tier.ESSENTIAL, "Azathioprine with allopurinol.", ("label",), 3),
            KeyedStep(WITHHOLD, Tier.ESSENTIAL, "The decisive move.", ("label",), 4, weight=2),
            KeyedStep(COUNT, Tier.USEFUL, "Confirms the count.", (), 5),
            KeyedStep(COUNT, Tier.ESSENTIAL, "Recovery after withdrawal.", ("praxis",), 6, occurrence=2),
            KeyedStep(EBV, Tier.ESSENTIAL, "A viral cause.", (), 7, any_of="viral"),
            KeyedStep(CMV, Tier.ESSENTIAL, "A viral cause.", (), 7, any_of="viral"),
            KeyedStep(HIV, Tier.USEFUL, "Worth excluding.", ()),
            KeyedStep(MARROW, Tier.LOW_YIELD, "Not while a drug explains it.", ("dmw",)),
            KeyedStep(GCSF, Tier.HARMFUL, "Afebrile, not neutropenic enough.", ()),
            KeyedStep(CONTINUE, Tier.NEVER, "Keeps the marrow suppressed.", ("label",)),
            KeyedStep(STEROIDS, Tier.NEVER, "No diagnosis warrants them.", ()),
        ),
        diagnosis_options=(DiagnosisOption(THIOPURINE, 1.0, "Thiopurine toxicity.", ("label",)),),
        order_rules=(WITHHOLD_BEFORE_FOLLOW_UP, WITHHOLD_BEFORE_MARROW, SMEAR_BEFORE_MARROW),
        scoring=scoring or ScoringSettings(),
    )


EXPERT = (PRIOR, SMEAR, MEDS, WITHHOLD, COUNT, COUNT, CMV, EBV, HIV)
WORKUP = (PRIOR, SMEAR, MEDS, WITHHOLD, COUNT, COUNT, EBV)


def points(report, slug: str, occurrence: int = 1) -> float:
    return next(line.points for line in report.lines if (line.step, line.occurrence) == (slug, occurrence))


# --------------------------------------------------------------------------
# The expert path and occurrences
# --------------------------------------------------------------------------


def test_expert_path_lists_a_repeated_entry_once_per_occurrence_in_order() -> None:
    """The expert path is the entries to order, the count twice; replayed with
    the right cause it scores 100, grade A, with every choice efficient."""
    key = drug_key()
    report = grade(key, Attempt(expert_path(key), THIOPURINE))

    assert expert_path(key) == EXPERT
    assert report.expert_path == EXPERT
    assert report.total == 100.0
    assert report.grade == "A"
    assert report.efficiency == 1.0
    assert [line.verdict for line in report.lines if line.step in (EBV, CMV)] == [
        Verdict.ESSENTIAL,
        Verdict.ESSENTIAL_ALTERNATIVE,
    ]


def test_number_occurrences_counts_each_entry_from_the_sequence() -> None:
    """The n-th appearance of an entry in an attempt is its occurrence n."""
    assert number_occurrences([COUNT, SMEAR, COUNT, COUNT]) == ((COUNT, 1), (SMEAR, 1), (COUNT, 2), (COUNT, 3))


def test_each_occurrence_is_graded_by_its_own_key_item() -> None:
    """The first count is useful (0), the second essential (14.3); the lines
    carry occurrences 1 and 2 and their own rationales."""
    report = grade(drug_key(), Attempt((WITHHOLD, COUNT, COUNT)))
    first, second = report.lines[1:]

    assert (first.occurrence, first.verdict, first.points) == (1, Verdict.USEFUL, 0.0)
    assert first.rationale == "Confirms the count."
    assert (second.occurrence, second.verdict, second.points) == (2, Verdict.ESSENTIAL, 14.3)
    assert second.rationale == "Recovery after withdrawal."


def test_a_repeat_beyond_the_keyed_occurrences_costs_every_time() -> None:
    """A third and a fourth count are not keyed: not contributory, -5 each."""
    report = grade(drug_key(), Attempt((WITHHOLD, COUNT, COUNT, COUNT, COUNT)))

    assert [(line.occurrence, line.verdict, line.points) for line in report.lines[3:]] == [
        (3, Verdict.NOT_CONTRIBUTORY, -5.0),
        (4, Verdict.NOT_CONTRIBUTORY, -5.0),
    ]
    assert report.lines[3].tier is None
    # 28.57 + 14.29 - 10 = 32.86
    assert report.workup_score == 32.9


def test_an_unkeyed_entry_ordered_twice_costs_twice() -> None:
    """An entry the case does not key costs the low-yield penalty each time."""
    report = grade(drug_key(), Attempt(("ferritin", "ferritin")))

    assert [(line.occurrence, line.points) for line in report.lines] == [(1, -5.0), (2, -5.0)]


def test_a_keyed_second_occurrence_not_ordered_is_missed() -> None:
    """Ordering the count once leaves the follow-up count (occurrence 2) missed."""
    report = grade(drug_key(), Attempt((PRIOR, SMEAR, MEDS, WITHHOLD, COUNT, EBV)))

    assert report.missed_essentials == (
        MissedEssential(COUNT, "Recovery after withdrawal.", ("praxis",), occurrence=2),
    )


def test_an_order_rule_names_the_occurrence_it_concerns() -> None:
    """Withholding the drug must precede the follow-up count (occurrence 2),
    not the first count: the first count before it is fine, the second is
    premature and the violation names both occurrences."""
    report = grade(drug_key(), Attempt((COUNT, COUNT, WITHHOLD)))

    assert report.lines[0].verdict is Verdict.USEFUL
    assert report.lines[1].verdict is Verdict.PREMATURE
    assert report.order_violations == (
        OrderViolation(
            step=COUNT,
            before=WITHHOLD,
            rationale="The follow-up count tests the withdrawal.",
            citations=("praxis",),
            position=2,
            before_position=3,
            counts_as_harmful=False,
            occurrence=2,
            before_occurrence=1,
        ),
    )


def test_a_rule_can_wait_for_a_later_occurrence_of_its_prerequisite() -> None:
    """'After the second count' is met only once the entry was ordered twice."""
    key = CaseKey(
        steps=(
            KeyedStep("count", Tier.ESSENTIAL, expert_position=1),
            KeyedStep("count", Tier.ESSENTIAL, expert_position=2, occurrence=2),
            KeyedStep("refer", Tier.USEFUL, expert_position=3),
        ),
        diagnosis_options=(DiagnosisOption("x", 1.0),),
        order_rules=(OrderRule("count", "refer", before_occurrence=2),),
    )

    early = grade(key, Attempt(("count", "refer", "count")))
    timely = grade(key, Attempt(("count", "count", "refer")))

    assert early.lines[1].verdict is Verdict.PREMATURE
    assert early.order_violations[0].before_position == 3
    assert early.order_violations[0].before_occurrence == 2
    assert timely.lines[2].verdict is Verdict.USEFUL


# --------------------------------------------------------------------------
# Never choices
# --------------------------------------------------------------------------


def test_a_perfect_workup_that_continues_the_drug_scores_the_never_total() -> None:
    """Continuing azathioprine (never) after a perfect workup and the right
    cause: the total is 0, grade F, and the report names the choice first
    with its rationale and citations; the workup itself still shows 75."""
    report = grade(drug_key(), Attempt((*WORKUP, CONTINUE), THIOPURINE))

    assert report.never_triggered
    assert report.total == 0.0
    assert report.grade == "F"
    assert report.workup_score == 75.0
    assert report.uncapped_total == 85.0
    assert not report.capped
    [line] = report.never_choices
    assert (line.step, line.tier, line.verdict, line.points) == (CONTINUE, Tier.NEVER, Verdict.NEVER, -25.0)
    assert (line.rationale, line.citations) == ("Keeps the marrow suppressed.", ("label",))
    assert report.lines[-1] == line


def test_the_never_total_is_set_per_case() -> None:
    """With never_total 20 a never choice gives 20, however good the rest."""
    report = grade(drug_key(scoring=ScoringSettings(never_total=20)), Attempt((*WORKUP, CONTINUE), THIOPURINE))

    assert report.total == 20.0
    assert report.grade == "F"


def test_never_wins_over_the_harmful_cap() -> None:
    """A harmful and a never choice: the never total, not the cap, and the
    cap is reported as triggered but not as what set the total."""
    report = grade(drug_key(scoring=ScoringSettings(never_total=10)), Attempt((*WORKUP, GCSF, CONTINUE), THIOPURINE))

    assert report.total == 10.0
    assert report.cap_triggered
    assert not report.capped


def test_never_choices_are_listed_in_the_learners_order() -> None:
    """Two never choices are both listed, in the order they were made."""
    report = grade(drug_key(), Attempt((STEROIDS, SMEAR, CONTINUE)))

    assert [line.step for line in report.never_choices] == [STEROIDS, CONTINUE]


def test_a_premature_never_choice_is_charged_once_and_still_sets_the_total() -> None:
    """A never choice that also breaks an order rule loses the harmful
    penalty once (not twice) and still sets the never total."""
    rule = OrderRule(SMEAR, CONTINUE, "", (), premature_counts_as_harmful=True)
    key = drug_key()
    key = CaseKey(key.steps, key.diagnosis_options, (*key.order_rules, rule), key.scoring)
    report = grade(key, Attempt((CONTINUE, SMEAR), THIOPURINE))

    assert report.lines[0].verdict is Verdict.PREMATURE
    assert report.lines[0].points == -25.0
    assert report.never_choices == (report.lines[0],)
    assert report.total == 0.0


# --------------------------------------------------------------------------
# Premature, penalised once
# --------------------------------------------------------------------------


def test_a_marrow_biopsy_before_the_drug_is_withheld_is_premature_charged_once() -> None:
    """A marrow biopsy (low yield) before the drug is withheld breaks that
    rule: it is premature, charged the harmful penalty once (-25, not
    -5 - 25), reported with the rule's reason, and caps the total."""
    report = grade(drug_key(), Attempt((PRIOR, SMEAR, MEDS, MARROW, WITHHOLD, COUNT, COUNT, EBV), THIOPURINE))
    marrow = report.lines[3]

    assert (marrow.verdict, marrow.tier, marrow.points) == (Verdict.PREMATURE, Tier.LOW_YIELD, -25.0)
    assert marrow.broken_rules == (WITHHOLD_BEFORE_MARROW,)
    [violation] = report.order_violations
    assert (violation.step, violation.before, violation.before_position) == (MARROW, WITHHOLD, 5)
    assert violation.rationale == "Withdraw the likely cause first."
    # 100 - 25 = 75; 0.6 x 75 + 40 = 85, capped at 40.
    assert report.workup_score == 75.0
    assert report.total == 40.0
    assert report.capped


def test_an_early_essential_keeps_its_credit_and_is_charged_once() -> None:
    """The follow-up count before the drug is withheld (a mild rule) earns
    its share less the low-yield penalty, 14.29 - 5 = 9.3; it is not also
    missed, so the workup is 100 - 5 = 95."""
    report = grade(drug_key(), Attempt((PRIOR, SMEAR, MEDS, COUNT, COUNT, WITHHOLD, EBV), THIOPURINE))

    assert report.lines[4].verdict is Verdict.PREMATURE
    assert report.lines[4].points == 9.3
    assert report.missed_essentials == ()
    assert (report.essential_chosen, report.essential_credited) == (6, 5)
    assert report.workup_score == 95.0
    assert report.total == 97.0
    assert not report.cap_triggered


def test_an_early_useful_choice_is_charged_the_premature_penalty() -> None:
    """A useful item chosen too early: 0 - 25 = -25."""
    key = CaseKey(
        steps=(KeyedStep("a", Tier.ESSENTIAL, expert_position=1), KeyedStep("b", Tier.USEFUL, expert_position=2)),
        diagnosis_options=(DiagnosisOption("x", 1.0),),
        order_rules=(OrderRule("a", "b"),),
    )
    report = grade(key, Attempt(("b", "a")))

    assert report.lines[0].points == -25.0
    assert report.efficiency == 0.5


def test_a_premature_group_member_satisfies_its_group_once() -> None:
    """An any-of member chosen too early earns the group's share less the
    penalty; the other member chosen later earns 0: the group is neither
    missed nor credited twice, and the total is the same in either order."""
    steps = (
        KeyedStep("smear", Tier.ESSENTIAL, expert_position=1),
        KeyedStep("ebv", Tier.ESSENTIAL, expert_position=2, any_of="viral"),
        KeyedStep("cmv", Tier.ESSENTIAL, expert_position=2, any_of="viral"),
    )
    key = CaseKey(steps, (DiagnosisOption("x", 1.0),), (OrderRule("smear", "ebv", premature_counts_as_harmful=False),))

    early = grade(key, Attempt(("ebv", "smear", "cmv")))

    assert [(line.verdict, line.points) for line in early.lines] == [
        (Verdict.PREMATURE, 45.0),
        (Verdict.ESSENTIAL, 50.0),
        (Verdict.ESSENTIAL_ALTERNATIVE, 0.0),
    ]
    assert early.missed_essentials == ()
    assert (early.essential_total, early.essential_chosen, early.essential_credited) == (2, 2, 1)
    assert early.workup_score == 95.0


# --------------------------------------------------------------------------
# Weights and any-of groups
# --------------------------------------------------------------------------


def test_weighted_essentials_share_the_credit_by_weight() -> None:
    """Withholding the drug (weight 2) earns twice a weight-1 essential:
    100 x 2/7 = 28.6 against 14.3."""
    report = grade(drug_key(), Attempt((PRIOR, WITHHOLD)))

    assert [line.points for line in report.lines] == [14.3, 28.6]
    assert report.essential_weight_total == 7.0
    assert report.essential_total == 6


def test_a_missed_weighted_essential_reports_its_weight() -> None:
    """The missed unit carries its weight for the report to explain."""
    report = grade(drug_key(), Attempt((PRIOR, SMEAR, MEDS, COUNT, COUNT, EBV)))

    assert [(m.step, m.weight) for m in report.missed_essentials] == [(WITHHOLD, 2.0)]


def test_any_of_group_counts_once_whichever_member_is_chosen() -> None:
    """EBV or CMV testing: either earns the group's share (14.3); the second
    one ordered earns 0 as essential_alternative and is still efficient."""
    only_cmv = grade(drug_key(), Attempt((CMV,)))
    both = grade(drug_key(), Attempt((EBV, CMV)))

    assert only_cmv.lines[0].points == 14.3
    assert [(line.verdict, line.points, line.any_of) for line in both.lines] == [
        (Verdict.ESSENTIAL, 14.3, "viral"),
        (Verdict.ESSENTIAL_ALTERNATIVE, 0.0, "viral"),
    ]
    assert both.efficiency == 1.0
    assert all(m.any_of == () for m in both.missed_essentials)


def test_a_missed_group_is_missed_once_as_one_of_its_members() -> None:
    """Neither EBV nor CMV: one missed unit, "one of: cmv-pcr, ebv-serology"
    in expert-path order, with the first member's rationale."""
    report = grade(drug_key(), Attempt((PRIOR, SMEAR, MEDS, WITHHOLD, COUNT, COUNT)))

    assert report.missed_essentials == (
        MissedEssential(CMV, "A viral cause.", (), occurrence=1, weight=1.0, any_of=(CMV, EBV)),
    )


def test_a_group_weighs_as_much_as_its_heaviest_member() -> None:
    """Members of weight 1 and 3 make a unit of weight 3 beside a single
    essential of weight 1: the group is worth 75, the single one 25."""
    key = CaseKey(
        steps=(
            KeyedStep("a", Tier.ESSENTIAL),
            KeyedStep("b", Tier.ESSENTIAL, any_of="g", weight=1),
            KeyedStep("c", Tier.ESSENTIAL, any_of="g", weight=3),
        ),
        diagnosis_options=(DiagnosisOption("x", 1.0),),
    )
    report = grade(key, Attempt(("b", "a")))

    assert [line.points for line in report.lines] == [75.0, 25.0]
    assert report.essential_weight_total == 4.0


# --------------------------------------------------------------------------
# Grade bands and efficiency
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "letter"),
    [(100.0, "A"), (90.0, "A"), (89.9, "B"), (80.0, "B"), (77.0, "C"), (60.0, "D"), (50.0, "E"), (49.9, "F"), (0, "F")],
)
def test_default_grade_bands(total: float, letter: str) -> None:
    """A from 90, B from 80, C from 70, D from 60, E from 50, F below."""
    assert GradeBands().letter_for(total) == letter


def test_grade_bands_are_set_per_case_and_shown_on_the_report() -> None:
    """Custom bands decide the letter, and the report carries them."""
    bands = {"A": 95, "B": 85, "C": 75, "D": 65, "E": 55}
    scoring = ScoringSettings(grade_bands=bands)  # type: ignore[arg-type]
    report = grade(drug_key(scoring=scoring), Attempt(WORKUP, THIOPURINE))

    assert report.total == 100.0
    assert report.grade == "A"
    assert report.grade_bands.to_dict() == {"A": 95.0, "B": 85.0, "C": 75.0, "D": 65.0, "E": 55.0}
    assert grade(drug_key(scoring=scoring), Attempt((PRIOR,), THIOPURINE)).grade == "F"


def test_the_grade_follows_the_rounded_total() -> None:
    """A total shown as 90.0 is an A even if it was 89.96 before rounding."""
    key = CaseKey(
        steps=(KeyedStep("a", Tier.ESSENTIAL),),
        diagnosis_options=(DiagnosisOption("x", 1.0), DiagnosisOption("y", 0.7499)),
    )
    report = grade(key, Attempt(("a",), "y"))

    # 0.6 x 100 + 0.4 x 74.99 = 89.996
    assert report.total == 90.0
    assert report.grade == "A"


def test_a_partial_grade_band_mapping_keeps_the_other_defaults() -> None:
    """Only the letters given change; an unknown letter is refused."""
    assert GradeBands.from_mapping({"A": 95}) == GradeBands(a=95)
    with pytest.raises(ValueError, match="unknown grade band"):
        GradeBands.from_mapping({"A+": 97})


def test_efficiency_falls_with_low_yield_repeated_and_premature_choices() -> None:
    """Only timely essential, alternative and useful choices count: here
    prior counts and the smear, of five choices (a harmful one, an unkeyed
    repeat of the smear and a premature marrow biopsy lower it) = 40 %."""
    report = grade(drug_key(), Attempt((PRIOR, SMEAR, SMEAR, MARROW, GCSF)))

    assert report.efficient_choices == 2
    assert report.efficiency == 0.4
    assert report.efficiency_percent == 40.0


def test_a_choice_breaking_several_rules_is_charged_their_largest_penalty() -> None:
    """Breaking a harmful and a mild rule costs the larger penalty once, so
    breaking more rules never costs less, even in a case that sets
    low_yield_penalty (30) above harmful_penalty (10)."""
    steps = (
        KeyedStep("a", Tier.ESSENTIAL, expert_position=1),
        KeyedStep("b", Tier.ESSENTIAL, expert_position=2),
        KeyedStep("c", Tier.USEFUL, expert_position=3),
    )
    rules = (OrderRule("a", "c"), OrderRule("b", "c", premature_counts_as_harmful=False))
    key = CaseKey(steps, (DiagnosisOption("x", 1.0),), rules, ScoringSettings(low_yield_penalty=30, harmful_penalty=10))

    both = grade(key, Attempt(("c",)))
    mild_only = grade(key, Attempt(("a", "c")))

    assert both.lines[0].points == -30.0
    assert both.cap_triggered  # a harmful-counting rule was broken
    assert mild_only.lines[1].points == -30.0
