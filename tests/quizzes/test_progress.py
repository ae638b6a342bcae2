"""The pure progress module: mastery, workup habits, weak spots. No database."""

from datetime import UTC, datetime, timedelta

import pytest

from leucocases.quizzes import progress, weak_spots
from leucocases.quizzes.habits import step_habits
from leucocases.quizzes.progress import CaseCandidate, LineRecord, ReportRecord

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
NAMES = {"medication": "Medication", "infection": "Infection", "marrow": "Bone-marrow disorders"}


def rec(case_id, total, *, days_ago=0.0, groups=("medication",), attempt_id=None, lines=(), missed=(), missed_at=()):
    return ReportRecord(
        attempt_id=attempt_id if attempt_id is not None else case_id * 1000 + int(days_ago * 10),
        case_id=case_id,
        submitted_at=NOW - timedelta(days=days_ago),
        total=total,
        groups=tuple(groups),
        lines=tuple(LineRecord(*line) for line in lines),
        missed_essentials=tuple(missed),
        missed_occurrences=tuple(missed_at),
    )


def cand(case_id, *groups, difficulty=2, title=None):
    return CaseCandidate(
        case_id=case_id,
        slug=f"case-{case_id}",
        title=title or f"Case {case_id:02d}",
        groups=groups,
        difficulty=difficulty,
    )


# --- reading stored reports -------------------------------------------------


def test_a_record_reads_lines_and_missed_essentials_from_report_json():
    """The stored report's lines (step, verdict, tier) and missed essentials become the record."""
    data = {
        "lines": [
            {"step": "peripheral-smear", "verdict": "essential", "tier": "essential"},
            {"step": "cmv-pcr", "verdict": "not_contributory", "tier": None},
        ],
        "missed_essentials": [{"step": "prior-counts", "rationale": "…", "citations": []}],
    }
    record = progress.record_from_report(
        attempt_id=1, case_id=2, submitted_at=NOW, total=55, groups=["marrow"], data=data
    )
    assert record.lines == (
        LineRecord("peripheral-smear", "essential", "essential"),
        LineRecord("cmv-pcr", "not_contributory", None),
    )
    assert record.missed_essentials == ("prior-counts",)
    assert record.total == 55.0 and record.groups == ("marrow",)


def test_a_record_numbers_repeats_and_reads_missed_occurrences():
    """The second line of one entry is its occurrence 2; a missed follow-up count keeps its occurrence."""
    data = {
        "lines": [
            {"position": 1, "step": "repeat-cbc", "verdict": "essential", "tier": "essential"},
            {"position": 2, "step": "continue-current-medication", "verdict": "never", "tier": "never"},
            {"position": 3, "step": "repeat-cbc", "verdict": "premature", "tier": "essential"},
        ],
        "missed_essentials": [{"step": "repeat-cbc", "occurrence": 2}, {"step": "medication-review"}],
    }
    record = progress.record_from_report(attempt_id=1, case_id=2, submitted_at=NOW, total=0, groups=(), data=data)
    assert [(line.step, line.occurrence) for line in record.lines] == [
        ("repeat-cbc", 1),
        ("continue-current-medication", 1),
        ("repeat-cbc", 2),
    ]
    assert (record.missed_essentials, record.missed_occurrences) == (("repeat-cbc", "medication-review"), (2, 1))


@pytest.mark.parametrize("data", [{}, None, {"lines": None}, {"lines": [{"nope": 1}], "missed_essentials": ["x"]}])
def test_a_report_missing_parts_counts_as_nothing(data):
    """Old or hand-made reports without lines or missed essentials do not break the dashboard."""
    record = progress.record_from_report(attempt_id=1, case_id=1, submitted_at=NOW, total=70, groups=(), data=data)
    assert record.lines == () and record.missed_essentials == ()


# --- mastery ------------------------------------------------------------------


def test_mastery_is_the_mean_of_each_cases_latest_total():
    """A case counts once, with its latest total: retrying a case well raises mastery."""
    records = [
        rec(1, 20, days_ago=5),
        rec(1, 80, days_ago=1),  # latest on case 1
        rec(2, 50, days_ago=2),
    ]
    (medication,) = progress.group_mastery(records, group_names=NAMES)
    assert medication.mean_total == 65.0  # (80 + 50) / 2
    assert medication.cases == 2 and medication.attempts == 3
    assert not medication.is_weak


