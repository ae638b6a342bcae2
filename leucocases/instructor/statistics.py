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
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leucocases.cases.report_outline import report_outline

__all__ = [
    "CaseSummary",
    "DiagnosisShare",
    "Discrimination",
    "ItemAnalysis",
    "OptionStat",
    "OverOrdering",
    "ReportRecord",
    "case_summary",
    "diagnosis_distribution",
    "format_seconds",
    "discrimination_indices",
    "item_analysis",
    "mean",
    "option_stats",
    "over_ordering",
    "pearson",
    "percent",
    "record_from_data",
    "seconds_on_each_case",
]

#: Verdicts that count as over-ordering: steps the case does not need.
LOW_YIELD_VERDICTS = frozenset({"low_yield", "not_contributory"})
#: Verdicts that count as harmful or premature ordering.
HARMFUL_VERDICTS = frozenset({"harmful", "premature"})
#: Tiers in the order tables list them; unkeyed steps come last.
TIER_ORDER = {"essential": 0, "useful": 1, "low_yield": 2, "harmful": 3, None: 4}


# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """What item analysis needs from one stored report.

    ``steps`` and ``verdicts`` are parallel, in the learner's order;
    ``missed`` lists the essential steps never chosen; ``diagnosis`` is the
    chosen cause's slug (None: no diagnosis) and ``diagnosis_verdict`` its
    grading ("correct", "partial", "incorrect", "none").
    """

    attempt_id: int
    total: float
    steps: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    diagnosis: str | None = None
    diagnosis_verdict: str = "none"
    quiz_attempt_id: int | None = None


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
        diagnosis=outline.diagnosis,
        diagnosis_verdict=outline.diagnosis_verdict,
        quiz_attempt_id=quiz_attempt_id,
    )


# --------------------------------------------------------------------------
# Plain statistics
# --------------------------------------------------------------------------


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percent(part: int | float, whole: int | float) -> float:
    """``part`` as a percentage of ``whole``, 0 when ``whole`` is 0."""
    return 100.0 * part / whole if whole else 0.0


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
    """How one workup step was ordered across ``n`` attempts.

    ``tier`` is the current key's (None: the case does not key the step).
    ``low_yield`` counts attempts where the step was graded low-yield or not
    contributory, ``harmful`` where it was graded harmful or premature;
    ``missed`` counts attempts whose report lists it as a missed essential.
    """

    step: str
    tier: str | None
    n: int
    chosen: int
    first: int
    low_yield: int
    harmful: int
    missed: int

    @property
    def chosen_percent(self) -> float:
        return percent(self.chosen, self.n)

    @property
    def first_percent(self) -> float:
        return percent(self.first, self.n)

    @property
    def low_yield_percent(self) -> float:
        return percent(self.low_yield, self.n)

    @property
    def harmful_percent(self) -> float:
        return percent(self.harmful, self.n)

    @property
    def missed_percent(self) -> float:
        return percent(self.missed, self.n)


def option_stats(records: Sequence[ReportRecord], *, keyed: Mapping[str, str] | None = None) -> tuple[OptionStat, ...]:
    """One ``OptionStat`` per step chosen in any attempt or keyed by the case.

    Sorted by tier (essential first, unkeyed last), then by how often chosen
    (most first), then by slug.
    """
    keyed = dict(keyed or {})
    n = len(records)
    chosen: Counter[str] = Counter()
    first: Counter[str] = Counter()
    low: Counter[str] = Counter()
    harm: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for record in records:
        seen: set[str] = set()
        for index, (step, verdict) in enumerate(zip(record.steps, record.verdicts, strict=False)):
            if step in seen:
                continue
            seen.add(step)
            chosen[step] += 1
            if index == 0:
                first[step] += 1
            if verdict in LOW_YIELD_VERDICTS:
                low[step] += 1
            elif verdict in HARMFUL_VERDICTS:
                harm[step] += 1
        for step in set(record.missed):
            missed[step] += 1
    steps = set(keyed) | set(chosen) | set(missed)
    stats = [
        OptionStat(
            step=step,
            tier=keyed.get(step),
            n=n,
            chosen=chosen[step],
            first=first[step],
            low_yield=low[step],
            harmful=harm[step],
            missed=missed[step],
        )
        for step in steps
    ]
    stats.sort(key=lambda s: (TIER_ORDER.get(s.tier, 4), -s.chosen, s.step))
    return tuple(stats)


@dataclass(frozen=True, slots=True)
class OverOrdering:
    """Over-ordering across ``n`` attempts: how many attempts ordered at least
    one low-yield / not-contributory step (and how many such steps on
    average), and the same for harmful / premature steps."""

    n: int
    low_yield_attempts: int
    low_yield_steps: int
    harmful_attempts: int
    harmful_steps: int

    @property
    def low_yield_attempts_percent(self) -> float:
        return percent(self.low_yield_attempts, self.n)

    @property
    def low_yield_mean(self) -> float | None:
        return self.low_yield_steps / self.n if self.n else None

    @property
    def harmful_attempts_percent(self) -> float:
        return percent(self.harmful_attempts, self.n)

    @property
    def harmful_mean(self) -> float | None:
        return self.harmful_steps / self.n if self.n else None


def over_ordering(records: Sequence[ReportRecord]) -> OverOrdering:
    low_attempts = low_steps = harm_attempts = harm_steps = 0
    for record in records:
        low = sum(1 for v in record.verdicts if v in LOW_YIELD_VERDICTS)
        harm = sum(1 for v in record.verdicts if v in HARMFUL_VERDICTS)
        low_steps += low
        harm_steps += harm
        low_attempts += 1 if low else 0
        harm_attempts += 1 if harm else 0
    return OverOrdering(
        n=len(records),
        low_yield_attempts=low_attempts,
        low_yield_steps=low_steps,
        harmful_attempts=harm_attempts,
        harmful_steps=harm_steps,
    )


@dataclass(frozen=True, slots=True)
class DiagnosisShare:
    """Attempts that chose ``cause`` (None: gave no diagnosis), graded ``verdict``."""

    cause: str | None
    verdict: str
    count: int
    n: int

    @property
    def percent(self) -> float:
        return percent(self.count, self.n)


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


def item_analysis(
    records: Sequence[ReportRecord], *, keyed: Mapping[str, str] | None = None, max_score: float = 100.0
) -> ItemAnalysis:
    """Everything the analysis page shows for one case over ``records``."""
    return ItemAnalysis(
        summary=case_summary([r.total for r in records], max_score=max_score),
        options=option_stats(records, keyed=keyed),
        over_ordering=over_ordering(records),
        diagnoses=diagnosis_distribution(records),
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


# --------------------------------------------------------------------------
# Time on each case of a quiz attempt
# --------------------------------------------------------------------------


def seconds_on_each_case(
    *, started: Mapping[Hashable, datetime], submitted: Mapping[Hashable, datetime | None]
) -> dict[Hashable, int | None]:
    """Seconds spent on each submitted case: from the later of its start and
    the previous submission (in submission order) to its own submission.

    A quiz creates all its case attempts when it starts, so ``submitted_at −
    started_at`` of its third case also counts the time spent on the first
    two; a practice attempt (one case) gets exactly ``submitted_at −
    started_at``. Unsubmitted cases get None.
    """
    result: dict[Hashable, int | None] = {key: None for key in started}
    order = sorted(((when, key) for key, when in submitted.items() if when is not None), key=lambda pair: pair[0])
    previous: datetime | None = None
    for when, key in order:
        begin = started[key] if previous is None else max(started[key], previous)
        result[key] = max(0, round((when - begin).total_seconds()))
        previous = when
    return result


def format_seconds(seconds: int | None) -> str:
    """``75`` -> "1 min 15 s", ``3725`` -> "1 h 2 min"; None -> "—"."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
