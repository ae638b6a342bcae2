"""Input and output records of the grading engine.

Everything here is a frozen dataclass or a ``StrEnum`` so that a key, an
attempt and a report are plain values: comparable with ``==``, hashable, and
free of any Django or database dependency.

Input records (``KeyedStep``, ``OrderRule``, ``DiagnosisOption``,
``ScoringSettings``, ``CaseKey``, ``Attempt``) coerce sequences to tuples and
tier strings to ``Tier`` on construction, because importers and the admin
naturally hand over lists and plain strings, and an un-coerced list would make
the record unhashable and unequal to the same record built from a tuple.

Output records (``Report`` and its parts) offer ``to_dict()`` /
``from_dict()``: reports are stored as JSON and must come back equal to the
report that was stored, so every part converts explicitly rather than through
a generic reflection helper whose behaviour would be harder to audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = [
    "Attempt",
    "CaseKey",
    "ChoiceLine",
    "DiagnosisOption",
    "DiagnosisResult",
    "DiagnosisVerdict",
    "InvalidKeyError",
    "KeyProblem",
    "KeyedStep",
    "MissedEssential",
    "OrderRule",
    "OrderViolation",
    "ProblemCode",
    "Report",
    "ScoringSettings",
    "Tier",
    "Verdict",
]


class Tier(StrEnum):
    """How the case key rates a workup step."""

    ESSENTIAL = "essential"
    USEFUL = "useful"
    LOW_YIELD = "low_yield"
    HARMFUL = "harmful"


class Verdict(StrEnum):
    """How one chosen step was graded.

    A step the key does not mention is ``not_contributory`` (penalised like
    ``low_yield``); a keyed step that breaks an order rule is ``premature``
    whatever its tier.
    """

    ESSENTIAL = "essential"
    USEFUL = "useful"
    LOW_YIELD = "low_yield"
    HARMFUL = "harmful"
    PREMATURE = "premature"
    NOT_CONTRIBUTORY = "not_contributory"


class DiagnosisVerdict(StrEnum):
    """How the chosen cause was graded."""

    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    NONE = "none"


class ProblemCode(StrEnum):
    """Machine-readable reasons a case key is unusable (see ``validate_key``)."""

    EMPTY_SLUG = "empty_slug"
    DUPLICATE_STEP = "duplicate_step"
    NO_ESSENTIAL_STEP = "no_essential_step"
    DUPLICATE_DIAGNOSIS = "duplicate_diagnosis"
    CREDIT_OUT_OF_RANGE = "credit_out_of_range"
    NO_FULL_CREDIT_DIAGNOSIS = "no_full_credit_diagnosis"
    MULTIPLE_FULL_CREDIT_DIAGNOSES = "multiple_full_credit_diagnoses"
    RULE_UNKEYED_STEP = "rule_unkeyed_step"
    DUPLICATE_ORDER_RULE = "duplicate_order_rule"
    ORDER_RULE_CYCLE = "order_rule_cycle"
    EXPERT_PATH_BREAKS_RULE = "expert_path_breaks_rule"
    INVALID_SETTING = "invalid_setting"


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    # A bare string is iterable too; accepting it would silently split a
    # single citation into characters.
    if isinstance(values, str):
        raise TypeError("expected a sequence of strings, got a single string")
    return tuple(values)


def _as_float(value: object) -> object:
    # Django DecimalFields and integer literals are fine numbers to grade
    # with; normalising them keeps reports and their JSON round trip uniform.
    # Anything else (bools, strings, None) is left for validate_key to flag.
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return float(value)
    return value


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyedStep:
    """A workup step the case key rates."""

    slug: str
    tier: Tier
    rationale: str = ""
    citations: tuple[str, ...] = ()
    expert_position: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tier", Tier(self.tier))
        object.__setattr__(self, "citations", _str_tuple(self.citations))


@dataclass(frozen=True, slots=True)
class OrderRule:
    """``before`` must be chosen earlier than ``after``.

    Choosing ``after`` without having chosen ``before`` earlier (including
    never) makes ``after`` premature. Also used in reports to list the rules a
    premature step broke.
    """

    before: str
    after: str
    rationale: str = ""
    citations: tuple[str, ...] = ()
    premature_counts_as_harmful: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "citations", _str_tuple(self.citations))

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "rationale": self.rationale,
            "citations": list(self.citations),
            "premature_counts_as_harmful": self.premature_counts_as_harmful,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OrderRule:
        return cls(
            before=str(data["before"]),
            after=str(data["after"]),
            rationale=str(data["rationale"]),
            citations=tuple(str(c) for c in data["citations"]),
            premature_counts_as_harmful=bool(data["premature_counts_as_harmful"]),
        )


@dataclass(frozen=True, slots=True)
class DiagnosisOption:
    """A cause the key recognises, with the fraction of credit it earns."""

    cause: str
    credit: float
    rationale: str = ""
    citations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "credit", _as_float(self.credit))
        object.__setattr__(self, "citations", _str_tuple(self.citations))


@dataclass(frozen=True, slots=True)
class ScoringSettings:
    """Per-case scoring knobs; the defaults are the design doc's."""

    essential_total_points: float = 100.0
    low_yield_penalty: float = 5.0
    harmful_penalty: float = 25.0
    workup_weight: float = 0.6
    diagnosis_weight: float = 0.4
    harmful_cap: float = 40.0

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _as_float(getattr(self, f.name)))

    def to_dict(self) -> dict[str, float]:
        return {
            "essential_total_points": self.essential_total_points,
            "low_yield_penalty": self.low_yield_penalty,
            "harmful_penalty": self.harmful_penalty,
            "workup_weight": self.workup_weight,
            "diagnosis_weight": self.diagnosis_weight,
            "harmful_cap": self.harmful_cap,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringSettings:
        return cls(
            essential_total_points=float(data["essential_total_points"]),
            low_yield_penalty=float(data["low_yield_penalty"]),
            harmful_penalty=float(data["harmful_penalty"]),
            workup_weight=float(data["workup_weight"]),
            diagnosis_weight=float(data["diagnosis_weight"]),
            harmful_cap=float(data["harmful_cap"]),
        )


@dataclass(frozen=True, slots=True)
class CaseKey:
    """Everything the engine needs to know about one case's answers."""

    steps: tuple[KeyedStep, ...]
    diagnosis_options: tuple[DiagnosisOption, ...]
    order_rules: tuple[OrderRule, ...] = ()
    scoring: ScoringSettings = field(default_factory=ScoringSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "diagnosis_options", tuple(self.diagnosis_options))
        object.__setattr__(self, "order_rules", tuple(self.order_rules))


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the learner submitted: steps in the order chosen, and a cause."""

    steps: tuple[str, ...]
    diagnosis: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", _str_tuple(self.steps))


@dataclass(frozen=True, slots=True)
class KeyProblem:
    """One reason a key cannot be graded against."""

    code: ProblemCode
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidKeyError(ValueError):
    """Raised by ``grade()`` when ``validate_key()`` reports problems.

    Subclasses ``ValueError`` so callers that only care that the input was
    bad need not import it; the problems stay available for callers that
    want to show them.
    """

    def __init__(self, problems: Iterable[KeyProblem]) -> None:
        self.problems: tuple[KeyProblem, ...] = tuple(problems)
        listed = "; ".join(str(p) for p in self.problems)
        super().__init__(f"invalid case key: {listed}")


# --------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class ChoiceLine:
    """The grading of one chosen step, in the learner's order."""

    position: int
    step: str
    tier: Tier | None
    verdict: Verdict
    points: float
    rationale: str
    citations: tuple[str, ...]
    broken_rules: tuple[OrderRule, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "step": self.step,
            "tier": None if self.tier is None else str(self.tier),
            "verdict": str(self.verdict),
            "points": self.points,
            "rationale": self.rationale,
            "citations": list(self.citations),
            "broken_rules": [r.to_dict() for r in self.broken_rules],
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
            citations=tuple(str(c) for c in data["citations"]),
            broken_rules=tuple(OrderRule.from_dict(r) for r in data["broken_rules"]),
        )


@dataclass(frozen=True, slots=True)
class MissedEssential:
    """An essential step the learner never chose."""

    step: str
    rationale: str
    citations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "rationale": self.rationale,
            "citations": list(self.citations),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MissedEssential:
        return cls(
            step=str(data["step"]),
            rationale=str(data["rationale"]),
            citations=tuple(str(c) for c in data["citations"]),
        )


@dataclass(frozen=True, slots=True)
class OrderViolation:
    """One broken order rule: ``step`` was chosen before ``before`` was.

    ``before_position`` is where the prerequisite was chosen (1-based), or
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "before": self.before,
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
            citations=tuple(str(c) for c in data["citations"]),
            position=int(data["position"]),
            before_position=None if before_position is None else int(before_position),
            counts_as_harmful=bool(data["counts_as_harmful"]),
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
            citations=tuple(str(c) for c in data["citations"]),
            correct_cause=str(data["correct_cause"]),
            correct_rationale=str(data["correct_rationale"]),
            correct_citations=tuple(str(c) for c in data["correct_citations"]),
        )


@dataclass(frozen=True, slots=True)
class Report:
    """The full, self-explaining result of grading one attempt.

    Scores are on a 0..100 scale and rounded to one decimal place, half away
    from zero (see ``round_half_up``); they are computed from unrounded values
    and rounded only here, so e.g. the line points need not sum exactly to
    ``workup_score``. ``efficiency`` is a 0..1 fraction rounded to three
    places, ``efficiency_percent`` the same ratio as a percentage rounded to
    one place; both are ``None`` when no step was chosen.

    ``cap_triggered`` says a harmful choice (or a premature one whose rule
    counts as harmful) was made; ``capped`` says the cap actually lowered the
    total, i.e. ``uncapped_total`` exceeded ``scoring.harmful_cap``.

    ``essential_chosen`` counts keyed-essential steps chosen at any time;
    ``essential_credited`` only those chosen in time (not premature).
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

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict that ``from_dict`` turns back into
        an equal ``Report``."""
        return {
            "engine_version": self.engine_version,
            "lines": [line.to_dict() for line in self.lines],
            "missed_essentials": [m.to_dict() for m in self.missed_essentials],
            "order_violations": [v.to_dict() for v in self.order_violations],
            "diagnosis": self.diagnosis.to_dict(),
            "workup_score": self.workup_score,
            "diagnosis_score": self.diagnosis_score,
            "total": self.total,
            "uncapped_total": self.uncapped_total,
            "capped": self.capped,
            "cap_triggered": self.cap_triggered,
            "efficiency": self.efficiency,
            "efficiency_percent": self.efficiency_percent,
            "expert_path": list(self.expert_path),
            "learner_path": list(self.learner_path),
            "scoring": self.scoring.to_dict(),
            "essential_total": self.essential_total,
            "essential_chosen": self.essential_chosen,
            "essential_credited": self.essential_credited,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Rebuild a report from ``to_dict()`` output (e.g. after JSON)."""
        return cls(
            engine_version=str(data["engine_version"]),
            lines=tuple(ChoiceLine.from_dict(x) for x in data["lines"]),
            missed_essentials=tuple(MissedEssential.from_dict(x) for x in data["missed_essentials"]),
            order_violations=tuple(OrderViolation.from_dict(x) for x in data["order_violations"]),
            diagnosis=DiagnosisResult.from_dict(data["diagnosis"]),
            workup_score=float(data["workup_score"]),
            diagnosis_score=float(data["diagnosis_score"]),
            total=float(data["total"]),
            uncapped_total=float(data["uncapped_total"]),
            capped=bool(data["capped"]),
            cap_triggered=bool(data["cap_triggered"]),
            efficiency=_optional_float(data["efficiency"]),
            efficiency_percent=_optional_float(data["efficiency_percent"]),
            expert_path=tuple(str(s) for s in data["expert_path"]),
            learner_path=tuple(str(s) for s in data["learner_path"]),
            scoring=ScoringSettings.from_dict(data["scoring"]),
            essential_total=int(data["essential_total"]),
            essential_chosen=int(data["essential_chosen"]),
            essential_credited=int(data["essential_credited"]),
        )
