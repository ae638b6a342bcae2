"""A learner's workup habits, from their stored reports: pure Python, like ``progress``.

Over every attempt (a habit is counted each time it shows), per occurrence of
an entry (a follow-up count, the second order of the count, is a habit of its
own, "Repeat CBC (2nd time)"):

- never choices: how often the learner chose an entry the case rates as a
  choice no competent clinician makes (verdict ``never``), and in how many
  attempts;
- missed essentials: how often it was essential in a case (the report's
  essential lines plus its ``missed_essentials``) and how often the learner
  missed it;
- over-ordering: how often the learner ordered it when the case did not need
  it (or not yet): a verdict of low yield, not contributory, harmful or
  premature.

Verdict words come from ``cases.verdicts``, the one table.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from leucocases.cases.report_outline import occurrence_pairs
from leucocases.cases.verdicts import VERDICT_LABELS, occurrence_name

from .progress import ReportRecord

__all__ = [
    "NEVER_VERDICT",
    "OVER_ORDER_VERDICTS",
    "StepHabits",
    "StepMiss",
    "StepNever",
    "StepOverOrder",
    "step_habits",
]

#: Report verdicts that mean the learner ordered a step the case did not need (or not yet).
OVER_ORDER_VERDICTS = ("low_yield", "not_contributory", "harmful", "premature")
#: The verdict of a choice no competent clinician makes in the case: a habit of its own.
NEVER_VERDICT = "never"

Item = tuple[str, int]  # (entry slug, occurrence)


@dataclass(frozen=True, slots=True)
class StepMiss:
    slug: str
    name: str
    missed: int
    opportunities: int  # attempts where the step was essential
    occurrence: int = 1

    @property
    def rate_percent(self) -> float:
        return round(100.0 * self.missed / self.opportunities, 1) if self.opportunities else 0.0


@dataclass(frozen=True, slots=True)
class StepOverOrder:
    slug: str
    name: str
    count: int
    by_verdict: tuple[tuple[str, int], ...]  # (verdict label, count), largest first
    occurrence: int = 1

    @property
    def verdicts_text(self) -> str:
        return ", ".join(f"{label.lower()} {n}" for label, n in self.by_verdict)


@dataclass(frozen=True, slots=True)
class StepNever:
    """An entry the learner chose where the case rated it a never choice, ``count`` times."""

    slug: str
    name: str
    count: int
    occurrence: int = 1


@dataclass(frozen=True, slots=True)
class StepHabits:
    reports: int
    missed: tuple[StepMiss, ...]  # steps missed at least once, most missed first
    over_ordered: tuple[StepOverOrder, ...]  # most over-ordered first
    never: tuple[StepNever, ...] = ()  # never choices made, most often first
    never_reports: int = 0  # attempts with at least one never choice


def step_habits(records: Iterable[ReportRecord], *, step_names: Mapping[str, str]) -> StepHabits:
    """Which never choices the learner makes, which essentials they miss and
    which entries they over-order, each per occurrence."""
    opportunities: Counter[Item] = Counter()
    missed: Counter[Item] = Counter()
    never: Counter[Item] = Counter()
    over: dict[Item, Counter[str]] = defaultdict(Counter)
    count = never_reports = 0
    for record in records:
        count += 1
        missed_items = set(occurrence_pairs(record.missed_essentials, record.missed_occurrences))
        essential = {(line.step, line.occurrence) for line in record.lines if line.tier == "essential"}
        opportunities.update(essential | missed_items)
        missed.update(missed_items)
        never_reports += any(line.verdict == NEVER_VERDICT for line in record.lines)
        for line in record.lines:
            item = (line.step, line.occurrence)
            if line.verdict == NEVER_VERDICT:
                never[item] += 1
            elif line.verdict in OVER_ORDER_VERDICTS:
                over[item][line.verdict] += 1

    def name(item: Item) -> str:
        return occurrence_name(step_names.get(item[0], item[0]), item[1])

    misses = sorted(
        (
            StepMiss(slug=item[0], occurrence=item[1], name=name(item), missed=n, opportunities=opportunities[item])
            for item, n in missed.items()
        ),
        key=lambda m: (-m.missed, -m.rate_percent, m.name),
    )
    over_ordered = sorted(
        (
            StepOverOrder(
                slug=item[0],
                occurrence=item[1],
                name=name(item),
                count=sum(verdicts.values()),
                by_verdict=tuple(
                    (VERDICT_LABELS[v], n)
                    for v, n in sorted(
                        verdicts.items(), key=lambda pair: (-pair[1], OVER_ORDER_VERDICTS.index(pair[0]))
                    )
                ),
            )
            for item, verdicts in over.items()
        ),
        key=lambda s: (-s.count, s.name),
    )
    nevers = sorted(
        (StepNever(slug=item[0], occurrence=item[1], name=name(item), count=n) for item, n in never.items()),
        key=lambda s: (-s.count, s.name),
    )
    return StepHabits(
        reports=count,
        missed=tuple(misses),
        over_ordered=tuple(over_ordered),
        never=tuple(nevers),
        never_reports=never_reports,
    )
