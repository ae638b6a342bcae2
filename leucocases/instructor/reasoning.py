"""How learners reasoned, across attempts: their differentials beside the
expert's, and their stated certainty beside their answers (issue 18).

Item analysis, the cohort results and the gradebook read these. The
differential figures come from the comparisons stored at submission
(``cases.DifferentialReport``), each with the expert differential it was
made against: like the learner's report, they are never recomputed, so a
later edit of the expert differential (or a regrade) leaves them as the
learners read them (docs/case-format.md, "Differential checkpoints").
Certainty is read with the current report's diagnosis verdict: a regrade
that changes whether a diagnosis was right changes it here too.

Each read is one query whatever the number of attempts (two with the
causes' names); the counting is plain Python over the rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.fields.json import KT

from leucocases.cases.certainty import is_right
from leucocases.cases.differentials import CHECKPOINT_LABELS
from leucocases.cases.grading.certainty import Certainty
from leucocases.cases.models import Attempt, Case, DifferentialReport, GradedReport
from leucocases.quizzes.calibration import CalibrationLine
from leucocases.quizzes.models import Cohort, Quiz
from leucocases.taxonomy.kept_names import cause_names

from .results import quiz_attempts_in_scope

__all__ = [
    "CaseCertainty",
    "CaseDifferential",
    "CauseListing",
    "CheckpointListing",
    "MustNotMissMiss",
    "StoredComparison",
    "case_certainties",
    "case_differentials",
    "never_considered_text",
    "quiz_comparisons",
    "quiz_differentials",
    "stored_comparisons",
]


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# --------------------------------------------------------------------------
# Differentials
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredComparison:
    """One attempt's stored comparison (``DifferentialReport.data``)."""

    attempt_id: int
    case_id: int
    data: Mapping[str, Any]

    @property
    def never_considered(self) -> tuple[str, ...]:
        return tuple(self.data.get("never_considered", ()))

    @property
    def score(self) -> float | None:
        return self.data.get("score")


def stored_comparisons(attempts: QuerySet[Any]) -> list[StoredComparison]:
    """The comparisons stored for ``attempts`` (a queryset of attempts, or of their
    ids: it runs as a subquery), one query."""
    rows = DifferentialReport.objects.filter(attempt__in=attempts).values_list("attempt_id", "attempt__case_id", "data")
    return [StoredComparison(attempt_id, case_id, data or {}) for attempt_id, case_id, data in rows]


@dataclass(frozen=True, slots=True)
class CauseListing:
    """One cause of the expert's list at one checkpoint: how many learners listed it there."""

    cause: str
    name: str
    must_not_miss: bool
    listed: int
    asked: int  # attempts compared against an expert list holding this cause here

    @property
    def percent(self) -> float | None:
        return _percent(self.listed, self.asked)


@dataclass(frozen=True, slots=True)
class CheckpointListing:
    name: str
    label: str
    attempts: int
    causes: tuple[CauseListing, ...]  # most often listed first


@dataclass(frozen=True, slots=True)
class MustNotMissMiss:
    """A must-not-miss cause and how many learners listed it at no checkpoint."""

    cause: str
    name: str
    missed: int
    asked: int

    @property
    def percent(self) -> float | None:
        return _percent(self.missed, self.asked)

    @property
    def text(self) -> str:
        return f"{self.name} ({self.missed} of {self.asked})"


@dataclass(frozen=True, slots=True)
class CaseDifferential:
    attempts: int  # with a stored comparison
    checkpoints: tuple[CheckpointListing, ...]
    must_not_miss: tuple[MustNotMissMiss, ...]  # most often missed first
    mean_score: float | None

    @property
    def most_missed(self) -> MustNotMissMiss | None:
        """The must-not-miss cause most often never considered (None: none was missed)."""
        return self.must_not_miss[0] if self.must_not_miss and self.must_not_miss[0].missed else None


def _case_differential(comparisons: list[StoredComparison], names: Mapping[str, str]) -> CaseDifferential:
    asked: dict[str, Counter[str]] = defaultdict(Counter)
    listed: dict[str, Counter[str]] = defaultdict(Counter)
    flagged: set[str] = set()
    attempts_at: Counter[str] = Counter()
    dangerous_asked: Counter[str] = Counter()
    dangerous_missed: Counter[str] = Counter()
    for comparison in comparisons:
        expert = comparison.data.get("expert") or {}
        learner = {c["name"]: set(c.get("learner", ())) for c in comparison.data.get("checkpoints", ())}
        dangerous: set[str] = set()
        for name, wrote in learner.items():
            attempts_at[name] += 1
            for cause in expert.get(name, ()):
                asked[name][cause["cause"]] += 1
                listed[name][cause["cause"]] += cause["cause"] in wrote
                if cause.get("must_not_miss"):
                    flagged.add(cause["cause"])
                    dangerous.add(cause["cause"])
        dangerous_asked.update(dangerous)
        dangerous_missed.update(comparison.never_considered)
    checkpoints = tuple(
        CheckpointListing(
            name=name,
            label=CHECKPOINT_LABELS.get(name, name),
            attempts=attempts_at[name],
            causes=tuple(
                sorted(
                    (
                        CauseListing(slug, names.get(slug, slug), slug in flagged, listed[name][slug], count)
                        for slug, count in asked[name].items()
                    ),
                    key=lambda c: (-(c.percent or 0), c.name),
                )
            ),
        )
        for name in CHECKPOINT_LABELS
        if attempts_at[name]
    )
    misses = sorted(
        (MustNotMissMiss(s, names.get(s, s), dangerous_missed[s], n) for s, n in dangerous_asked.items()),
        key=lambda m: (-m.missed, -(m.percent or 0), m.name),
    )
    # A differential score only where the case scored it (the learner saw it).
    scores = [c.score for c in comparisons if c.data.get("scored") and c.score is not None]
    return CaseDifferential(
        attempts=len(comparisons),
        checkpoints=checkpoints,
        must_not_miss=tuple(misses),
        mean_score=round(sum(scores) / len(scores), 1) if scores else None,
    )


