"""Certainty-based marking and differential checkpoints (issue 18): pure, typed, deterministic."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leucocases.cases.grading.certainty import Certainty, calibration, cbm_mark
from leucocases.cases.grading.differential import (
    MAX_CAUSES,
    ExpertCause,
    ExpertCheckpoint,
    compare_differentials,
    differential_problems,
)

CAUSES = tuple(f"cause-{i}" for i in range(8))
LEVELS = list(Certainty)


def test_moodle_scale() -> None:
    assert [cbm_mark(correct=True, certainty=c) for c in LEVELS] == [1, 2, 3]
    assert [cbm_mark(correct=False, certainty=c) for c in LEVELS] == [0, -2, -6]


@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_stating_higher_certainty_never_raises_the_mark_of_a_wrong_answer(a: Certainty, b: Certainty) -> None:
    low, high = sorted((a, b), key=LEVELS.index)
    assert cbm_mark(correct=False, certainty=high) <= cbm_mark(correct=False, certainty=low)
    assert cbm_mark(correct=True, certainty=high) >= cbm_mark(correct=True, certainty=low)


def test_calibration_counts_how_often_each_level_was_right() -> None:
    rows = calibration([("high", True), ("high", False), ("high", True), ("low", False)])
    by_level = {row.certainty: row for row in rows}
    assert (by_level[Certainty.HIGH].stated, by_level[Certainty.HIGH].correct) == (3, 2)
    assert by_level[Certainty.HIGH].rate == pytest.approx(2 / 3)
    assert by_level[Certainty.MEDIUM].rate is None
    assert by_level[Certainty.LOW].rate == 0.0


EXPERT = (
    ExpertCheckpoint("presentation", (ExpertCause("cause-0"), ExpertCause("cause-1", must_not_miss=True))),
    ExpertCheckpoint("final", (ExpertCause("cause-0"), ExpertCause("cause-2"))),
)


def test_comparison_side_by_side() -> None:
    result = compare_differentials(
        EXPERT,
        {"presentation": ["cause-3", "cause-2"], "final": ["cause-0", "cause-2"]},
        correct_cause="cause-0",
        summaries={"presentation": "Older man, low count"},
    )
    first, last = result.checkpoints
    assert first.summary == "Older man, low count"
    assert first.matched == () and first.missed_must_not_miss == ("cause-1",)
    assert last.added == ("cause-0",) and last.dropped == ("cause-3",)
    assert (result.correct_entered_at, result.correct_rank) == (1, 1)
    assert result.never_considered == ("cause-1",)
    assert first.score == 0.0 and last.score == 100.0 and result.score == 50.0
    assert result.to_dict()["checkpoints"][1]["added"] == ["cause-0"]


def test_expert_problems_are_listed() -> None:
    assert differential_problems(EXPERT, correct_cause="cause-0") == []
    problems = differential_problems(
        (ExpertCheckpoint("final", (ExpertCause("cause-1"), ExpertCause("cause-1"))),), correct_cause="cause-0"
    )
    assert any("twice" in p for p in problems) and any("full-credit" in p for p in problems)


def test_a_learner_list_too_long_is_refused() -> None:
    with pytest.raises(ValueError):
        compare_differentials(EXPERT, {"final": list(CAUSES[: MAX_CAUSES + 1])}, correct_cause="cause-0")


learner_lists = st.lists(st.sampled_from(CAUSES[1:]), unique=True, max_size=MAX_CAUSES - 1)


@settings(max_examples=200, deadline=None)
@given(learner_lists, learner_lists, st.integers(0, 1), st.integers(0, MAX_CAUSES - 1))
def test_adding_the_correct_cause_never_lowers_the_score(first, final, where, at) -> None:
    lists = {"presentation": list(first), "final": list(final)}
    before = compare_differentials(EXPERT, lists, correct_cause="cause-0").score
    target = lists["presentation" if where == 0 else "final"]
    target.insert(min(at, len(target)), "cause-0")
    after = compare_differentials(EXPERT, lists, correct_cause="cause-0").score
    assert after >= before
