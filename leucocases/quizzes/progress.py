"""A learner's progress, computed from their stored graded reports.

Pure Python (no Django, no database): plain records in, frozen dataclasses
out, so every number on the dashboard is unit-tested without a database. The
caller (``quizzes.selectors.dashboard_for``) fetches the learner's reports in
one query and turns each into a ``ReportRecord`` with ``record_from_report``.

What is computed, and how:

- **Mastery by cause group** (``group_mastery``): each case counts once, with
  the total of the learner's most recent attempt on it, so mastery follows
  improvement instead of being dragged down forever by a first try. A case in
  two cause groups counts in both. The mean of those totals is the group's
  mastery; below ``POOR_TOTAL`` (60) the group is weak.
- **Workup habits** (``step_habits``), over every attempt (a habit is counted
  each time it shows): for each workup step, how often it was essential in a
  case (the report's essential lines plus its ``missed_essentials``) and how
  often the learner missed it; and how often the learner ordered it when it
  was over-ordering: a verdict of low yield, not contributory, harmful or
  premature.
- **Practise my weak spots** (``weak_spot_plan``), up to five cases:

  1. Cases answered badly come back. A case's *poor streak* is the number of
     its most recent attempts in a row with a total under 60. It is due again
     ``review_interval_days(streak)`` days after the last attempt: 1, 3, 7
     and 14 days for a streak of 1, 2, 3 and 4, then doubling with each
     further poor attempt (28, 56), never more than 56 days. So a case missed
     once returns tomorrow, and a case that keeps going badly returns less
     often rather than crowding out everything else. One good attempt (60 or
     more) ends the streak and the case stops coming back. Due cases come
     first, those in the weakest group first, then the longest overdue.
  2. While some cause group is weak, unseen cases (never submitted) fill the
     rest: easier cases first, then by title. Not by group: which groups an
     unseen case teaches is part of its answer, and picking cases "in your
     weakest group" would tell the learner (docs/quizzes.md).

  Only cases the caller passes as ``candidates`` (those the learner may play)
  are suggested.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "OVER_ORDER_VERDICTS",
    "POOR_TOTAL",
    "REVIEW_INTERVALS_DAYS",
    "Bar",
    "BarChart",
    "CaseCandidate",
    "GroupMastery",
    "LineRecord",
    "ReportRecord",
    "StepHabits",
    "StepMiss",
    "StepOverOrder",
    "UpcomingReview",
    "WeakSpot",
    "WeakSpotPlan",
    "bar_chart",
    "group_mastery",
    "latest_per_case",
    "poor_streak",
    "record_from_report",
    "review_interval_days",
    "step_habits",
    "weak_spot_plan",
]

#: A total below this is a poor attempt, and a group whose mastery is below it is weak.
POOR_TOTAL = 60.0
#: Days before a poorly answered case comes back, by the length of its poor streak.
REVIEW_INTERVALS_DAYS = (1, 3, 7, 14)
MAX_REVIEW_INTERVAL_DAYS = 56
#: Report verdicts that mean the learner ordered a step the case did not need (or not yet).
OVER_ORDER_VERDICTS = ("low_yield", "not_contributory", "harmful", "premature")
VERDICT_LABELS = {
    "low_yield": "Low yield",
    "not_contributory": "Not contributory",
    "harmful": "Harmful",
    "premature": "Premature",
}


# --------------------------------------------------------------------------
# Input records
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineRecord:
    """One graded choice of a report: the step, its verdict and its tier (None: not keyed)."""

    step: str
    verdict: str
    tier: str | None = None


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One submitted attempt's current report, reduced to what progress needs."""

    attempt_id: int
    case_id: int
    submitted_at: datetime
    total: float
    groups: tuple[str, ...] = ()
    lines: tuple[LineRecord, ...] = ()
    missed_essentials: tuple[str, ...] = ()


def record_from_report(
    *,
    attempt_id: int,
    case_id: int,
    submitted_at: datetime,
    total: float,
    groups: Iterable[str],
    data: Mapping[str, Any] | None,
) -> ReportRecord:
    """Build a record from a stored report's JSON (``Report.to_dict()``).

    Tolerant on purpose: a report stored by an older engine, or hand-made,
    may lack a part; what is missing simply counts as nothing.
    """
    data = data if isinstance(data, Mapping) else {}
    lines = []
    for line in data.get("lines") or ():
        if isinstance(line, Mapping) and line.get("step") and line.get("verdict"):
            tier = line.get("tier")
            lines.append(LineRecord(step=str(line["step"]), verdict=str(line["verdict"]), tier=tier and str(tier)))
    missed = tuple(
        str(item["step"])
        for item in data.get("missed_essentials") or ()
        if isinstance(item, Mapping) and item.get("step")
    )
    return ReportRecord(
        attempt_id=attempt_id,
        case_id=case_id,
        submitted_at=submitted_at,
        total=float(total),
        groups=tuple(groups),
        lines=tuple(lines),
        missed_essentials=missed,
    )


