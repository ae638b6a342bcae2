"""FSRS scheduling of cases (issue 18): ratings from reports, due dates in words."""

from datetime import UTC, datetime, timedelta

from fsrs import Rating

from leucocases.quizzes.scheduling import (
    ReviewOutcome,
    due_in_words,
    interleave_by_group,
    rating_for,
    schedule_review,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_ratings_follow_the_reasoning_in_the_report() -> None:
    assert rating_for(ReviewOutcome(diagnosis_correct=True, never_triggered=True)) is Rating.Again
    assert rating_for(ReviewOutcome(diagnosis_correct=False)) is Rating.Again
    assert rating_for(ReviewOutcome(diagnosis_correct=True, missed_essentials=1)) is Rating.Hard
    assert rating_for(ReviewOutcome(diagnosis_correct=True, efficiency=0.8)) is Rating.Good
    assert rating_for(ReviewOutcome(diagnosis_correct=True, efficiency=1.0, certainty="high")) is Rating.Easy


def test_better_ratings_come_back_later_and_the_schedule_is_deterministic() -> None:
    dues = [schedule_review(None, rating, reviewed_at=NOW).due for rating in Rating]
    assert dues == sorted(dues) and dues[0] > NOW + timedelta(hours=12)  # days, never minutes
    again = schedule_review(None, Rating.Good, reviewed_at=NOW)
    assert schedule_review(None, Rating.Good, reviewed_at=NOW).due == again.due
    second = schedule_review(again.card, Rating.Good, reviewed_at=again.due)
    assert second.due - again.due > again.due - NOW  # intervals grow
    assert second.log["rating"] == Rating.Good.value


def test_due_in_words() -> None:
    assert due_in_words(NOW - timedelta(hours=1), now=NOW) == "due now"
    assert due_in_words(NOW + timedelta(days=1), now=NOW) == "due again tomorrow"
    assert due_in_words(NOW + timedelta(days=5, hours=2), now=NOW) == "due again in 6 days"


def test_interleaving_alternates_cause_groups_keeping_each_groups_order() -> None:
    order = interleave_by_group([("a1", ["a"]), ("a2", ["a"]), ("a3", ["a"]), ("b1", ["b"]), ("c1", ["c"])])
    assert order == ["a1", "b1", "c1", "a2", "a3"]


def test_the_benchmark_prints_retention_for_each_policy(capsys) -> None:
    from benchmarks.bench_spaced_practice import main

    main(["--learners", "5", "--days", "20"])
    out = capsys.readouterr().out
    for policy in ("fsrs", "ladder", "random"):
        assert policy in out
