"""The records of a parsed case file: typed, frozen, no Django.

``CaseSpec`` and its parts are what the reader makes of a document and what
the writer and the importer take; ``FieldProblem`` and ``CaseFileError`` are
the problems authors read. ``case_from_document`` builds the records from a
document the checks accepted; ``table_rows`` and ``series_from_json`` read a
finding's table and series in the file's form or the database's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from leucocases.cases.grading import (
    CaseKey,
    DiagnosisOption,
    GradeBands,
    KeyedStep,
    OrderRule,
    ScoringSettings,
    Tier,
)

from .json_schema import SCORING_DECIMALS

# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem with one field of a case: ``field`` is a path such as
    ``findings[2].step`` (empty for the case as a whole)."""

    field: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass(frozen=True, slots=True)
class CaseFileError:
    """A problem found in a case file.

    ``case`` is the case's slug, or ``case #n`` (its position in the file)
    when it has no usable slug, or ``None`` for a problem with the whole file.
    """

    file: str
    case: str | None
    field: str
    message: str
    code: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.case is not None:
            parts.append(self.case if self.case.startswith("case #") else f"case {self.case!r}")
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


# --------------------------------------------------------------------------
# Typed records of a parsed case
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabRow:
    name: str
    value: str
    unit: str = ""
    range: str = ""
    flag: str = ""  # "" (within range), "low" or "high"


@dataclass(frozen=True, slots=True)
class TableRow:
    label: str
    value: str
    unit: str = ""
    range: str = ""

    def to_json(self) -> dict[str, str]:
        """The form stored in ``Finding.table`` (every key present)."""
        return {"label": self.label, "value": self.value, "unit": self.unit, "range": self.range}


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    when: str
    value: int | float


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    points: tuple[SeriesPoint, ...]
    unit: str = ""
    low: int | float | None = None
    high: int | float | None = None

    def to_json(self) -> dict[str, Any]:
        """The form stored in ``Finding.series`` (every key present)."""
        return {
            "label": self.label,
            "unit": self.unit,
            "points": [{"when": p.when, "value": p.value} for p in self.points],
            "low": self.low,
            "high": self.high,
        }


@dataclass(frozen=True, slots=True)
class FindingSpec:
    """One keyed item: occurrence ``occurrence`` of catalogue entry ``step``."""

    step: str
    tier: str
    result: str
    rationale: str
    citations: tuple[str, ...]
    expert_position: int | None = None
    table: tuple[TableRow, ...] = ()
    series: Series | None = None
    occurrence: int = 1
    weight: int | float = 1
    any_of: str = ""


@dataclass(frozen=True, slots=True)
class OrderRuleSpec:
    before: str
    after: str
    rationale: str
    citations: tuple[str, ...] = ()
    counts_as_harmful: bool = True
    before_occurrence: int = 1
    after_occurrence: int = 1


@dataclass(frozen=True, slots=True)
class DiagnosisSpec:
    cause: str
    credit: int | float
    rationale: str
    citations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseSpec:
    """One case as the file describes it (defaults as in the format doc)."""

    slug: str
    title: str
    groups: tuple[str, ...]
    presentation: str
    findings: tuple[FindingSpec, ...]
    diagnosis: tuple[DiagnosisSpec, ...]
    status: str = "draft"
    difficulty: str = "intermediate"
    practice: bool = True
    labels: tuple[str, ...] = ()
    learning_objectives: str = ""
    initial_labs: tuple[LabRow, ...] = ()
    order_rules: tuple[OrderRuleSpec, ...] = ()
    scoring: ScoringSettings = field(default_factory=ScoringSettings)

    def case_key(self) -> CaseKey:
        """The grading engine's view of this case's key."""
        return engine_key(self.findings, self.order_rules, self.diagnosis, self.scoring)


@dataclass(frozen=True, slots=True)
class KnownIds:
    """The identifiers that exist: workup steps, causes, cause groups, references, case labels."""

    steps: frozenset[str]
    causes: frozenset[str]
    groups: frozenset[str]
    references: frozenset[str]
    labels: frozenset[str] = frozenset()


@dataclass(slots=True)
class ParseResult:
    cases: list[CaseSpec]
    errors: list[CaseFileError]


# --------------------------------------------------------------------------
# Records from a document, and the engine's view of them
# --------------------------------------------------------------------------


