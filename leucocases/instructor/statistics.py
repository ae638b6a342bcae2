"""Item analysis of cases and quizzes: pure functions over stored reports.

No Django import: plain lists, dicts and numbers in, frozen dataclasses out.
The views fetch the current graded reports in a few queries, turn each into a
``ReportRecord`` (``record_from_data``) and call the functions here.

Definitions (after Moodle's quiz statistics report):

- *facility index*: the mean score on an item as a percentage of the item's
  maximum score (a report total is out of 100, so facility = mean total);
- *discrimination index*: the Pearson correlation, over finished quiz
  attempts, between the score on one item and the total of the OTHER items of
  the same quiz attempt (the "rest of the quiz"), so the item does not
  correlate with itself. It is undefined (``None``, shown as "—") with fewer
  than two attempts or when either score never varies.

Choices are counted per occurrence: a follow-up count (the second order of
the same entry) has its own row beside the first. Never choices (verdict
``never``) are counted apart from harmful ones and listed first.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from leucocases.cases.grading import GradeBands, number_occurrences
from leucocases.cases.report_outline import occurrence_pairs, report_outline

__all__ = [
    "CaseSummary",
    "DiagnosisShare",
    "Discrimination",
    "GradeShare",
    "ItemAnalysis",
    "OptionStat",
    "OverOrdering",
    "ReportRecord",
    "case_summary",
    "diagnosis_distribution",
    "discrimination_indices",
    "grade_distribution",
    "item_analysis",
    "mean",
    "option_stats",
    "over_ordering",
    "pearson",
    "percent",
    "record_from_data",
]

#: Verdicts that count as over-ordering: steps the case does not need.
LOW_YIELD_VERDICTS = frozenset({"low_yield", "not_contributory"})
#: Verdicts that count as harmful or premature ordering.
HARMFUL_VERDICTS = frozenset({"harmful", "premature"})
#: A choice no competent clinician makes in the case: counted apart, shown first.
NEVER_VERDICT = "never"
#: Tiers in the order tables list them: never choices first, unkeyed entries last.
TIER_ORDER = {"never": 0, "essential": 1, "useful": 2, "low_yield": 3, "harmful": 4, None: 5}
#: Every grade letter, best first (F: below the lowest band).
GRADE_LETTERS = (*GradeBands.LETTERS, GradeBands.FAIL)


# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """What item analysis needs from one stored report.

    ``steps`` and ``verdicts`` are parallel, in the learner's order (a step
    listed twice is its second occurrence); ``missed`` lists the essential
    steps never chosen and ``missed_occurrences`` (parallel; empty: all 1)
    which occurrence of each; ``diagnosis`` is the chosen cause's slug
    (None: no diagnosis) and ``diagnosis_verdict`` its grading ("correct",
    "partial", "incorrect", "none"); ``grade`` the report's letter.
    """

    attempt_id: int
    total: float
    steps: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    diagnosis: str | None = None
    diagnosis_verdict: str = "none"
    quiz_attempt_id: int | None = None
    missed_occurrences: tuple[int, ...] = ()
    grade: str = ""


def record_from_data(
    *, attempt_id: int, total: float, data: Mapping[str, Any], quiz_attempt_id: int | None = None
) -> ReportRecord:
    """A ``ReportRecord`` from a stored ``Report.to_dict()``, read through
    ``cases.report_outline``: a part an old or hand-made report lacks counts as empty."""
    outline = report_outline(data)
    return ReportRecord(
        attempt_id=attempt_id,
        total=float(total),
        steps=tuple(line.step for line in outline.lines),
        verdicts=tuple(line.verdict for line in outline.lines),
        missed=outline.missed,
        missed_occurrences=outline.missed_occurrences,
        diagnosis=outline.diagnosis,
        diagnosis_verdict=outline.diagnosis_verdict,
        quiz_attempt_id=quiz_attempt_id,
        grade=outline.grade,
    )


# --------------------------------------------------------------------------
# Plain statistics
# --------------------------------------------------------------------------


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percent(part: int | float, whole: int | float) -> float:
    """``part`` as a percentage of ``whole``, 0 when ``whole`` is 0."""
    return 100.0 * part / whole if whole else 0.0


def percent_of_n(count_field: str) -> property:
    """A read-only property: the ``count_field`` count as a percentage of ``n``.

    The stat dataclasses below hold raw counts; the pages show each as a share
    of the attempts, so every count gets its percentage from this one rule.
    """
    return property(lambda stat: percent(getattr(stat, count_field), stat.n))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's product-moment correlation of two equally long samples.

    ``None`` when it is undefined: fewer than two pairs, or a sample whose
    values are all equal (zero variance).
    """
    if len(xs) != len(ys):
        raise ValueError("samples of different lengths")
    n = len(xs)
    if n < 2:
        return None
    mx = sum(xs) / n
    my = sum(ys) / n
    sxy = sxx = syy = 0.0
    for x, y in zip(xs, ys, strict=True):
        dx, dy = x - mx, y - my
        sxy += dx * dy
        sxx += dx * dx
        syy += dy * dy
    # Relative tolerance: sums of equal floats can leave a tiny residue.
    scale = max(1.0, mx * mx, my * my) * n
    if sxx <= 1e-12 * scale or syy <= 1e-12 * scale:
        return None
    r = sxy / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))


