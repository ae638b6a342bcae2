"""How other learners chose: the share choosing each step and the spread of diagnoses.

Shown on the report page once enough attempts are submitted, and cached: a
summary of hundreds of attempts may be minutes old.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet

from .models import Attempt, Case, Choice

#: Peer statistics appear only once this many attempts have been submitted:
#: fewer would say little and could single out one learner's answers.
PEER_STATS_MINIMUM = 5
# Peer statistics are a summary of hundreds of attempts: minutes-old figures are fine.
# (The cache key's version changes whenever PeerStats gains a field.)
PEER_STATS_CACHE_SECONDS = 600


@dataclass(frozen=True, slots=True)
class PeerShare:
    slug: str
    name: str
    count: int
    percent: float
    #: Of those attempts, how many ordered the step more than once (steps only).
    repeated: int = 0


@dataclass(frozen=True, slots=True)
class PeerStats:
    """Shares of submitted attempts; ``shown`` is False below the minimum."""

    submitted: int
    shown: bool
    steps: tuple[PeerShare, ...] = ()
    diagnoses: tuple[PeerShare, ...] = ()
    no_diagnosis: int = 0
    minimum: int = PEER_STATS_MINIMUM


def peer_stats_cache_key(*, case_pk: int, submitted: int) -> str:
    """The cache entry for a case's peer statistics at this many submissions.

    Exact while a case has few submissions (where each one shifts the shares);
    from 40 on, one entry per 5 % of growth (a geometric bucket), so a busy case
    is aggregated again every few dozen submissions rather than on every report
    view. Entries also expire.
    """
    if submitted < 40:
        return f"peer-stats:v2:{case_pk}:n{submitted}"
    return f"peer-stats:v2:{case_pk}:g{int(math.log(submitted) / math.log(1.05))}"


def peer_choice_stats(*, case: Case) -> PeerStats:
    """How learners who submitted ``case`` chose: the share choosing each
    step and the spread of diagnoses. One count, then (on a cache miss) two
    aggregates over every submitted attempt of the case."""
    submitted = Attempt.objects.filter(case=case).submitted()
    total = submitted.count()
    if total < PEER_STATS_MINIMUM:
        return PeerStats(submitted=total, shown=False)
    key = peer_stats_cache_key(case_pk=case.pk, submitted=total)
    if (stats := cache.get(key)) is None:
        stats = _aggregate_peer_stats(case=case, submitted=submitted, total=total)
        cache.set(key, stats, PEER_STATS_CACHE_SECONDS)
    return stats


def _aggregate_peer_stats(*, case: Case, submitted: QuerySet[Attempt], total: int) -> PeerStats:
    def share(slug: str, name: str, count: int, repeated: int = 0) -> PeerShare:
        return PeerShare(slug=slug, name=name, count=count, percent=round(100.0 * count / total, 1), repeated=repeated)

    step_rows = (
        Choice.objects.filter(attempt__case=case, attempt__submitted_at__isnull=False)
        .values("step__slug", "step__name")
        .annotate(n=Count("attempt", distinct=True), again=Count("attempt", distinct=True, filter=Q(occurrence=2)))
        .order_by("-n", "step__name")
    )
    diagnosis_rows = (
        submitted.values("diagnosis__slug", "diagnosis__name").annotate(n=Count("pk")).order_by("-n", "diagnosis__name")
    )
    diagnoses = []
    no_diagnosis = 0
    for row in diagnosis_rows:
        if row["diagnosis__slug"] is None:
            no_diagnosis = row["n"]
        else:
            diagnoses.append(share(row["diagnosis__slug"], row["diagnosis__name"], row["n"]))
    return PeerStats(
        submitted=total,
        shown=True,
        steps=tuple(share(r["step__slug"], r["step__name"], r["n"], r["again"]) for r in step_rows),
        diagnoses=tuple(diagnoses),
        no_diagnosis=no_diagnosis,
    )
