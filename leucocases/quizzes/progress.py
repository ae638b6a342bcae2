"""A learner's progress, computed from their stored graded reports.

Pure Python (no Django, no database): plain records in, frozen dataclasses
out, so every number on the dashboard is unit-tested without a database. The
caller (``quizzes.selectors.dashboard_for``) fetches the learner's reports in
one query and turns each into a ``ReportRecord`` with ``record_from_report``.

Here: the records and **mastery by cause group** (its bar chart is
``cases.bar_charts``). Workup
habits are ``habits``; "practise my weak spots" is ``weak_spots``.

- **Mastery by cause group** (``group_mastery``): each case counts once, with
  the total of the learner's most recent attempt on it, so mastery follows
  improvement instead of being dragged down forever by a first try. A case in
  two cause groups counts in both. The mean of those totals is the group's
  mastery; below ``POOR_TOTAL`` (60) the group is weak.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leucocases.cases.report_outline import OutlineLine, report_outline

__all__ = [
    "POOR_TOTAL",
    "CaseCandidate",
    "GroupMastery",
    "LineRecord",
    "ReportRecord",
    "chronological",
    "group_mastery",
    "latest_per_case",
    "record_from_report",
]

#: A total below this is a poor attempt, and a group whose mastery is below it is weak.
POOR_TOTAL = 60.0


# --------------------------------------------------------------------------
# Input records
# --------------------------------------------------------------------------


#: One graded choice of a report: the step, its verdict, its tier (None: not keyed) and its occurrence.
LineRecord = OutlineLine


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
    #: Parallel to ``missed_essentials``: which occurrence was missed (empty: all 1).
    missed_occurrences: tuple[int, ...] = ()


def record_from_report(
    *,
    attempt_id: int,
    case_id: int,
    submitted_at: datetime,
    total: float,
    groups: Iterable[str],
    data: Mapping[str, Any] | None,
) -> ReportRecord:
    """Build a record from a stored report's JSON (``Report.to_dict()``), read
    through ``cases.report_outline``: a part an old or hand-made report lacks
    counts as nothing."""
    outline = report_outline(data)
    return ReportRecord(
        attempt_id=attempt_id,
        case_id=case_id,
        submitted_at=submitted_at,
        total=float(total),
        groups=tuple(groups),
        lines=outline.lines,
        missed_essentials=outline.missed,
        missed_occurrences=outline.missed_occurrences,
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


def chronological(records: Iterable[ReportRecord]) -> list[ReportRecord]:
    return sorted(records, key=lambda r: (r.submitted_at, r.attempt_id))


def latest_per_case(records: Iterable[ReportRecord]) -> dict[int, ReportRecord]:
    """Each case's most recent record."""
    latest: dict[int, ReportRecord] = {}
    for record in chronological(records):
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