def test_a_case_in_two_groups_counts_in_both_and_groups_follow_the_taxonomy_order():
    """Mastery lists groups in taxonomy order; a two-group case counts in each group."""
    records = [
        rec(1, 30, groups=("infection", "medication")),
        rec(2, 90, groups=("medication",)),
        rec(3, 40, groups=("unknown-group",)),
    ]
    result = progress.group_mastery(records, group_names=NAMES)
    assert [(g.slug, g.name, g.mean_total) for g in result] == [
        ("medication", "Medication", 60.0),
        ("infection", "Infection", 30.0),
        ("unknown-group", "unknown-group", 40.0),
    ]
    assert [g.is_weak for g in result] == [False, True, True]


def test_no_records_no_mastery():
    """Without attempts there is nothing to show."""
    assert progress.group_mastery([], group_names=NAMES) == ()


# --- workup habits --------------------------------------------------------------


def test_step_habits_count_misses_against_the_cases_that_needed_the_step():
    """A step's miss share is missed / attempts in which it was essential (chosen or missed)."""
    records = [
        rec(1, 50, attempt_id=1, lines=[("smear", "essential", "essential")], missed=["prior-counts"]),
        rec(
            2, 50, attempt_id=2, lines=[("smear", "essential", "essential"), ("prior-counts", "essential", "essential")]
        ),
        rec(3, 50, attempt_id=3, missed=["prior-counts", "smear"]),
    ]
    habits = step_habits(records, step_names={"smear": "Peripheral smear", "prior-counts": "Prior counts"})
    assert habits.reports == 3
    assert [(m.slug, m.name, m.missed, m.opportunities, m.rate_percent) for m in habits.missed] == [
        ("prior-counts", "Prior counts", 2, 3, 66.7),
        ("smear", "Peripheral smear", 1, 3, 33.3),
    ]


def test_step_habits_count_over_ordering_by_verdict():
    """Low-yield, not contributory, harmful and premature choices count as over-ordering;
    essential and useful ones do not."""
    records = [
        rec(1, 40, attempt_id=1, lines=[("marrow", "premature", "harmful"), ("cmv", "not_contributory", None)]),
        rec(2, 40, attempt_id=2, lines=[("marrow", "harmful", "harmful"), ("b12", "low_yield", "low_yield")]),
        rec(3, 40, attempt_id=3, lines=[("marrow", "harmful", "harmful"), ("tpmt", "useful", "useful")]),
    ]
    habits = step_habits(records, step_names={"marrow": "Marrow biopsy"})
    assert [(s.slug, s.count) for s in habits.over_ordered] == [("marrow", 3), ("b12", 1), ("cmv", 1)]
    marrow = habits.over_ordered[0]
    assert marrow.by_verdict == (("Harmful", 2), ("Premature", 1))
    assert marrow.verdicts_text == "harmful 2, premature 1"
    assert marrow.name == "Marrow biopsy"
    assert habits.missed == ()


def test_step_habits_count_each_occurrence_apart():
    """A follow-up count (the second order of the count) is a habit of its own: missed, needed and
    over-ordered on its own line, named "(2nd time)"."""
    records = [
        rec(
            1, 90, attempt_id=1, lines=[("count", "essential", "essential", 1), ("count", "essential", "essential", 2)]
        ),
        rec(2, 40, attempt_id=2, lines=[("count", "essential", "essential", 1)], missed=["count"], missed_at=[2]),
        rec(
            3, 40, attempt_id=3, lines=[("count", "essential", "essential", 1), ("count", "premature", "essential", 2)]
        ),
    ]
    habits = step_habits(records, step_names={"count": "Repeat count"})
    assert [(m.slug, m.occurrence, m.name, m.missed, m.opportunities) for m in habits.missed] == [
        ("count", 2, "Repeat count (2nd time)", 1, 3)
    ]
    assert [(s.name, s.count, s.verdicts_text) for s in habits.over_ordered] == [
        ("Repeat count (2nd time)", 1, "premature 1")
    ]


def test_never_choices_are_a_habit_of_their_own():
    """A never choice is counted as such (not as over-ordering), with the attempts that made one."""
    records = [
        rec(1, 0, attempt_id=1, lines=[("continue", "never", "never"), ("smear", "essential", "essential")]),
        rec(2, 0, attempt_id=2, lines=[("continue", "never", "never"), ("steroids", "never", "never")]),
        rec(3, 80, attempt_id=3, lines=[("smear", "essential", "essential")]),
    ]
    habits = step_habits(records, step_names={"continue": "Continue the drug", "steroids": "Corticosteroids"})
    assert [(s.name, s.count) for s in habits.never] == [("Continue the drug", 2), ("Corticosteroids", 1)]
    assert (habits.never_reports, habits.reports, habits.over_ordered) == (2, 3, ())


# --- weak spots: due cards, then unseen cases ---------------------------------------


def card(case_id, *, due_in_days):
    return weak_spots.CardDue(case_id=case_id, due=NOW + timedelta(days=due_in_days))


