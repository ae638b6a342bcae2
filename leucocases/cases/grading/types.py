"""Input records of the grading engine, its enums and its key problems.

Everything here is a frozen dataclass or a ``StrEnum`` so that a key and an
attempt are plain values: comparable with ``==``, hashable, and free of any
Django or database dependency. The report records live in ``report.py``.

Input records (``KeyedStep``, ``OrderRule``, ``DiagnosisOption``,
``GradeBands``, ``ScoringSettings``, ``CaseKey``, ``Attempt``) coerce
sequences to tuples, tier strings to ``Tier``, Decimals and ints to floats
and a ``{"A": 90, ...}`` mapping to ``GradeBands`` on construction, because
importers and the admin naturally hand over lists, plain strings and
Decimals, and an un-coerced list would make the record unhashable and unequal
to the same record built from a tuple. Values are not checked here:
``validate_key`` lists every problem at once, with a message for authors.

New fields of engine 2 (occurrences, weights, any-of groups, never totals,
grade bands) all come last and have defaults, so a key built for engine 1
builds unchanged and means the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

__all__ = [
    "Attempt",
    "CaseKey",
    "DiagnosisOption",
    "GradeBands",
    "InvalidKeyError",
    "KeyProblem",
    "KeyedStep",
    "OrderRule",
    "ProblemCode",
    "ScoringSettings",
    "Tier",
]


class Tier(StrEnum):
    """How the case key rates one occurrence of a catalogue entry."""

    ESSENTIAL = "essential"
    USEFUL = "useful"
    LOW_YIELD = "low_yield"
    HARMFUL = "harmful"
    #: No competent clinician makes this choice here: the total becomes
    #: ``ScoringSettings.never_total``.
    NEVER = "never"


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
    # Engine 2.
    INVALID_OCCURRENCE = "invalid_occurrence"
    OCCURRENCE_GAP = "occurrence_gap"
    INVALID_WEIGHT = "invalid_weight"
    WEIGHT_NOT_ESSENTIAL = "weight_not_essential"
    ANY_OF_NOT_ESSENTIAL = "any_of_not_essential"
    ANY_OF_SINGLE_MEMBER = "any_of_single_member"
    #: Same string as the case-file checker's own code for this mistake.
    EXPERT_POSITION_TIER = "expert_position_tier"
    EXPERT_PATH_SKIPS_OCCURRENCE = "expert_path_skips_occurrence"
    INVALID_GRADE_BANDS = "invalid_grade_bands"


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
# The key
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyedStep:
    """One key item: occurrence ``occurrence`` of catalogue entry ``slug``.

    The n-th time a learner orders an entry is its occurrence n; keying
    occurrence n needs occurrences 1..n-1 keyed too. ``weight`` (> 0) sets
    an essential's share of the essential credit; ``any_of`` names an "any
    one of" group of essentials that earns one share (the largest member
    weight) once. Both stay at their defaults on other tiers.
    """

    slug: str
    tier: Tier
    rationale: str = ""
    citations: tuple[str, ...] = ()
    expert_position: int | None = None
    occurrence: int = 1
    weight: float = 1.0
    any_of: str = ""
    #: ``(slug, occurrence)``: what order rules and attempts refer to; a
    #: field rather than a property because grading looks it up often.
    item: tuple[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tier", Tier(self.tier))
        object.__setattr__(self, "citations", _str_tuple(self.citations))
        object.__setattr__(self, "weight", _as_float(self.weight))
        object.__setattr__(self, "item", (self.slug, self.occurrence))


@dataclass(frozen=True, slots=True)
class OrderRule:
    """Occurrence ``before_occurrence`` of ``before`` must be chosen earlier
    than occurrence ``after_occurrence`` of ``after``.

    Choosing that occurrence of ``after`` while that occurrence of
    ``before`` has not been chosen yet (including never) makes it
    premature. Also used in reports to list the rules a premature choice
    broke.
    """

    before: str
    after: str
    rationale: str = ""
    citations: tuple[str, ...] = ()
    premature_counts_as_harmful: bool = True
    before_occurrence: int = 1
    after_occurrence: int = 1
    #: ``(slug, occurrence)`` of each end, kept like ``KeyedStep.item``.
    before_item: tuple[str, int] = field(init=False, repr=False, compare=False)
    after_item: tuple[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "citations", _str_tuple(self.citations))
        object.__setattr__(self, "before_item", (self.before, self.before_occurrence))
        object.__setattr__(self, "after_item", (self.after, self.after_occurrence))

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "rationale": self.rationale,
            "citations": list(self.citations),
            "premature_counts_as_harmful": self.premature_counts_as_harmful,
            "before_occurrence": self.before_occurrence,
            "after_occurrence": self.after_occurrence,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OrderRule:
        """Read ``to_dict()`` output; engine 1 stored no occurrences (1)."""
        return cls(
            before=str(data["before"]),
            after=str(data["after"]),
            rationale=str(data["rationale"]),
            citations=tuple(str(c) for c in data["citations"]),
            premature_counts_as_harmful=bool(data["premature_counts_as_harmful"]),
            before_occurrence=int(data.get("before_occurrence", 1)),
            after_occurrence=int(data.get("after_occurrence", 1)),
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
class GradeBands:
    """The lowest total that earns each letter; a total below ``e`` is F.

    Thresholds must fall strictly from A to E and lie in 0..100
    (``validate_key`` checks). Stored and read as ``{"A": 90, ..., "E": 50}``.
    """

    LETTERS: ClassVar[tuple[str, ...]] = ("A", "B", "C", "D", "E")
    FAIL: ClassVar[str] = "F"

    a: float = 90.0
    b: float = 80.0
    c: float = 70.0
    d: float = 60.0
    e: float = 50.0

    def __post_init__(self) -> None:
        for name in ("a", "b", "c", "d", "e"):
            object.__setattr__(self, name, _as_float(getattr(self, name)))

    def thresholds(self) -> tuple[tuple[str, float], ...]:
        """``(("A", 90.0), ..., ("E", 50.0))``, best letter first."""
        return tuple(zip(self.LETTERS, (self.a, self.b, self.c, self.d, self.e), strict=True))

    def letter_for(self, total: float) -> str:
        """The first letter whose threshold is at most ``total``, else F."""
        return next((letter for letter, low in self.thresholds() if low <= total), self.FAIL)

    def to_dict(self) -> dict[str, float]:
        return dict(self.thresholds())

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> GradeBands:
        """Build from ``{"A": 90, ...}``; a letter left out keeps its default."""
        unknown = sorted(str(k) for k in data if k not in cls.LETTERS)
        if unknown:
            raise ValueError(f"unknown grade band(s): {', '.join(unknown)}; the bands are A, B, C, D, E")
        return cls(**{letter.lower(): data[letter] for letter in cls.LETTERS if letter in data})


@dataclass(frozen=True, slots=True)
class ScoringSettings:
    """Per-case scoring knobs; the defaults are the design doc's."""

    NUMBERS: ClassVar[tuple[str, ...]] = (
        "essential_total_points",
        "low_yield_penalty",
        "harmful_penalty",
        "workup_weight",
        "diagnosis_weight",
        "harmful_cap",
        "never_total",
    )

    essential_total_points: float = 100.0
    low_yield_penalty: float = 5.0
    harmful_penalty: float = 25.0
    workup_weight: float = 0.6
    diagnosis_weight: float = 0.4
    harmful_cap: float = 40.0
    never_total: float = 0.0
    grade_bands: GradeBands = field(default_factory=GradeBands)

    def __post_init__(self) -> None:
        for name in self.NUMBERS:
            object.__setattr__(self, name, _as_float(getattr(self, name)))
        if isinstance(self.grade_bands, Mapping):
            object.__setattr__(self, "grade_bands", GradeBands.from_mapping(self.grade_bands))

    def numbers(self) -> dict[str, float]:
        """The numeric settings by name (everything but the grade bands)."""
        return {name: getattr(self, name) for name in self.NUMBERS}

    def to_dict(self) -> dict[str, Any]:
        return {**self.numbers(), "grade_bands": self.grade_bands.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringSettings:
        """Read ``to_dict()`` output; engine 1 stored neither ``never_total``
        nor ``grade_bands``, which then take their defaults."""
        bands = data.get("grade_bands")
        return cls(
            essential_total_points=float(data["essential_total_points"]),
            low_yield_penalty=float(data["low_yield_penalty"]),
            harmful_penalty=float(data["harmful_penalty"]),
            workup_weight=float(data["workup_weight"]),
            diagnosis_weight=float(data["diagnosis_weight"]),
            harmful_cap=float(data["harmful_cap"]),
            never_total=float(data.get("never_total", 0.0)),
            grade_bands=GradeBands() if bands is None else GradeBands.from_mapping(bands),
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
    """What the learner submitted: entries in the order chosen, and a cause.

    An entry may appear more than once; its n-th appearance is occurrence n
    (see ``number_occurrences``).
    """

    steps: tuple[str, ...]
    diagnosis: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", _str_tuple(self.steps))


# --------------------------------------------------------------------------
# Key problems
# --------------------------------------------------------------------------


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
