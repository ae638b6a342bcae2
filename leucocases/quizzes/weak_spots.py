"""Practise my weak spots: up to five cases to play now, from a learner's
spaced-practice cards and stored reports.

Pure Python, like ``progress`` (the caller reads the rows):

1. Cases due again come first. Every case the learner practised has an FSRS
   card (``spaced_practice``), and its due date says when the case should
   come back: soon after a wrong cause or a never choice, later and later as
   the learner keeps getting it right (``scheduling``). Due cases are taken
   most overdue first and interleaved across cause groups
   (``scheduling.interleave_by_group``, each case filed under its weakest
   group), so two cases in a row teach different groups where they can. A
   due case's groups may be named: the learner has read its report.
2. While some cause group is weak, unseen cases (never submitted) fill the
   rest: easier cases first, then by title. Not by group: which groups an
   unseen case teaches is part of its answer, and picking cases "in your
   weakest group", or "an unseen case teaching the cause you just saw", would
   tell the learner (docs/quizzes.md).

Cases not yet due are listed as coming back later, with their due date in
words ("due again in 6 days"). Only cases the caller passes as
``candidates`` (those the learner may play) are suggested or listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .progress import CaseCandidate, GroupMastery, ReportRecord, latest_per_case
from .scheduling import due_in_words, interleave_by_group

__all__ = ["CardDue", "UpcomingReview", "WeakSpot", "WeakSpotPlan", "weak_spot_plan"]


@dataclass(frozen=True, slots=True)
class CardDue:
    """When a case comes back to the learner (a ``PracticeCard`` row, reduced)."""

    case_id: int
    due: datetime


@dataclass(frozen=True, slots=True)
class WeakSpot:
    """One suggested case and why: ``kind`` is "review" (due again; ``group_*``
    is its weakest group) or "new" (not yet tried; no group, which would give
    its answer away)."""

    case_id: int
    slug: str
    title: str
    kind: str
    group_slug: str
    group_name: str
    last_total: float | None = None
    last_attempt_at: datetime | None = None
    due_at: datetime | None = None
    due_text: str = ""


@dataclass(frozen=True, slots=True)
class UpcomingReview:
    case_id: int
    slug: str
    title: str
    last_total: float | None
    due_at: datetime
    due_text: str  # "due again in 6 days"


@dataclass(frozen=True, slots=True)
class WeakSpotPlan:
    items: tuple[WeakSpot, ...]
    weak_groups: tuple[GroupMastery, ...]  # weakest first
    upcoming: tuple[UpcomingReview, ...]  # not due yet; soonest first


def weak_spot_plan(
    records: Iterable[ReportRecord],
    *,
    cards: Iterable[CardDue],
    candidates: Sequence[CaseCandidate],
    mastery: Sequence[GroupMastery],
    now: datetime,
    limit: int = 5,
) -> WeakSpotPlan:
    """Up to ``limit`` cases to practise now (see the module docstring)."""
    latest = latest_per_case(records)
    weak = tuple(sorted((g for g in mastery if g.is_weak), key=lambda g: (g.mean_total, g.slug)))
    ranking = _GroupRanking(weak=weak, names={g.slug: g.name for g in mastery})
    by_id = {c.case_id: c for c in candidates}
    playable = sorted(
        ((card, by_id[card.case_id]) for card in cards if card.case_id in by_id),
        key=lambda pair: (pair[0].due, pair[1].title),
    )
    due = [
        _review(card, candidate, latest.get(card.case_id), ranking, now)
        for card, candidate in playable
        if card.due <= now
    ]
    order = interleave_by_group([(s.slug, (s.group_slug,)) for s in due])
    by_slug = {s.slug: s for s in due}
    items = [by_slug[slug] for slug in order[:limit]]
    if weak:
        items += _unseen(candidates, seen=set(latest), picked={s.case_id for s in items}, room=limit - len(items))
    upcoming = tuple(
        UpcomingReview(
            case_id=card.case_id,
            slug=candidate.slug,
            title=candidate.title,
            last_total=_total(latest.get(card.case_id)),
            due_at=card.due,
            due_text=due_in_words(card.due, now=now),
        )
        for card, candidate in playable
        if card.due > now
    )
    return WeakSpotPlan(items=tuple(items), weak_groups=weak, upcoming=upcoming)


def _total(record: ReportRecord | None) -> float | None:
    return None if record is None else record.total


def _review(
    card: CardDue, candidate: CaseCandidate, last: ReportRecord | None, ranking: _GroupRanking, now: datetime
) -> WeakSpot:
    group = ranking.weakest(candidate.groups)
    return WeakSpot(
        case_id=candidate.case_id,
        slug=candidate.slug,
        title=candidate.title,
        kind="review",
        group_slug=group,
        group_name=ranking.names.get(group, group),
        last_total=_total(last),
        last_attempt_at=None if last is None else last.submitted_at,
        due_at=card.due,
        due_text=due_in_words(card.due, now=now),
    )


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