@dataclass(frozen=True, slots=True)
class CaseCandidate:
    """A case the learner may be sent to practise."""

    case_id: int
    slug: str
    title: str
    groups: tuple[str, ...]
    difficulty: int = 2


# --------------------------------------------------------------------------
# Mastery by cause group
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupMastery:
    slug: str
    name: str
    cases: int  # distinct cases attempted in the group
    attempts: int  # all attempts on those cases
    mean_total: float  # mean of each case's latest total, one decimal

    @property
    def is_weak(self) -> bool:
        return self.mean_total < POOR_TOTAL


def _chronological(records: Iterable[ReportRecord]) -> list[ReportRecord]:
    return sorted(records, key=lambda r: (r.submitted_at, r.attempt_id))


def latest_per_case(records: Iterable[ReportRecord]) -> dict[int, ReportRecord]:
    """Each case's most recent record."""
    latest: dict[int, ReportRecord] = {}
    for record in _chronological(records):
        latest[record.case_id] = record
    return latest


def group_mastery(records: Iterable[ReportRecord], *, group_names: Mapping[str, str]) -> tuple[GroupMastery, ...]:
    """Mastery per cause group, in ``group_names`` order (groups it does not
    name follow, by slug). Groups without any attempt are left out."""
    records = list(records)
    attempts: dict[str, int] = defaultdict(int)
    for record in records:
        for group in record.groups:
            attempts[group] += 1
    latest_totals: dict[str, list[float]] = defaultdict(list)
    for record in latest_per_case(records).values():
        for group in record.groups:
            latest_totals[group].append(record.total)
    order = [slug for slug in group_names if slug in latest_totals]
    order += sorted(slug for slug in latest_totals if slug not in group_names)
    return tuple(
        GroupMastery(
            slug=slug,
            name=group_names.get(slug, slug),
            cases=len(latest_totals[slug]),
            attempts=attempts[slug],
            mean_total=round(sum(latest_totals[slug]) / len(latest_totals[slug]), 1),
        )
        for slug in order
    )


# --------------------------------------------------------------------------
# Workup habits
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Practise my weak spots
# --------------------------------------------------------------------------


def review_interval_days(streak: int) -> int:
    """Days before a case with ``streak`` poor attempts in a row comes back:
    1, 3, 7, 14, then doubling (28, 56), at most 56."""
    if streak < 1:
        raise ValueError("a case comes back only after a poor attempt (streak >= 1)")
    if streak <= len(REVIEW_INTERVALS_DAYS):
        return REVIEW_INTERVALS_DAYS[streak - 1]
    doubled = REVIEW_INTERVALS_DAYS[-1] * 2 ** (streak - len(REVIEW_INTERVALS_DAYS))
    return min(doubled, MAX_REVIEW_INTERVAL_DAYS)


def poor_streak(records: Iterable[ReportRecord]) -> int:
    """How many of the most recent attempts (of one case) in a row were poor."""
    streak = 0
    for record in reversed(_chronological(records)):
        if record.total >= POOR_TOTAL:
            break
        streak += 1
    return streak


@dataclass(frozen=True, slots=True)
class WeakSpot:
    """One suggested case and why: ``kind`` is "review" (answered badly, due
    again; ``group_*`` is its weakest group) or "new" (not yet tried; no group,
    which would give its answer away)."""

    case_id: int
    slug: str
    title: str
    kind: str
    group_slug: str
    group_name: str
    last_total: float | None = None
    last_attempt_at: datetime | None = None
    streak: int = 0
    interval_days: int | None = None
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UpcomingReview:
    case_id: int
    slug: str
    title: str
    last_total: float
    due_at: datetime
    interval_days: int


@dataclass(frozen=True, slots=True)
class WeakSpotPlan:
    items: tuple[WeakSpot, ...]
    weak_groups: tuple[GroupMastery, ...]  # weakest first
    upcoming: tuple[UpcomingReview, ...]  # answered badly, not due yet; soonest first