def test_due_cases_come_first_most_overdue_first_alternating_cause_groups():
    """Cards due now, most overdue first, are interleaved so that consecutive cases teach different
    groups where they can; cards not due are listed later, soonest first, with the wait in words."""
    records = [rec(i, 40, days_ago=5, groups=(g,)) for i, g in ((1, "medication"), (2, "medication"), (3, "infection"))]
    records.append(rec(4, 90, days_ago=1, groups=("marrow",)))
    cards = [card(1, due_in_days=-3), card(2, due_in_days=-2), card(3, due_in_days=-1), card(4, due_in_days=5.5)]
    candidates = [cand(1, "medication"), cand(2, "medication"), cand(3, "infection"), cand(4, "marrow")]
    mastery = progress.group_mastery(records, group_names=NAMES)
    plan = weak_spots.weak_spot_plan(records, cards=cards, candidates=candidates, mastery=mastery, now=NOW)
    assert [(s.case_id, s.kind, s.group_slug, s.due_text) for s in plan.items] == [
        (1, "review", "medication", "due now"),
        (3, "review", "infection", "due now"),
        (2, "review", "medication", "due now"),
    ]
    assert plan.items[0].last_total == 40 and plan.items[0].last_attempt_at == NOW - timedelta(days=5)
    assert [(u.case_id, u.due_text, u.last_total) for u in plan.upcoming] == [(4, "due again in 6 days", 90)]


def test_weak_spots_review_first_then_unseen_cases_easier_first_up_to_five():
    """Due reviews come first; then, since some group is weak, unseen cases, easier first, whatever
    their group: choosing them "in your weakest group" (or "on the cause you just saw") would tell the
    learner an unseen case's group, which is part of its answer. Seen cases are not new; at most five."""
    records = [
        rec(1, 50, days_ago=4, groups=("medication",)),  # medication mean 50: weak
        rec(2, 10, days_ago=4, groups=("infection",)),  # infection mean 10: weakest
        rec(3, 95, days_ago=4, groups=("marrow",)),  # marrow strong
    ]
    candidates = [
        cand(1, "medication"),
        cand(2, "infection"),
        cand(3, "marrow"),
        cand(10, "medication", difficulty=3, title="Hard medication case"),
        cand(11, "medication", difficulty=1, title="Easy medication case"),
        cand(20, "infection", difficulty=2, title="Infection B"),
        cand(21, "infection", difficulty=2, title="Infection A"),
        cand(30, "marrow", difficulty=1, title="Unseen marrow case"),
    ]
    cards = [card(2, due_in_days=-2), card(1, due_in_days=-1), card(3, due_in_days=20)]
    mastery = progress.group_mastery(records, group_names=NAMES)
    plan = weak_spots.weak_spot_plan(records, cards=cards, candidates=candidates, mastery=mastery, now=NOW)
    assert [g.slug for g in plan.weak_groups] == ["infection", "medication"]
    assert [(s.case_id, s.kind, s.group_slug) for s in plan.items] == [
        (2, "review", "infection"),
        (1, "review", "medication"),
        (11, "new", ""),
        (30, "new", ""),
        (21, "new", ""),
    ]
    assert plan.items[0].group_name == "Infection" and plan.items[2].group_name == ""


def test_weak_spots_only_suggest_candidates_and_respect_the_limit():
    """A case no longer playable (not a candidate) is never suggested nor listed; the limit caps the list."""
    records = [rec(i, 10, days_ago=30, groups=("infection",)) for i in range(1, 9)]
    cards = [card(i, due_in_days=-i) for i in range(1, 9)] + [card(9, due_in_days=3)]
    mastery = progress.group_mastery(records, group_names=NAMES)
    plan = weak_spots.weak_spot_plan(
        records,
        cards=cards,
        candidates=[cand(i, "infection") for i in range(2, 9)],
        mastery=mastery,
        now=NOW,
        limit=5,
    )
    assert [s.case_id for s in plan.items] == [8, 7, 6, 5, 4]
    assert plan.upcoming == ()


def test_a_learner_doing_well_with_nothing_due_has_no_weak_spots():
    """Every group at 60 or more and no card due: nothing to suggest; what is not due is listed."""
    records = [rec(1, 60), rec(2, 99, groups=("infection",))]
    mastery = progress.group_mastery(records, group_names=NAMES)
    plan = weak_spots.weak_spot_plan(
        records,
        cards=[card(1, due_in_days=0.25)],
        candidates=[cand(1, "medication"), cand(5, "medication")],
        mastery=mastery,
        now=NOW,
    )
    assert plan.items == () and plan.weak_groups == ()
    assert [(u.case_id, u.due_text) for u in plan.upcoming] == [(1, "due again later today")]