def standard_deviation(values: Sequence[float]) -> float | None:
    """The sample standard deviation (n − 1); None below two values."""
    n = len(values)
    if n < 2:
        return None
    m = sum(values) / n
    return math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))


# --------------------------------------------------------------------------
# One case
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseSummary:
    n: int
    mean: float | None
    sd: float | None
    facility: float | None  # mean as a percentage of max_score


def case_summary(totals: Sequence[float], *, max_score: float = 100.0) -> CaseSummary:
    m = mean(totals)
    return CaseSummary(
        n=len(totals),
        mean=m,
        sd=standard_deviation(totals),
        facility=None if m is None or not max_score else 100.0 * m / max_score,
    )


@dataclass(frozen=True, slots=True)
class OptionStat:
    """How one occurrence of a catalogue entry was ordered across ``n`` attempts.

    ``occurrence`` 1 is the entry's first order (so ``chosen`` there counts
    the attempts that ordered the entry at all), 2 its first repeat, and so
    on. ``tier`` is the current key's for that occurrence (None: not keyed).
    ``low_yield`` counts attempts where it was graded low-yield or not
    contributory, ``harmful`` harmful or premature, ``never`` a never
    choice; ``missed`` counts attempts whose report lists it as a missed
    essential.
    """

    step: str
    tier: str | None
    n: int
    chosen: int
    first: int
    low_yield: int
    harmful: int
    missed: int
    occurrence: int = 1
    never: int = 0

    chosen_percent = percent_of_n("chosen")
    first_percent = percent_of_n("first")
    low_yield_percent = percent_of_n("low_yield")
    harmful_percent = percent_of_n("harmful")
    never_percent = percent_of_n("never")
    missed_percent = percent_of_n("missed")


Item = tuple[str, int]  # (entry slug, occurrence)


def keyed_items(keyed: Mapping[Any, str] | None) -> dict[Item, str]:
    """A key's tiers by ``(slug, occurrence)``; a plain slug means occurrence 1."""
    return {((k, 1) if isinstance(k, str) else (str(k[0]), int(k[1]))): tier for k, tier in (keyed or {}).items()}


def option_stats(records: Sequence[ReportRecord], *, keyed: Mapping[Any, str] | None = None) -> tuple[OptionStat, ...]:
    """One ``OptionStat`` per occurrence of an entry chosen in any attempt or keyed by the case.

    ``keyed`` maps ``(slug, occurrence)`` (or a slug: occurrence 1) to the
    tier. An entry's occurrences stay together, in order; entries are sorted
    by the first of their tiers in ``TIER_ORDER`` (never, essential, useful,
    low yield, harmful, unkeyed), then by how often they were ordered (most
    first), then by slug.
    """
    tiers = keyed_items(keyed)
    counts: dict[str, Counter[Item]] = {name: Counter() for name in ("chosen", "first", "low", "harm", "never", "miss")}
    for record in records:
        numbered = number_occurrences(record.steps)
        for index, (item, verdict) in enumerate(zip(numbered, record.verdicts, strict=False)):
            counts["chosen"][item] += 1
            counts["first"][item] += index == 0
            counts["low"][item] += verdict in LOW_YIELD_VERDICTS
            counts["harm"][item] += verdict in HARMFUL_VERDICTS
            counts["never"][item] += verdict == NEVER_VERDICT
        for item in set(occurrence_pairs(record.missed, record.missed_occurrences)):
            counts["miss"][item] += 1
    items = set(tiers) | set(counts["chosen"]) | set(counts["miss"])
    rank: dict[str, int] = {}
    for step, occurrence in items:
        rank[step] = min(
            rank.get(step, TIER_ORDER[None]), TIER_ORDER.get(tiers.get((step, occurrence)), TIER_ORDER[None])
        )
    stats = [
        OptionStat(
            step=step,
            occurrence=occurrence,
            tier=tiers.get((step, occurrence)),
            n=len(records),
            chosen=counts["chosen"][(step, occurrence)],
            first=counts["first"][(step, occurrence)],
            low_yield=counts["low"][(step, occurrence)],
            harmful=counts["harm"][(step, occurrence)],
            never=counts["never"][(step, occurrence)],
            missed=counts["miss"][(step, occurrence)],
        )
        for step, occurrence in items
    ]
    stats.sort(key=lambda s: (rank[s.step], -counts["chosen"][(s.step, 1)], s.step, s.occurrence))
    return tuple(stats)