def weak_spot_plan(
    records: Iterable[ReportRecord],
    *,
    candidates: Sequence[CaseCandidate],
    mastery: Sequence[GroupMastery],
    now: datetime,
    limit: int = 5,
) -> WeakSpotPlan:
    """Up to ``limit`` cases to practise now (see the module docstring)."""
    records = list(records)
    by_id = {c.case_id: c for c in candidates}
    names = {g.slug: g.name for g in mastery}
    weak = tuple(sorted((g for g in mastery if g.is_weak), key=lambda g: (g.mean_total, g.slug)))
    rank = {g.slug: i for i, g in enumerate(weak)}

    def weakest_group(groups: Sequence[str]) -> str:
        if not groups:
            return ""
        return min(groups, key=lambda slug: (rank.get(slug, len(rank)), slug))

    per_case: dict[int, list[ReportRecord]] = defaultdict(list)
    for record in records:
        per_case[record.case_id].append(record)

    due: list[WeakSpot] = []
    upcoming: list[UpcomingReview] = []
    for case_id, case_records in per_case.items():
        candidate = by_id.get(case_id)
        streak = poor_streak(case_records)
        if candidate is None or streak == 0:
            continue
        last = _chronological(case_records)[-1]
        interval = review_interval_days(streak)
        due_at = last.submitted_at + timedelta(days=interval)
        if due_at > now:
            upcoming.append(
                UpcomingReview(
                    case_id=case_id,
                    slug=candidate.slug,
                    title=candidate.title,
                    last_total=last.total,
                    due_at=due_at,
                    interval_days=interval,
                )
            )
            continue
        group = weakest_group(candidate.groups)
        due.append(
            WeakSpot(
                case_id=case_id,
                slug=candidate.slug,
                title=candidate.title,
                kind="review",
                group_slug=group,
                group_name=names.get(group, group),
                last_total=last.total,
                last_attempt_at=last.submitted_at,
                streak=streak,
                interval_days=interval,
                due_at=due_at,
            )
        )
    due.sort(key=lambda s: (rank.get(s.group_slug, len(rank)), s.due_at, s.title))

    items = due[:limit]
    picked = {s.case_id for s in items}
    seen = set(per_case)
    unseen = sorted((c for c in candidates if c.case_id not in seen), key=lambda c: (c.difficulty, c.title, c.case_id))
    for candidate in unseen if weak else ():
        if len(items) >= limit:
            break
        if candidate.case_id not in picked:
            items.append(
                WeakSpot(
                    case_id=candidate.case_id,
                    slug=candidate.slug,
                    title=candidate.title,
                    kind="new",
                    group_slug="",
                    group_name="",
                )
            )
            picked.add(candidate.case_id)
    upcoming.sort(key=lambda u: (u.due_at, u.title))
    return WeakSpotPlan(items=tuple(items), weak_groups=weak, upcoming=tuple(upcoming))


# --------------------------------------------------------------------------
# Bar charts (drawn by a template as SVG; the geometry is computed here)
# --------------------------------------------------------------------------

CHART_WIDTH = 640
ROW_HEIGHT = 46
BAR_HEIGHT = 16
VALUE_SPACE = 96  # room right of the longest bar for its value


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    value_text: str
    label_y: int
    bar_y: int
    width: float
    text_x: float
    text_y: int


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_height: int
    max_value: float
    unit: str

    @property
    def description(self) -> str:
        """The chart in words, for its ``aria-label``."""
        if not self.bars:
            return f"{self.title}: no data yet."
        return f"{self.title}: " + "; ".join(f"{bar.label} {bar.value_text}{self.unit}" for bar in self.bars) + "."


def _number(value: float) -> str:
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def bar_chart(
    items: Sequence[tuple[str, float]], *, title: str, max_value: float | None = 100.0, unit: str = ""
) -> BarChart:
    """Horizontal bars, one row per item (its label above its bar), scaled to
    ``max_value`` (None: the largest value)."""
    top = max_value if max_value is not None else max((v for _, v in items), default=0.0)
    top = top or 1.0
    span = CHART_WIDTH - VALUE_SPACE
    bars = []
    for index, (label, value) in enumerate(items):
        row = index * ROW_HEIGHT
        width = round(span * max(min(value, top), 0.0) / top, 1)
        bars.append(
            Bar(
                label=label,
                value=value,
                value_text=_number(value),
                label_y=row + 16,
                bar_y=row + 22,
                width=width,
                text_x=round(width + 6, 1),
                text_y=row + 22 + BAR_HEIGHT - 3,
            )
        )
    return BarChart(
        title=title,
        bars=tuple(bars),
        width=CHART_WIDTH,
        height=max(len(bars) * ROW_HEIGHT + 4, ROW_HEIGHT),
        bar_height=BAR_HEIGHT,
        max_value=top,
        unit=unit,
    )
