"""Spaced practice: FSRS against the old ladder, on synthetic learners.

    .venv/bin/python -m benchmarks.bench_spaced_practice [--learners 1000] [--days 90]

Each synthetic learner meets ``CASES`` cases, two new ones a day, then has a
budget of ``BUDGET`` review plays a day, the same for every policy. Memory of
a case follows a forgetting curve ``R = 0.9 ** (t / S)`` (R is 0.9 when t
equals the stability S, in days); each learner has their own starting
stability and growth. A review succeeds with probability R; success grows S
more the more was forgotten (the spacing effect), failure shrinks it.

Policies, each given the same learners (same random seeds):

* ``fsrs``: ``quizzes.scheduling`` (success → Good, failure → Again); the
  budget goes to due cases, most overdue first;
* ``ladder``: the weak-spots rule FSRS replaced (``review_interval_days``
  below, formerly ``quizzes.weak_spots``): a failed case comes back after 1, 3,
  7, 14 … days; a success ends its streak, and it never comes back;
* ``random``: the budget goes to random cases already met.

Printed: mean retention (R averaged over cases) at the end, mean retention
over the last 30 days, and the share of the review budget each policy used.
Figures, not pass/fail: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leucocases.quizzes.scheduling import ReviewOutcome, rating_for, schedule_review  # noqa: E402

CASES = 24
NEW_PER_DAY = 2
BUDGET = 2
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
#: The old ladder: days before a case with a streak of 1, 2, 3, 4 failures comes
#: back, then doubling, at most 56 days (the weak-spots rule until FSRS).
LADDER_DAYS = (1, 3, 7, 14)
LADDER_MAX_DAYS = 56


def review_interval_days(streak: int) -> int:
    if streak <= len(LADDER_DAYS):
        return LADDER_DAYS[streak - 1]
    return min(LADDER_DAYS[-1] * 2 ** (streak - len(LADDER_DAYS)), LADDER_MAX_DAYS)


@dataclass
class Memory:
    stability: float
    last: float  # day of the last play
    growth: float

    def recall(self, day: float) -> float:
        return 0.9 ** ((day - self.last) / self.stability)

    def play(self, day: float, rng: random.Random) -> bool:
        recalled = self.recall(day)
        success = rng.random() < recalled
        if success:
            self.stability *= 1.0 + self.growth * (1.05 - recalled)
        else:
            self.stability = max(0.3, self.stability * 0.4)
        self.last = day
        return success


@dataclass
class Learner:
    seed: int
    memories: dict[int, Memory] = field(default_factory=dict)

    def meet(self, case: int, day: float, rng: random.Random) -> bool:
        self.memories[case] = Memory(
            stability=math.exp(rng.gauss(0.0, 0.5)), last=day, growth=math.exp(rng.gauss(1.0, 0.3))
        )
        return rng.random() < 0.6  # the first play of a new case: right about 60 % of the time


class Policy:
    name = ""

    def first(self, case: int, day: int, success: bool) -> None: ...
    def picks(self, day: int, met: list[int], rng: random.Random) -> list[int]: ...
    def reviewed(self, case: int, day: int, success: bool) -> None: ...


class FsrsPolicy(Policy):
    name = "fsrs"

    def __init__(self) -> None:
        self.cards: dict[int, dict] = {}
        self.due: dict[int, datetime] = {}

    def _review(self, case: int, day: int, success: bool) -> None:
        rating = rating_for(ReviewOutcome(diagnosis_correct=success, efficiency=0.8))
        review = schedule_review(
            self.cards.get(case), rating, reviewed_at=EPOCH + timedelta(days=day), card_id=case + 1
        )
        self.cards[case], self.due[case] = review.card, review.due

    first = reviewed = _review

    def picks(self, day: int, met: list[int], rng: random.Random) -> list[int]:
        now = EPOCH + timedelta(days=day, hours=23)
        due = sorted((when, case) for case, when in self.due.items() if when <= now)
        return [case for _, case in due[:BUDGET]]


class LadderPolicy(Policy):
    name = "ladder"

    def __init__(self) -> None:
        self.streak: dict[int, int] = {}
        self.due: dict[int, int] = {}

    def _review(self, case: int, day: int, success: bool) -> None:
        if success:
            self.streak.pop(case, None)
            self.due.pop(case, None)
        else:
            self.streak[case] = self.streak.get(case, 0) + 1
            self.due[case] = day + review_interval_days(self.streak[case])

    first = reviewed = _review

    def picks(self, day: int, met: list[int], rng: random.Random) -> list[int]:
        due = sorted((when, case) for case, when in self.due.items() if when <= day)
        return [case for _, case in due[:BUDGET]]


class RandomPolicy(Policy):
    name = "random"

    def first(self, case: int, day: int, success: bool) -> None:
        pass

    reviewed = first

    def picks(self, day: int, met: list[int], rng: random.Random) -> list[int]:
        return rng.sample(met, min(BUDGET, len(met)))


def simulate(policy_class: type[Policy], *, learners: int, days: int) -> tuple[float, float, float]:
    final, late, used = 0.0, 0.0, 0
    for seed in range(learners):
        rng, policy_rng = random.Random(seed), random.Random(10_000 + seed)
        learner, policy, met = Learner(seed), policy_class(), []
        late_sum = 0.0
        for day in range(days):
            for case in range(day * NEW_PER_DAY, min(CASES, (day + 1) * NEW_PER_DAY)):
                policy.first(case, day, learner.meet(case, day, rng))
                met.append(case)
            for case in policy.picks(day, met, policy_rng):
                policy.reviewed(case, day, learner.memories[case].play(day, rng))
                used += 1
            if day >= days - 30:
                late_sum += sum(m.recall(day + 1) for m in learner.memories.values()) / CASES
        final += sum(m.recall(days) for m in learner.memories.values()) / CASES
        late += late_sum / min(30, days)
    return final / learners, late / learners, used / (learners * days * BUDGET)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args(argv)
    print(f"{args.learners} learners, {CASES} cases each, {args.days} days, {BUDGET} review plays a day")
    print(f"{'policy':<8} {'retention at end':>17} {'mean, last 30 days':>19} {'budget used':>12}")
    results = {}
    for policy in (FsrsPolicy, LadderPolicy, RandomPolicy):
        results[policy.name] = simulate(policy, learners=args.learners, days=args.days)
        end, late, used = results[policy.name]
        print(f"{policy.name:<8} {end:>17.3f} {late:>19.3f} {used:>11.0%}")
    print(f"fsrs / ladder retention at end: {results['fsrs'][0] / max(results['ladder'][0], 1e-9):.1f}x")


if __name__ == "__main__":
    main()