@dataclass(frozen=True, slots=True)
class OverOrdering:
    """Over-ordering across ``n`` attempts: how many attempts ordered at least
    one low-yield / not-contributory step (and how many such steps on
    average), the same for harmful / premature steps, and for never choices."""

    n: int
    low_yield_attempts: int
    low_yield_steps: int
    harmful_attempts: int
    harmful_steps: int
    never_attempts: int = 0
    never_steps: int = 0

    low_yield_attempts_percent = percent_of_n("low_yield_attempts")

    @property
    def low_yield_mean(self) -> float | None:
        return self.low_yield_steps / self.n if self.n else None

    harmful_attempts_percent = percent_of_n("harmful_attempts")

    @property
    def harmful_mean(self) -> float | None:
        return self.harmful_steps / self.n if self.n else None

    never_attempts_percent = percent_of_n("never_attempts")


def over_ordering(records: Sequence[ReportRecord]) -> OverOrdering:
    counts = Counter()
    for record in records:
        for kind, verdicts in (("low", LOW_YIELD_VERDICTS), ("harm", HARMFUL_VERDICTS), ("never", {NEVER_VERDICT})):
            steps = sum(1 for v in record.verdicts if v in verdicts)
            counts[f"{kind}_steps"] += steps
            counts[f"{kind}_attempts"] += 1 if steps else 0
    return OverOrdering(
        n=len(records),
        low_yield_attempts=counts["low_attempts"],
        low_yield_steps=counts["low_steps"],
        harmful_attempts=counts["harm_attempts"],
        harmful_steps=counts["harm_steps"],
        never_attempts=counts["never_attempts"],
        never_steps=counts["never_steps"],
    )


@dataclass(frozen=True, slots=True)
class GradeShare:
    """Attempts whose report has grade ``letter``, of ``n``."""

    letter: str
    count: int
    n: int

    percent = percent_of_n("count")


def grade_distribution(records: Sequence[ReportRecord]) -> tuple[GradeShare, ...]:
    """Every letter A to F, best first, with the attempts that earned it (zeros included)."""
    counts = Counter(r.grade for r in records)
    return tuple(GradeShare(letter=letter, count=counts[letter], n=len(records)) for letter in GRADE_LETTERS)


@dataclass(frozen=True, slots=True)
class DiagnosisShare:
    """Attempts that chose ``cause`` (None: gave no diagnosis), graded ``verdict``."""

    cause: str | None
    verdict: str
    count: int
    n: int

    percent = percent_of_n("count")


def diagnosis_distribution(records: Sequence[ReportRecord]) -> tuple[DiagnosisShare, ...]:
    """The causes chosen, most often first; "no diagnosis" last."""
    counts = Counter((r.diagnosis, r.diagnosis_verdict) for r in records)
    n = len(records)
    shares = [DiagnosisShare(cause=c, verdict=v, count=k, n=n) for (c, v), k in counts.items()]
    shares.sort(key=lambda s: (s.cause is None, -s.count, s.cause or "", s.verdict))
    return tuple(shares)


@dataclass(frozen=True, slots=True)
class ItemAnalysis:
    summary: CaseSummary
    options: tuple[OptionStat, ...]
    over_ordering: OverOrdering
    diagnoses: tuple[DiagnosisShare, ...]
    grades: tuple[GradeShare, ...] = ()


def item_analysis(
    records: Sequence[ReportRecord], *, keyed: Mapping[Any, str] | None = None, max_score: float = 100.0
) -> ItemAnalysis:
    """Everything the analysis page shows for one case over ``records``."""
    return ItemAnalysis(
        summary=case_summary([r.total for r in records], max_score=max_score),
        options=option_stats(records, keyed=keyed),
        over_ordering=over_ordering(records),
        diagnoses=diagnosis_distribution(records),
        grades=grade_distribution(records),
    )


# --------------------------------------------------------------------------
# A quiz: discrimination between items
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Discrimination:
    """The discrimination index of one item over ``n`` finished quiz attempts
    (``index`` None when undefined)."""

    n: int
    index: float | None


def discrimination_indices(
    scores: Mapping[Hashable, Mapping[Hashable, float]], *, items: Iterable[Hashable]
) -> dict[Hashable, Discrimination]:
    """For each item, the correlation of its score with the rest of the quiz.

    ``scores`` maps each finished quiz attempt to its item scores; an item
    missing from an attempt (never graded) scores 0, as an unanswered
    question does in Moodle.
    """
    items = list(items)
    attempts = list(scores.values())
    result: dict[Hashable, Discrimination] = {}
    totals = [sum(float(a.get(item, 0.0)) for item in items) for a in attempts]
    for item in items:
        own = [float(a.get(item, 0.0)) for a in attempts]
        rest = [total - score for total, score in zip(totals, own, strict=True)]
        result[item] = Discrimination(n=len(attempts), index=pearson(own, rest) if len(items) > 1 else None)
    return result
