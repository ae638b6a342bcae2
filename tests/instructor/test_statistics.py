"""The pure item-analysis statistics: no database, hand-computed examples."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from leucocases.instructor.case_times import format_seconds, seconds_on_each_case
from leucocases.instructor.statistics import (
    ReportRecord,
    case_summary,
    diagnosis_distribution,
    discrimination_indices,
    grade_distribution,
    item_analysis,
    option_stats,
    over_ordering,
    pearson,
    record_from_data,
)


class TestPearson:
    def test_hand_computed_example(self):
        """x = 1..5, y = 2,4,5,4,5: Sxy = 6, Sxx = 10, Syy = 6, so r = 6 / √60 ≈ 0.7746."""
        r = pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])
        assert r == pytest.approx(6 / math.sqrt(60))
        assert r == pytest.approx(0.774597, abs=1e-6)

    def test_perfect_and_inverse_correlation(self):
        """A linear relation gives 1, an inverse one −1."""
        assert pearson([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
        assert pearson([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)

    def test_undefined_below_two_pairs_or_without_variance(self):
        """Fewer than two pairs, or a constant sample, has no correlation (None, shown as "—")."""
        assert pearson([], []) is None
        assert pearson([5], [7]) is None
        assert pearson([50, 50, 50], [1, 2, 3]) is None
        assert pearson([1, 2, 3], [0.1 + 0.2, 0.3, 0.30000000000000004]) is None

    def test_lengths_must_match(self):
        with pytest.raises(ValueError):
            pearson([1, 2], [1])


class TestDiscrimination:
    def test_item_against_the_rest_of_the_quiz(self):
        """Three finished attempts scoring (10, 20, 30), (20, 10, 50), (30, 40, 40) on items a, b, c.

        Item a: own = 10, 20, 30; rest = 50, 60, 80. Means 20 and 190/3; Sxy = 300,
        Sxx = 200, Syy = 1400/3; r = 300 / √(200 × 1400/3) ≈ 0.9820.
        """
        scores = {
            1: {"a": 10, "b": 20, "c": 30},
            2: {"a": 20, "b": 10, "c": 50},
            3: {"a": 30, "b": 40, "c": 40},
        }
        result = discrimination_indices(scores, items=["a", "b", "c"])
        assert result["a"].n == 3
        assert result["a"].index == pytest.approx(300 / math.sqrt(200 * 1400 / 3))
        assert result["a"].index == pytest.approx(0.98198, abs=1e-5)
        # b: own 20, 10, 40; rest 40, 70, 70. Sxy = 100, Sxx = 1400/3, Syy = 600: r = 100 / √280000 ≈ 0.1890.
        assert result["b"].index == pytest.approx(100 / math.sqrt(280_000))

    def test_an_item_everyone_scores_the_same_on_has_no_index(self):
        """Zero variance on the item: "—"."""
        scores = {1: {"a": 50, "b": 10}, 2: {"a": 50, "b": 90}, 3: {"a": 50, "b": 40}}
        assert discrimination_indices(scores, items=["a", "b"])["a"].index is None

    def test_one_attempt_or_one_item_has_no_index(self):
        assert discrimination_indices({1: {"a": 10, "b": 20}}, items=["a", "b"])["a"].index is None
        assert discrimination_indices({1: {"a": 10}, 2: {"a": 30}}, items=["a"])["a"].index is None

    def test_a_missing_item_counts_as_zero(self):
        """An item never graded in an attempt scores 0, like an unanswered question."""
        with_gap = discrimination_indices({1: {"a": 10, "b": 0}, 2: {"a": 30}, 3: {"a": 20, "b": 60}}, items=["a", "b"])
        explicit = discrimination_indices(
            {1: {"a": 10, "b": 0}, 2: {"a": 30, "b": 0}, 3: {"a": 20, "b": 60}}, items=["a", "b"]
        )
        assert with_gap == explicit


def rec(n, total, steps, verdicts, missed=(), dx=None, verdict="none"):
    return ReportRecord(
        attempt_id=n,
        total=total,
        steps=tuple(steps),
        verdicts=tuple(verdicts),
        missed=tuple(missed),
        diagnosis=dx,
        diagnosis_verdict=verdict,
    )


RECORDS = [
    rec(1, 80.0, ["smear", "prior", "biopsy"], ["essential", "essential", "harmful"], [], "thio", "correct"),
    rec(2, 40.0, ["prior", "cmv"], ["essential", "not_contributory"], ["smear"], "thio", "correct"),
    rec(3, 20.0, ["biopsy", "b12", "cmv"], ["premature", "low_yield", "not_contributory"], ["smear", "prior"]),
    rec(4, 60.0, ["smear"], ["essential"], ["prior"], "drugs", "partial"),
]
KEYED = {"smear": "essential", "prior": "essential", "b12": "low_yield", "biopsy": "harmful", "tpmt": "useful"}


class TestOptions:
    def test_counts_per_step(self):
        """Chosen, chosen first, graded low-yield or harmful, and missed, per step over four attempts."""
        stats = {s.step: s for s in option_stats(RECORDS, keyed=KEYED)}
        smear = stats["smear"]
        assert (smear.n, smear.chosen, smear.first, smear.missed) == (4, 2, 2, 2)
        assert smear.chosen_percent == 50.0 and smear.first_percent == 50.0 and smear.missed_percent == 50.0
        biopsy = stats["biopsy"]
        assert (biopsy.chosen, biopsy.first, biopsy.harmful, biopsy.low_yield) == (2, 1, 2, 0)
        cmv = stats["cmv"]
        assert cmv.tier is None and cmv.chosen == 2 and cmv.low_yield == 2 and cmv.low_yield_percent == 50.0
        assert stats["b12"].low_yield == 1
        # Keyed but never chosen: listed, with zeros.
        assert stats["tpmt"].chosen == 0 and stats["tpmt"].tier == "useful"

    def test_order_essential_first_unkeyed_last(self):
        """Rows go by tier (essential, useful, low yield, harmful, not keyed), then most chosen."""
        order = [s.step for s in option_stats(RECORDS, keyed=KEYED)]
        assert order == ["prior", "smear", "tpmt", "b12", "biopsy", "cmv"]

    def test_over_ordering(self):
        """Attempts 2 and 3 ordered unneeded steps (1 and 2 of them); 1 and 3 a harmful or premature one."""
        over = over_ordering(RECORDS)
        assert (over.low_yield_attempts, over.low_yield_steps) == (2, 3)
        assert (over.harmful_attempts, over.harmful_steps) == (2, 2)
        assert over.low_yield_attempts_percent == 50.0
        assert over.low_yield_mean == pytest.approx(0.75)
        assert over.harmful_mean == pytest.approx(0.5)

    def test_diagnosis_distribution(self):
        """Causes most often chosen first, "no diagnosis" last, each with its share."""
        shares = diagnosis_distribution(RECORDS)
        assert [(s.cause, s.verdict, s.count) for s in shares] == [
            ("thio", "correct", 2),
            ("drugs", "partial", 1),
            (None, "none", 1),
        ]
        assert shares[0].percent == 50.0

    def test_summary_and_facility(self):
        """Mean of 80, 40, 20, 60 is 50; facility is the mean as a share of the maximum."""
        s = case_summary([80, 40, 20, 60])
        assert (s.n, s.mean, s.facility) == (4, 50.0, 50.0)
        assert s.sd == pytest.approx(math.sqrt(2000 / 3))
        assert case_summary([30, 30], max_score=60).facility == 50.0
        empty = case_summary([])
        assert (empty.n, empty.mean, empty.sd, empty.facility) == (0, None, None, None)

    def test_each_occurrence_is_its_own_row_after_the_first(self):
        """A repeat count (the second order of "count") is counted apart from the first; a third order
        the key does not key is a row of its own, not keyed; missed occurrences count on their row."""
        records = [
            rec(1, 90, ["count", "withhold", "count"], ["essential", "essential", "essential"], []),
            rec(2, 40, ["count", "count", "count"], ["essential", "premature", "not_contributory"], ["withhold"]),
            ReportRecord(
                attempt_id=3,
                total=50,
                steps=("count",),
                verdicts=("essential",),
                missed=("count",),
                missed_occurrences=(2,),
            ),
        ]
        keyed = {("count", 1): "essential", ("count", 2): "essential", ("withhold", 1): "essential"}
        stats = option_stats(records, keyed=keyed)
        assert [(s.step, s.occurrence, s.tier, s.chosen, s.first, s.harmful, s.low_yield, s.missed) for s in stats] == [
            ("count", 1, "essential", 3, 3, 0, 0, 0),
            ("count", 2, "essential", 2, 0, 1, 0, 1),
            ("count", 3, None, 1, 0, 0, 1, 0),
            ("withhold", 1, "essential", 1, 0, 0, 0, 1),
        ]

    def test_never_choices_are_counted_apart_and_listed_first(self):
        """A never choice is neither harmful nor low yield: its own count, its entry on top, and the
        attempts that made one."""
        records = [
            rec(1, 10, ["smear", "continue"], ["essential", "never"], []),
            rec(2, 0, ["continue", "continue"], ["never", "not_contributory"], ["smear"]),
            rec(3, 80, ["smear"], ["essential"], []),
        ]
        stats = option_stats(records, keyed={"smear": "essential", "continue": "never"})
        assert [(s.step, s.occurrence, s.never, s.harmful) for s in stats] == [
            ("continue", 1, 2, 0),
            ("continue", 2, 0, 0),
            ("smear", 1, 0, 0),
        ]
        assert stats[0].never_percent == pytest.approx(200 / 3)
        over = over_ordering(records)
        assert (over.never_attempts, over.never_steps, over.harmful_attempts) == (2, 2, 0)
        assert over.never_attempts_percent == pytest.approx(200 / 3)

    def test_grade_distribution_lists_every_letter(self):
        """Every letter from A to F, best first, zeros included; shares of all attempts."""
        records = [
            ReportRecord(attempt_id=i, total=t, grade=g) for i, (t, g) in enumerate([(95, "A"), (10, "F"), (0, "F")])
        ]
        shares = grade_distribution(records)
        assert [(s.letter, s.count) for s in shares] == [("A", 1), ("B", 0), ("C", 0), ("D", 0), ("E", 0), ("F", 2)]
        assert shares[-1].percent == pytest.approx(200 / 3)
        assert item_analysis(records).grades == shares

    def test_item_analysis_of_nothing(self):
        """No attempts: zero counts and no division by zero."""
        analysis = item_analysis([], keyed={"smear": "essential"})
        assert analysis.summary.n == 0
        assert analysis.options[0].chosen_percent == 0.0
        assert analysis.over_ordering.low_yield_mean is None
        assert analysis.diagnoses == ()


class TestRecordFromData:
    def test_reads_a_stored_report(self):
        """Lines in position order, missed essentials, and the diagnosis as graded."""
        data = {
            "lines": [
                {"position": 2, "step": "prior", "verdict": "essential"},
                {"position": 1, "step": "smear", "verdict": "essential"},
            ],
            "missed_essentials": [{"step": "meds"}],
            "diagnosis": {"chosen": "thio", "verdict": "correct"},
        }
        record = record_from_data(attempt_id=7, total=55, data=data, quiz_attempt_id=3)
        assert record.steps == ("smear", "prior")
        assert record.missed == ("meds",)
        assert (record.diagnosis, record.diagnosis_verdict, record.total, record.quiz_attempt_id) == (
            "thio",
            "correct",
            55.0,
            3,
        )

    def test_reads_occurrences_and_the_grade(self):
        """A missed follow-up count keeps its occurrence; the stored letter is read, and an engine-1
        report (no letter, no bands) gets the letter the default bands give its total."""
        data = {
            "lines": [{"position": 1, "step": "count", "verdict": "essential", "occurrence": 1}],
            "missed_essentials": [{"step": "count", "occurrence": 2}, {"step": "meds"}],
            "grade": "C",
            "total": 71,
        }
        record = record_from_data(attempt_id=1, total=71, data=data)
        assert (record.missed, record.missed_occurrences, record.grade) == (("count", "meds"), (2, 1), "C")
        assert record_from_data(attempt_id=2, total=81, data={"total": 81}).grade == "B"
        custom = {"total": 81, "scoring": {"grade_bands": {"A": 80}}}
        assert record_from_data(attempt_id=3, total=81, data=custom).grade == "A"

    def test_tolerates_partial_data(self):
        """A report stored without lines or diagnosis reads as empty, not as an error."""
        record = record_from_data(attempt_id=1, total=10, data={"total": 10})
        assert (record.steps, record.missed, record.diagnosis, record.diagnosis_verdict) == ((), (), None, "none")


class TestTimeOnCases:
    def test_time_from_previous_submission(self):
        """Cases of a quiz all start with the quiz; each case's time runs from the previous submission."""
        start = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
        started = {"a": start, "b": start, "c": start}
        submitted = {"a": start + timedelta(minutes=5), "b": start + timedelta(minutes=12), "c": None}
        assert seconds_on_each_case(started=started, submitted=submitted) == {"a": 300, "b": 420, "c": None}

    def test_a_single_case_is_submitted_minus_started(self):
        start = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
        assert seconds_on_each_case(started={1: start}, submitted={1: start + timedelta(seconds=95)}) == {1: 95}

    def test_format(self):
        assert [format_seconds(s) for s in (None, 7, 75, 3725)] == ["—", "7 s", "1 min 15 s", "1 h 2 min"]