def comparison_slugs(comparisons: Iterable[StoredComparison]) -> set[str]:
    """Every cause slug the comparisons' expert lists name (never-considered ones are among them)."""
    return {
        cause["cause"]
        for c in comparisons
        for name, causes in (c.data.get("expert") or {}).items()
        if name in CHECKPOINT_LABELS
        for cause in causes
    }


def case_differentials(comparisons: list[StoredComparison]) -> dict[int, CaseDifferential]:
    """By case: each expert cause's share of learners listing it at each
    checkpoint, and the must-not-miss causes never considered. One query (names)."""
    names = cause_names(comparison_slugs(comparisons)) if comparisons else {}
    by_case: dict[int, list[StoredComparison]] = defaultdict(list)
    for comparison in comparisons:
        by_case[comparison.case_id].append(comparison)
    return {case_id: _case_differential(found, names) for case_id, found in by_case.items()}


def quiz_comparisons(*, quiz: Quiz, cohort: Cohort | None) -> dict[int, StoredComparison]:
    """The stored comparisons of the quiz's case attempts (of ``cohort``'s learners,
    if given), by attempt id: one query."""
    attempts = Attempt.objects.filter(quiz_case__quiz_attempt__in=quiz_attempts_in_scope(quiz=quiz, cohort=cohort))
    return {c.attempt_id: c for c in stored_comparisons(attempts.values("pk"))}


def quiz_differentials(
    *, cases: Iterable[Case], comparisons: Mapping[int, StoredComparison]
) -> tuple[tuple[Case, CaseDifferential], ...]:
    """Each case of the quiz with a stored comparison, in quiz order, with its figures. One query (names)."""
    by_case = case_differentials(list(comparisons.values()))
    return tuple((case, by_case[case.pk]) for case in cases if case.pk in by_case)


def never_considered_text(comparisons: Mapping[int, StoredComparison]) -> dict[int, str]:
    """By attempt id, the must-not-miss causes never considered, by name ("; "
    between; "none" when every one was considered). One query (names)."""
    slugs = {slug for c in comparisons.values() for slug in c.never_considered}
    names = cause_names(slugs) if slugs else {}
    return {pk: "; ".join(names.get(s, s) for s in c.never_considered) or "none" for pk, c in comparisons.items()}


# --------------------------------------------------------------------------
# Certainty
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseCertainty:
    """Certainty stated with the diagnosis on one case: per level (low to high)
    how many stated it and how many of those were right; ``graded``: every
    graded attempt, with or without a certainty."""

    lines: tuple[CalibrationLine, ...]
    graded: int

    @property
    def unstated(self) -> int:
        return self.graded - sum(line.stated for line in self.lines)

    def share_percent(self, line: CalibrationLine) -> float | None:
        return _percent(line.stated, self.graded)

    @property
    def rows(self) -> list[tuple[CalibrationLine, float | None]]:
        """High first, as a table reads: each level and its share of the graded attempts."""
        return [(line, self.share_percent(line)) for line in reversed(self.lines)]


def case_certainties(reports: QuerySet[GradedReport]) -> dict[int, CaseCertainty]:
    """By case, over the current reports of submitted attempts in ``reports``:
    one grouped query (case, certainty, verdict)."""
    rows = (
        reports.filter(superseded_at__isnull=True, attempt__submitted_at__isnull=False)
        .annotate(verdict=KT("data__diagnosis__verdict"))
        .values("attempt__case_id", "attempt__certainty", "verdict")
        .annotate(n=Count("pk"))
        .order_by()
    )
    stated: dict[int, Counter[str]] = defaultdict(Counter)
    right: dict[int, Counter[str]] = defaultdict(Counter)
    graded: Counter[int] = Counter()
    for row in rows:
        case_id, level, n = row["attempt__case_id"], row["attempt__certainty"], row["n"]
        graded[case_id] += n
        if level:
            stated[case_id][level] += n
            right[case_id][level] += n if is_right(row["verdict"]) else 0
    return {
        case_id: CaseCertainty(
            lines=tuple(
                CalibrationLine(certainty=level.value, stated=stated[case_id][level], right=right[case_id][level])
                for level in Certainty
            ),
            graded=total,
        )
        for case_id, total in graded.items()
    }
