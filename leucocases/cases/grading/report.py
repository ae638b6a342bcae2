"""Output records of the grading engine: the report and its parts.

Reports are stored as JSON (``Report.to_dict()``) and must come back equal
to the report that was stored (``Report.from_dict()``), so every part
converts explicitly rather than through a generic reflection helper whose
behaviour would be harder to audit.

``from_dict`` also reads reports stored by engine 1.0.0, which knew no
occurrences, weights, any-of groups, never choices or grade bands: what is
missing takes the value engine 1 meant (occurrence 1, weight 1, no group, no
never choice) and the grade letter is worked out from the stored total with
the default bands. The stored ``engine_version`` is kept, so such a report
still says which engine graded it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .types import GradeBands, OrderRule, ScoringSettings, Tier

__all__ = [
    "ChoiceLine",
    "DiagnosisResult",
    "DiagnosisVerdict",
    "MissedEssential",
    "OrderViolation",
    "Report",
    "Verdict",
]


class Verdict(StrEnum):
    """How one chosen occurrence of an entry was graded.

    An occurrence the key does not mention (an unkeyed entry, or a repeat
    beyond the keyed occurrences) is ``not_contributory``; a keyed one that
    breaks an order rule is ``premature`` whatever its tier (the line's
    ``tier`` still says what it was); a member of an "any one of" group
    chosen after another member earned the group's credit is
    ``essential_alternative``.
    """

    ESSENTIAL = "essential"
    USEFUL = "useful"
    LOW_YIELD = "low_yield"
    HARMFUL = "harmful"
    PREMATURE = "premature"
    NOT_CONTRIBUTORY = "not_contributory"
    ESSENTIAL_ALTERNATIVE = "essential_alternative"
    NEVER = "never"


class DiagnosisVerdict(StrEnum):
    """How the chosen cause was graded."""

    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    NONE = "none"


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _strings(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


@dataclass(frozen=True, slots=True)
class ChoiceLine:
    """The grading of one choice, in the learner's order.

    ``step`` is the entry's slug and ``occurrence`` which ordering of it this
    was (1 the first time). ``tier`` is None when the key does not mention
    that occurrence. ``any_of`` is the essential's group label, if any.
    """

    position: int
    step: str
    tier: Tier | None
    verdict: Verdict
    points: float
    rationale: str
    citations: tuple[str, ...]
    broken_rules: tuple[OrderRule, ...]
    occurrence: int = 1
    any_of: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "step": self.step,
            "occurrence": self.occurrence,
            "tier": None if self.tier is None else str(self.tier),
            "verdict": str(self.verdict),
            "points": self.points,
            "rationale": self.rationale,
            "citations": list(self.citations),
            "broken_rules": [r.to_dict() for r in self.broken_rules],
            "any_of": self.any_of,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChoiceLine:
        tier = data["tier"]
        return cls(
            position=int(data["position"]),
            step=str(data["step"]),
            tier=None if tier is None else Tier(tier),
            verdict=Verdict(data["verdict"]),
            points=float(data["points"]),
            rationale=str(data["rationale"]),
            citations=_strings(data["citations"]),
            broken_rules=tuple(OrderRule.from_dict(r) for r in data["broken_rules"]),
            occurrence=int(data.get("occurrence", 1)),
            any_of=str(data.get("any_of", "")),
        )


@dataclass(frozen=True, slots=True)
class MissedEssential:
    """A unit of essential credit the learner never chose.

    A single essential, or an "any one of" group: then ``any_of`` lists
    every member's slug ("one of: A, B") and ``step`` is the first of them
    in expert-path order, whose rationale and citations are given.
    ``weight`` is the unit's weight (a group's is its largest member's).
    """

    step: str
    rationale: str
    citations: tuple[str, ...]
    occurrence: int = 1
    weight: float = 1.0
    any_of: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "occurrence": self.occurrence,
            "rationale": self.rationale,
            "citations": list(self.citations),
            "weight": self.weight,
            "any_of": list(self.any_of),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MissedEssential:
        return cls(
            step=str(data["step"]),
            rationale=str(data["rationale"]),
            citations=_strings(data["citations"]),
            occurrence=int(data.get("occurrence", 1)),
            weight=float(data.get("weight", 1.0)),
            any_of=_strings(data.get("any_of", ())),
        )


@dataclass(frozen=True, slots=True)
class OrderViolation:
    """One broken order rule: occurrence ``occurrence`` of ``step`` was
    chosen before occurrence ``before_occurrence`` of ``before`` was.

    ``before_position`` is where that prerequisite was chosen (1-based), or
    ``None`` when it never was, so the report can say "too early" apart
    from "without".
    """

    step: str
    before: str
    rationale: str
    citations: tuple[str, ...]
    position: int
    before_position: int | None
    counts_as_harmful: bool
    occurrence: int = 1
    before_occurrence: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "occurrence": self.occurrence,
            "before": self.before,
            "before_occurrence": self.before_occurrence,
            "rationale": self.rationale,
            "citations": list(self.citations),
            "position": self.position,
            "before_position": self.before_position,
            "counts_as_harmful": self.counts_as_harmful,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OrderViolation:
        before_position = data["before_position"]
        return cls(
            step=str(data["step"]),
            before=str(data["before"]),
            rationale=str(data["rationale"]),
            citations=_strings(data["citations"]),
            position=int(data["position"]),
            before_position=None if before_position is None else int(before_position),
            counts_as_harmful=bool(data["counts_as_harmful"]),
            occurrence=int(data.get("occurrence", 1)),
            before_occurrence=int(data.get("before_occurrence", 1)),
        )


@dataclass(frozen=True, slots=True)
class DiagnosisResult:
    """The grading of the chosen cause.

    ``rationale``/``citations`` are the chosen option's when the key lists the
    chosen cause, otherwise the full-credit option's, so there is always an
    explanation to show. ``correct_*`` always describe the full-credit option.
    """

    chosen: str | None
    credit: float
    verdict: DiagnosisVerdict
    points: float
    rationale: str
    citations: tuple[str, ...]
    correct_cause: str
    correct_rationale: str
    correct_citations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen,
            "credit": self.credit,
            "verdict": str(self.verdict),
            "points": self.points,
            "rationale": self.rationale,
            "citations": list(self.citations),
            "correct_cause": self.correct_cause,
            "correct_rationale": self.correct_rationale,
            "correct_citations": list(self.correct_citations),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiagnosisResult:
        chosen = data["chosen"]
        return cls(
            chosen=None if chosen is None else str(chosen),
            credit=float(data["credit"]),
            verdict=DiagnosisVerdict(data["verdict"]),
            points=float(data["points"]),
            rationale=str(data["rationale"]),
            citations=_strings(data["citations"]),
            correct_cause=str(data["correct_cause"]),
            correct_rationale=str(data["correct_rationale"]),
            correct_citations=_strings(data["correct_citations"]),
        )


@dataclass(frozen=True, slots=True)
class Report:
    """The full, self-explaining result of grading one attempt.

    Scores are on a 0..100 scale and rounded to one decimal place, half away
    from zero (see ``round_half_up``); they are computed from unrounded values
    and rounded only here, so e.g. the line points need not sum exactly to
    ``workup_score``. ``efficiency`` is a 0..1 fraction rounded to three
    places, ``efficiency_percent`` the same ratio as a percentage rounded to
    one place; both are ``None`` when nothing was chosen. ``efficient_choices``
    is the ratio's numerator: choices graded essential, essential_alternative
    or useful (not premature).

    ``never_triggered`` says a never choice was made: ``total`` is then at
    most ``scoring.never_total`` and ``never_choices`` lists those lines (also
    found in ``lines``) for the report to show first. ``cap_triggered`` says
    a harmful choice (or a premature one whose rule counts as harmful) was
    made; ``capped`` says the cap actually lowered the total, i.e.
    ``uncapped_total`` exceeded ``scoring.harmful_cap``. ``grade`` is the
    letter ``scoring.grade_bands`` gives the (rounded) total.

    Essential credit comes in units: a single essential, or an "any one of"
    group. ``essential_total`` counts the key's units and
    ``essential_weight_total`` sums their weights (a unit's share of
    ``essential_total_points`` is its weight over that sum);
    ``essential_chosen`` counts units chosen at any time (so it plus the
    missed units is the total) and ``essential_credited`` those first chosen
    in time (not premature).
    """

    engine_version: str
    lines: tuple[ChoiceLine, ...]
    missed_essentials: tuple[MissedEssential, ...]
    order_violations: tuple[OrderViolation, ...]
    diagnosis: DiagnosisResult
    workup_score: float
    diagnosis_score: float
    total: float
    uncapped_total: float
    capped: bool
    cap_triggered: bool
    efficiency: float | None
    efficiency_percent: float | None
    expert_path: tuple[str, ...]
    learner_path: tuple[str, ...]
    scoring: ScoringSettings
    essential_total: int
    essential_chosen: int
    essential_credited: int
    never_choices: tuple[ChoiceLine, ...] = ()
    never_triggered: bool = False
    grade: str = GradeBands.FAIL
    essential_weight_total: float = 0.0
    efficient_choices: int = 0

    @property
    def grade_bands(self) -> GradeBands:
        """The bands ``grade`` was read from (part of ``scoring``)."""
        return self.scoring.grade_bands

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict that ``from_dict`` turns back into
        an equal ``Report``."""
        return {
            "engine_version": self.engine_version,
            "lines": [line.to_dict() for line in self.lines],
            "never_choices": [line.to_dict() for line in self.never_choices],
            "missed_essentials": [m.to_dict() for m in self.missed_essentials],
            "order_violations": [v.to_dict() for v in self.order_violations],
            "diagnosis": self.diagnosis.to_dict(),
            "workup_score": self.workup_score,
            "diagnosis_score": self.diagnosis_score,
            "total": self.total,
            "uncapped_total": self.uncapped_total,
            "capped": self.capped,
            "cap_triggered": self.cap_triggered,
            "never_triggered": self.never_triggered,
            "grade": self.grade,
            "efficiency": self.efficiency,
            "efficiency_percent": self.efficiency_percent,
            "efficient_choices": self.efficient_choices,
            "expert_path": list(self.expert_path),
            "learner_path": list(self.learner_path),
            "scoring": self.scoring.to_dict(),
            "essential_total": self.essential_total,
            "essential_weight_total": self.essential_weight_total,
            "essential_chosen": self.essential_chosen,
            "essential_credited": self.essential_credited,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Rebuild a report from ``to_dict()`` output (e.g. after JSON),
        including one stored by engine 1.0.0 (see the module docstring)."""
        lines = tuple(ChoiceLine.from_dict(x) for x in data["lines"])
        scoring = ScoringSettings.from_dict(data["scoring"])
        total = float(data["total"])
        essential_total = int(data["essential_total"])
        if "efficient_choices" in data:
            efficient = int(data["efficient_choices"])
        else:
            # Engine 1 counted every chosen essential or useful step.
            efficient = sum(1 for line in lines if line.tier in (Tier.ESSENTIAL, Tier.USEFUL))
        return cls(
            engine_version=str(data["engine_version"]),
            lines=lines,
            missed_essentials=tuple(MissedEssential.from_dict(x) for x in data["missed_essentials"]),
            order_violations=tuple(OrderViolation.from_dict(x) for x in data["order_violations"]),
            diagnosis=DiagnosisResult.from_dict(data["diagnosis"]),
            workup_score=float(data["workup_score"]),
            diagnosis_score=float(data["diagnosis_score"]),
            total=total,
            uncapped_total=float(data["uncapped_total"]),
            capped=bool(data["capped"]),
            cap_triggered=bool(data["cap_triggered"]),
            efficiency=_optional_float(data["efficiency"]),
            efficiency_percent=_optional_float(data["efficiency_percent"]),
            expert_path=_strings(data["expert_path"]),
            learner_path=_strings(data["learner_path"]),
            scoring=scoring,
            essential_total=essential_total,
            essential_chosen=int(data["essential_chosen"]),
            essential_credited=int(data["essential_credited"]),
            never_choices=tuple(ChoiceLine.from_dict(x) for x in data.get("never_choices", ())),
            never_triggered=bool(data.get("never_triggered", False)),
            grade=str(data["grade"]) if "grade" in data else scoring.grade_bands.letter_for(total),
            # Engine 1 weighed every essential 1.
            essential_weight_total=float(data.get("essential_weight_total", essential_total)),
            efficient_choices=efficient,
        )
