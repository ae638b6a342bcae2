"""A learner's workup habits, from their stored reports: pure Python, like ``progress``.

Over every attempt (a habit is counted each time it shows): for each workup
step, how often it was essential in a case (the report's essential lines plus
its ``missed_essentials``) and how often the learner missed it; and how often
the learner ordered it when it was over-ordering: a verdict of never, low
yield, not contributory, harmful or premature.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from leucocases.cases.verdicts import VERDICT_LABELS

from .progress import ReportRecord

__all__ = ["OVER_ORDER_VERDICTS", "StepHabits", "StepMiss", "StepOverOrder", "step_habits"]

#: Report verdicts that mean the learner ordered a step the case did not need (or not yet); a never
#: choice (one no competent clinician makes in that case) first, the worst habit of all.
OVER_ORDER_VERDICTS = ("never", "low_yield", "not_contributory", "harmful", "premature")


@dataclass(frozen=True, slots=True)
class StepMiss:
    slug: str
    name: str
    missed: int
    opportunities: int  # attempts where the step was essential

    @property
    def rate_percent(self) -> float:
        return round(100.0 * self.missed / self.opportunities, 1) if self.opportunities else 0.0


@dataclass(frozen=True, slots=True)
class StepOverOrder:
    slug: str
    name: str
    count: int
    by_verdict: tuple[tuple[str, int], ...]  # (verdict label, count), largest first

    @property
    def verdicts_text(self) -> str:
        return ", ".join(f"{label.lower()} {n}" for label, n in self.by_verdict)


@dataclass(frozen=True, slots=True)
class StepHabits:
    reports: int
    missed: tuple[StepMiss, ...]  # steps missed at least once, most missed first
    over_ordered: tuple[StepOverOrder, ...]  # most over-ordered first


def step_habits(records: Iterable[ReportRecord], *, step_names: Mapping[str, str]) -> StepHabits:
    """Which essential steps the learner misses, and which steps they over-order."""
    opportunities: dict[str, int] = defaultdict(int)
    missed: dict[str, int] = defaultdict(int)
    over: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    count = 0
    for record in records:
        count += 1
        essential = {line.step for line in record.lines if line.tier == "essential"}
        essential |= set(record.missed_essentials)
        for step in essential:
            opportunities[step] += 1
        for step in set(record.missed_essentials):
            missed[step] += 1
        for line in record.lines:
            if line.verdict in OVER_ORDER_VERDICTS:
                over[line.step][line.verdict] += 1

    def name(slug: str) -> str:
        return step_names.get(slug, slug)

    misses = sorted(
        (
            StepMiss(slug=slug, name=name(slug), missed=n, opportunities=opportunities[slug])
            for slug, n in missed.items()
        ),
        key=lambda m: (-m.missed, -m.rate_percent, m.name),
    )
    over_ordered = sorted(
        (
            StepOverOrder(
                slug=slug,
                name=name(slug),
                count=sum(verdicts.values()),
                by_verdict=tuple(
                    (VERDICT_LABELS[v], n)
                    for v, n in sorted(
                        verdicts.items(), key=lambda item: (-item[1], OVER_ORDER_VERDICTS.index(item[0]))
                    )
                ),
            )
            for slug, verdicts in over.items()
        ),
        key=lambda s: (-s.count, s.name),
    )
    return StepHabits(reports=count, missed=tuple(misses), over_ordered=tuple(over_ordered))
