"""How other learners chose: the share choosing each step, the spread of diagnoses and grades.

Shown on the report page once enough attempts are submitted, and cached: a
summary of hundreds of attempts may be minutes old. A repeat is counted per
occurrence (``Choice.occurrence``): "Repeat CBC (2nd time)" is the share of
attempts that ordered the count a second time. Grades are each current
report's letter; ``never`` counts the reports where a never choice capped
the total at the case's never total.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, QuerySet

from .grading import GradeBands
from .models import Attempt, Case, Choice, GradedReport
from .report_outline import grade_letter
from .verdicts import occurrence_name

#: Peer statistics appear only once this many attempts have been submitted:
#: fewer would say little and could single out one learner's answers.
PEER_STATS_MINIMUM = 5
# Peer statistics are a summary of hundreds of attempts: minutes-old figures are fine.
PEER_STATS_CACHE_SECONDS = 600


@dataclass(frozen=True, slots=True)
class PeerShare:
    slug: str
    name: str  # with the occurrence after the first: "Repeat CBC (2nd time)"
    count: int
    percent: float
    occurrence: int = 1


@dataclass(frozen=True, slots=True)
class PeerStats:
    """Shares of submitted attempts; ``shown`` is False below the minimum."""

    submitted: int
    shown: bool
    steps: tuple[PeerShare, ...] = ()
    diagnoses: tuple[PeerShare, ...] = ()
    no_diagnosis: int = 0
    minimum: int = PEER_STATS_MINIMUM
    #: Every letter A to F, best first, with the attempts that earned it (zeros included).
    grades: tuple[PeerShare, ...] = ()
    #: Attempts with a never choice.
    never: PeerShare | None = None


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
    step (per occurrence), the spread of diagnoses and of grades, and the
    share with a never choice. One count, then (on a cache miss) three reads
    over every submitted attempt of the case."""
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
    def share(slug: str, name: str, count: int, occurrence: int = 1) -> PeerShare:
        percent = round(100.0 * count / total, 1)
        return PeerShare(slug=slug, name=name, count=count, percent=percent, occurrence=occurrence)

    step_rows = (
        Choice.objects.filter(attempt__case=case, attempt__submitted_at__isnull=False)
        .values("step__slug", "step__name", "occurrence")
        .annotate(n=Count("attempt", distinct=True))
        .order_by("-n", "step__name", "occurrence")
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
    letters, never = _grades_and_nevers(submitted)
    return PeerStats(
        submitted=total,
        shown=True,
        steps=tuple(
            share(r["step__slug"], occurrence_name(r["step__name"], r["occurrence"]), r["n"], r["occurrence"])
            for r in step_rows
        ),
        diagnoses=tuple(diagnoses),
        no_diagnosis=no_diagnosis,
        grades=tuple(share(letter, letter, letters[letter]) for letter in (*GradeBands.LETTERS, GradeBands.FAIL)),
        never=share("never", "Chose a never option", never),
    )


def _grades_and_nevers(submitted: QuerySet[Attempt]) -> tuple[Counter[str], int]:
    """Each current report's grade letter (engine 1 stored none: the letter
    its total earns) and how many had a never choice: one query, reading
    three small parts of each report's JSON."""
    letters: Counter[str] = Counter()
    never = 0
    rows = GradedReport.objects.filter(attempt__in=submitted, superseded_at__isnull=True).values_list(
        "total", "data__grade", "data__scoring__grade_bands", "data__never_triggered"
    )
    for total, grade, bands, never_triggered in rows:
        letters[grade_letter(grade, total=total, bands=bands)] += 1
        never += bool(never_triggered)
    return letters, never