def case_from_document(document: Mapping[str, Any]) -> CaseSpec:
    """Build a ``CaseSpec`` from a document ``document_errors`` accepted."""
    scoring = document.get("scoring") or {}
    return CaseSpec(
        slug=document["slug"],
        title=document["title"],
        status=document.get("status", "draft"),
        difficulty=document.get("difficulty", "intermediate"),
        practice=document.get("practice", True),
        groups=tuple(document["groups"]),
        labels=tuple(document.get("labels", ())),
        presentation=document["presentation"],
        learning_objectives=document.get("learning_objectives", ""),
        initial_labs=tuple(
            LabRow(
                name=row["name"],
                value=row["value"],
                unit=row.get("unit", ""),
                range=row.get("range", ""),
                flag=row.get("flag", ""),
            )
            for row in document.get("initial_labs", ())
        ),
        findings=tuple(_finding(f) for f in document["findings"]),
        order_rules=tuple(
            OrderRuleSpec(
                before=r["before"],
                after=r["after"],
                rationale=r["rationale"],
                citations=tuple(r.get("citations", ())),
                counts_as_harmful=r.get("counts_as_harmful", True),
                before_occurrence=r.get("before_occurrence", 1),
                after_occurrence=r.get("after_occurrence", 1),
            )
            for r in document.get("order_rules", ())
        ),
        diagnosis=tuple(
            DiagnosisSpec(
                cause=d["cause"],
                credit=d["credit"],
                rationale=d["rationale"],
                citations=tuple(d.get("citations", ())),
            )
            for d in document["diagnosis"]
        ),
        scoring=ScoringSettings(
            **{k: v for k, v in scoring.items() if k in SCORING_DECIMALS},
            grade_bands=GradeBands.from_mapping(scoring.get("grade_bands") or {}),
        ),
    )


def _finding(f: Mapping[str, Any]) -> FindingSpec:
    series = f.get("series")
    return FindingSpec(
        step=f["step"],
        tier=f["tier"],
        expert_position=f.get("expert_position"),
        result=f["result"],
        table=tuple(table_rows(f.get("table", ()))),
        series=None if series is None else series_from_json(series),
        rationale=f["rationale"],
        citations=tuple(f["citations"]),
        occurrence=f.get("occurrence", 1),
        weight=f.get("weight", 1),
        any_of=f.get("any_of", ""),
    )


def table_rows(rows: Iterable[Mapping[str, Any]]) -> list[TableRow]:
    return [
        TableRow(label=r["label"], value=r["value"], unit=r.get("unit") or "", range=r.get("range") or "") for r in rows
    ]


def series_from_json(data: Mapping[str, Any]) -> Series | None:
    """A ``Series`` from the file's or the database's form (``{}`` -> None)."""
    if not data:
        return None
    return Series(
        label=data["label"],
        unit=data.get("unit") or "",
        low=data.get("low"),
        high=data.get("high"),
        points=tuple(SeriesPoint(when=p["when"], value=p["value"]) for p in data["points"]),
    )


def engine_key(
    findings: Sequence[FindingSpec],
    order_rules: Sequence[OrderRuleSpec],
    diagnosis: Sequence[DiagnosisSpec],
    scoring: ScoringSettings | None = None,
) -> CaseKey:
    """The grading engine's ``CaseKey`` for these parts of a case."""
    return CaseKey(
        steps=tuple(
            KeyedStep(
                slug=f.step,
                tier=Tier(f.tier),
                rationale=f.rationale,
                citations=f.citations,
                expert_position=f.expert_position,
                occurrence=f.occurrence,
                weight=f.weight,
                any_of=f.any_of,
            )
            for f in findings
        ),
        diagnosis_options=tuple(
            DiagnosisOption(cause=d.cause, credit=d.credit, rationale=d.rationale, citations=d.citations)
            for d in diagnosis
        ),
        order_rules=tuple(
            OrderRule(
                before=r.before,
                after=r.after,
                rationale=r.rationale,
                citations=r.citations,
                premature_counts_as_harmful=r.counts_as_harmful,
                before_occurrence=r.before_occurrence,
                after_occurrence=r.after_occurrence,
            )
            for r in order_rules
        ),
        scoring=scoring or ScoringSettings(),
    )
