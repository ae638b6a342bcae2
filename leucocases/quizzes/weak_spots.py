"""Practise my weak spots: up to five cases to play now, from a learner's stored reports.

Pure Python, like ``progress``:

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

from .progress import POOR_TOTAL, CaseCandidate, GroupMastery, ReportRecord, chronological

__all__ = [
    "MAX_REVIEW_INTERVAL_DAYS",
    "REVIEW_INTERVALS_DAYS",
    "UpcomingReview",
    "WeakSpot",
    "WeakSpotPlan",
    "poor_streak",
    "review_interval_days",
    "weak_spot_plan",
]

#: Days before a poorly answered case comes back, by the length of its poor streak.
REVIEW_INTERVALS_DAYS = (1, 3, 7, 14)
MAX_REVIEW_INTERVAL_DAYS = 56


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
    for record in reversed(chronological(records)):
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
    per_case: dict[int, list[ReportRecord]] = defaultdict(list)
    for record in records:
        per_case[record.case_id].append(record)
    weak = tuple(sorted((g for g in mastery if g.is_weak), key=lambda g: (g.mean_total, g.slug)))
    ranking = _GroupRanking(weak=weak, names={g.slug: g.name for g in mastery})
    due, upcoming = _reviews(per_case, candidates={c.case_id: c for c in candidates}, ranking=ranking, now=now)
    due.sort(key=lambda s: (ranking.rank(s.group_slug), s.due_at, s.title))
    items = due[:limit]
    if weak:
        items += _unseen(candidates, seen=set(per_case), picked={s.case_id for s in items}, room=limit - len(items))
    upcoming.sort(key=lambda u: (u.due_at, u.title))
    return WeakSpotPlan(items=tuple(items), weak_groups=weak, upcoming=tuple(upcoming))


class _GroupRanking:
    """The weak groups, weakest first: a case due again is filed under its weakest group."""

    def __init__(self, *, weak: Sequence[GroupMastery], names: Mapping[str, str]) -> None:
        self.names = names
        self._rank = {g.slug: i for i, g in enumerate(weak)}

    def rank(self, slug: str) -> int:
        return self._rank.get(slug, len(self._rank))

    def weakest(self, groups: Sequence[str]) -> str:
        if not groups:
            return ""
        return min(groups, key=lambda slug: (self.rank(slug), slug))


def _reviews(
    per_case: Mapping[int, list[ReportRecord]],
    *,
    candidates: Mapping[int, CaseCandidate],
    ranking: _GroupRanking,
    now: datetime,
) -> tuple[list[WeakSpot], list[UpcomingReview]]:
    """The cases answered badly that may be played: those due again now, and those due later."""
    due: list[WeakSpot] = []
    upcoming: list[UpcomingReview] = []
    for case_id, case_records in per_case.items():
        candidate = candidates.get(case_id)
        streak = poor_streak(case_records)
        if candidate is None or streak == 0:
            continue
        last = chronological(case_records)[-1]
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
        group = ranking.weakest(candidate.groups)
        due.append(
            WeakSpot(
                case_id=case_id,
                slug=candidate.slug,
                title=candidate.title,
                kind="review",
                group_slug=group,
                group_name=ranking.names.get(group, group),
                last_total=last.total,
                last_attempt_at=last.submitted_at,
                streak=streak,
                interval_days=interval,
                due_at=due_at,
            )
        )
    return due, upcoming


def _unseen(candidates: Sequence[CaseCandidate], *, seen: set[int], picked: set[int], room: int) -> list[WeakSpot]:
    """Up to ``room`` cases never submitted, easier first, then by title (never by group)."""
    unseen = sorted((c for c in candidates if c.case_id not in seen), key=lambda c: (c.difficulty, c.title, c.case_id))
    items: list[WeakSpot] = []
    for candidate in unseen:
        if len(items) >= room:
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
    return items
