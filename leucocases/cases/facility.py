"""Peer difficulty: each case's facility, the mean total of learners' first attempts.

A learner's first attempt says how hard the case is to someone meeting it
cold; later attempts mostly say how well they remember the report. So each
learner counts once, with the current report of their first submitted
attempt (practice or quiz). Shown only once ``FACILITY_MINIMUM_LEARNERS``
learners have submitted the case: fewer would say little, and could single
out one learner's score.

One number per case, never per cause group: a difficulty by group, next to
cases not yet played, would hint at which group each teaches. A number per
case tells nothing of its answer, so the case list may show it before the
learner plays. Cached like ``peer_stats``: minutes-old figures are fine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Avg, Count, OuterRef, Subquery

from .models import Attempt, Case, GradedReport

__all__ = ["FACILITY_MINIMUM_LEARNERS", "Facility", "case_facilities", "case_facility"]

FACILITY_MINIMUM_LEARNERS = 20
FACILITY_CACHE_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Facility:
    learners: int  # learners who have submitted the case
    mean_total: float | None  # their first attempts' mean total, one decimal

    @property
    def shown(self) -> bool:
        return self.learners >= FACILITY_MINIMUM_LEARNERS and self.mean_total is not None

    @property
    def minimum(self) -> int:
        return FACILITY_MINIMUM_LEARNERS


def _key(case_id: int) -> str:
    return f"facility:v1:{case_id}"


def case_facilities(case_ids: Iterable[int]) -> dict[int, Facility]:
    """Each case's facility: from the cache, the rest in one query."""
    ids = list(dict.fromkeys(case_ids))
    cached = cache.get_many([_key(i) for i in ids])
    found = {i: cached[_key(i)] for i in ids if _key(i) in cached}
    missing = [i for i in ids if i not in found]
    if missing:
        computed = _aggregate(missing)
        cache.set_many({_key(i): f for i, f in computed.items()}, FACILITY_CACHE_SECONDS)
        found |= computed
    return found


def case_facility(case: Case) -> Facility:
    return case_facilities([case.pk])[case.pk]


def _aggregate(case_ids: list[int]) -> dict[int, Facility]:
    first = (
        Attempt.objects.filter(case_id=OuterRef("attempt__case_id"), user_id=OuterRef("attempt__user_id"))
        .submitted()
        .order_by("submitted_at", "pk")
        .values("pk")[:1]
    )
    rows = (
        GradedReport.objects.filter(
            superseded_at__isnull=True, attempt__case_id__in=case_ids, attempt__user__isnull=False
        )
        .filter(attempt_id=Subquery(first))
        .values("attempt__case_id")
        .annotate(learners=Count("attempt__user_id", distinct=True), mean=Avg("total"))
    )
    result = {i: Facility(learners=0, mean_total=None) for i in case_ids}
    for row in rows:
        mean = row["mean"]
        result[row["attempt__case_id"]] = Facility(
            learners=row["learners"], mean_total=None if mean is None else round(mean, 1)
        )
    return result
