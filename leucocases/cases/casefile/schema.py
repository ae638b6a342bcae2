"""The case-file format (docs/case-format.md) as code: parse, check, emit.

Pure: no Django import and no database. ``parse_text`` turns the text of one
file into typed ``CaseSpec`` records plus a list of ``CaseFileError``; the
importer passes in the identifiers that exist (``KnownIds``) so unknown
steps, causes, groups and references are reported here too, with the same
file / case / field naming as every other error. ``case_document`` and
``dump_documents`` go the other way, in one canonical layout, so that
export -> import -> export is byte-identical.

Structure and types are checked with JSON Schema (``CASE_SCHEMA``); the rules
about the key (an essential step, one full-credit cause, no cycles, an expert
path that obeys the rules, sane scoring) belong to the grading engine's
``validate_key``, which this module runs and whose problems it reports under
the field they concern. The few checks done here before the engine's are the
ones that need an exact field path (``findings[2].step``) the engine's
messages cannot give.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from leucocases.cases.casefile.yamllimits import MAX_CHARACTERS, LimitedLoader, YamlLimitError
from leucocases.cases.grading import (
    CaseKey,
    DiagnosisOption,
    KeyedStep,
    OrderRule,
    ProblemCode,
    ScoringSettings,
    Tier,
    validate_key,
)

__all__ = [
    "CASE_SCHEMA",
    "DIFFICULTIES",
    "REVIEW_STATUSES",
    "CaseFileError",
    "CaseSpec",
    "DiagnosisSpec",
    "FieldProblem",
    "FindingSpec",
    "KnownIds",
    "LabRow",
    "OrderRuleSpec",
    "ParseResult",
    "Series",
    "SeriesPoint",
    "TableRow",
    "case_document",
    "case_from_document",
    "check_key",
    "check_references",
    "document_errors",
    "dump_documents",
    "load_text",
    "parse_text",
    "plain_number",
    "scoring_problems",
    "series_problems",
    "table_problems",
]

# "never" (engine 2) arrives with case-file schema 2 and the models that store it.
TIERS: tuple[str, ...] = tuple(t.value for t in Tier if t is not Tier.NEVER)
REVIEW_STATUSES: tuple[str, ...] = ("draft", "submitted", "under_review", "approved")
#: Names in files -> Case.Difficulty values.
DIFFICULTIES: dict[str, int] = {"introductory": 1, "intermediate": 2, "advanced": 3}
LAB_FLAGS: tuple[str, ...] = ("low", "high")

# Lengths and number sizes of the model fields the values are stored in, so a
# file the schema accepts always fits the database (a test compares them with
# the models).
MAX_LENGTHS: dict[str, int] = {
    "case.slug": 120,
    "case.title": 200,
    "lab.name": 120,
    "lab.value": 40,
    "lab.unit": 40,
    "lab.range": 60,
}
#: Scoring field -> (decimal places, largest value) of its DecimalField.
SCORING_DECIMALS: dict[str, tuple[int, Decimal]] = {
    "essential_total_points": (2, Decimal("9999.99")),
    "low_yield_penalty": (2, Decimal("9999.99")),
    "harmful_penalty": (2, Decimal("9999.99")),
    "workup_weight": (3, Decimal("9.999")),
    "diagnosis_weight": (3, Decimal("9.999")),
    "harmful_cap": (2, Decimal("9999.99")),
}
CREDIT_DECIMAL_PLACES = 3
MAX_EXPERT_POSITION = 32767  # PositiveSmallIntegerField

# --------------------------------------------------------------------------
# JSON Schema: structure and types
# --------------------------------------------------------------------------

_TEXT = {"type": "string", "minLength": 1}
_OPTIONAL_TEXT = {"type": "string"}
_SLUG = {"type": "string", "minLength": 1}


def _short(max_length: int, *, required: bool = True) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, **({"minLength": 1} if required else {})}


def _citations(min_items: int) -> dict[str, Any]:
    return {"type": "array", "items": _SLUG, "minItems": min_items, "uniqueItems": True}


# Findings' tables and series are stored as JSON, which has no column sizes: these
# bounds keep what a page draws sane. A measured value beyond ±10¹² (a count per
# litre is about 10¹⁰) is a typo, and 1.7e308 made the chart drawing fail.
MAX_ROWS = 100
MAX_SERIES_VALUE = 10**12
_MEASURED = {"type": "number", "minimum": -MAX_SERIES_VALUE, "maximum": MAX_SERIES_VALUE}
_TABLE_ROW = {
    "type": "object",
    "additionalProperties": False,
    "required": ["label", "value"],
    "properties": {
        "label": _short(120),
        "value": _short(200),
        "unit": _short(40, required=False),
        "range": _short(60, required=False),
    },
}
TABLE_SCHEMA: dict[str, Any] = {"type": "array", "items": _TABLE_ROW, "maxItems": MAX_ROWS}
SERIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["label", "points"],
    "properties": {
        "label": _short(120),
        "unit": _short(40, required=False),
        "low": _MEASURED,
        "high": _MEASURED,
        "points": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_ROWS,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["when", "value"],
                "properties": {"when": _short(60), "value": _MEASURED},
            },
        },
    },
}

CASE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "LeucoCases case file (one case)",
    "type": "object",
    "additionalProperties": False,
    "required": ["slug", "title", "groups", "presentation", "findings", "diagnosis"],
    "properties": {
        "slug": {**_short(MAX_LENGTHS["case.slug"]), "pattern": r"^[-a-zA-Z0-9_]+$"},
        "title": _short(MAX_LENGTHS["case.title"]),
        "status": {"enum": list(REVIEW_STATUSES)},
        "difficulty": {"enum": list(DIFFICULTIES)},
        "practice": {"type": "boolean"},
        "groups": {"type": "array", "items": _SLUG, "minItems": 1, "uniqueItems": True},
        "labels": {"type": "array", "items": _SLUG, "uniqueItems": True},
        "presentation": _TEXT,
        "learning_objectives": _OPTIONAL_TEXT,
        "initial_labs": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "value"],
                "properties": {
                    "name": _short(MAX_LENGTHS["lab.name"]),
                    "value": _short(MAX_LENGTHS["lab.value"]),
                    "unit": _short(MAX_LENGTHS["lab.unit"], required=False),
                    "range": _short(MAX_LENGTHS["lab.range"], required=False),
                    "flag": {"enum": list(LAB_FLAGS)},
                },
            },
        },
        "findings": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["step", "tier", "result", "rationale", "citations"],
                "properties": {
                    "step": _SLUG,
                    "tier": {"enum": list(TIERS)},
                    "expert_position": {"type": "integer", "minimum": 1, "maximum": MAX_EXPERT_POSITION},
                    "result": _TEXT,
                    "table": TABLE_SCHEMA,
                    "series": SERIES_SCHEMA,
                    "rationale": _TEXT,
                    "citations": _citations(1),
                },
            },
        },
        "order_rules": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["before", "after", "rationale"],
                "properties": {
                    "before": _SLUG,
                    "after": _SLUG,
                    "rationale": _TEXT,
                    "citations": _citations(0),
                    "counts_as_harmful": {"type": "boolean"},
                },
            },
        },
        "diagnosis": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["cause", "credit", "rationale"],
                "properties": {
                    "cause": _SLUG,
                    "credit": {"type": "number", "minimum": 0, "maximum": 1},
                    "rationale": _TEXT,
                    "citations": _citations(0),
                },
            },
        },
        "scoring": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "essential_total_points": {"type": "number", "minimum": 0},
                "low_yield_penalty": {"type": "number", "minimum": 0},
                "harmful_penalty": {"type": "number", "minimum": 0},
                "workup_weight": {"type": "number", "minimum": 0, "maximum": 1},
                "diagnosis_weight": {"type": "number", "minimum": 0, "maximum": 1},
                "harmful_cap": {"type": "number", "minimum": 0},
            },
        },
    },
}

Draft202012Validator.check_schema(CASE_SCHEMA)
_CASE_VALIDATOR = Draft202012Validator(CASE_SCHEMA)
_TABLE_VALIDATOR = Draft202012Validator(TABLE_SCHEMA)
_SERIES_VALIDATOR = Draft202012Validator(SERIES_SCHEMA)

# --------------------------------------------------------------------------
# Errors
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


def _path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _join(base: str, name: str | int) -> str:
    return _path([*(_split(base)), name])


def _split(path: str) -> list[str | int]:
    # Only ever applied to paths built by _path, so the grammar is simple.
    parts: list[str | int] = []
    for chunk in path.replace("]", "").split("."):
        if not chunk:
            continue
        name, *indexes = chunk.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indexes)
    return parts


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
    step: str
    tier: str
    result: str
    rationale: str
    citations: tuple[str, ...]
    expert_position: int | None = None
    table: tuple[TableRow, ...] = ()
    series: Series | None = None


@dataclass(frozen=True, slots=True)
class OrderRuleSpec:
    before: str
    after: str
    rationale: str
    citations: tuple[str, ...] = ()
    counts_as_harmful: bool = True


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
        return _case_key(self.findings, self.order_rules, self.diagnosis, self.scoring)


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
# Reading YAML / JSON
# --------------------------------------------------------------------------


class _StrictLoader(LimitedLoader):
    """SafeLoader, within limits (yamllimits.py), that refuses a key given twice in one mapping.

    Plain YAML keeps the last value silently, so a second ``findings:`` would
    drop the first list of findings without a word.
    """


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, str) and key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"the key {key!r} is given twice",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _DuplicateJsonKey(ValueError):
    pass


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateJsonKey(f"the key {key!r} is given twice")
        out[key] = value
    return out


def load_text(text: str, *, file: str) -> tuple[Any, list[CaseFileError]]:
    """Parse YAML (or, for a ``.json`` file, JSON); errors carry line and column."""
    if len(text) > MAX_CHARACTERS:
        message = f"is {len(text):,} characters long; a case file may have at most {MAX_CHARACTERS:,}"
        return None, [CaseFileError(file, None, "", message, "too_large")]
    if file.lower().endswith(".json"):
        try:
            return json.loads(text, object_pairs_hook=_json_object), []
        except json.JSONDecodeError as exc:
            message = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            return None, [CaseFileError(file, None, "", message, "syntax")]
        except _DuplicateJsonKey as exc:
            return None, [CaseFileError(file, None, "", f"invalid JSON: {exc}", "syntax")]
        except (RecursionError, ValueError):  # nesting too deep, a number too long
            return None, [CaseFileError(file, None, "", "invalid JSON: nested too deep or a number too long", "syntax")]
    try:
        return yaml.load(text, Loader=_StrictLoader), []  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = " ".join(p for p in (exc.context, exc.problem) if p) or "unreadable"
        code = "too_large" if isinstance(exc, YamlLimitError) else "syntax"
        return None, [CaseFileError(file, None, "", f"invalid YAML{where}: {what}", code)]
    except yaml.YAMLError as exc:
        return None, [CaseFileError(file, None, "", f"invalid YAML: {exc}", "syntax")]


def parse_text(text: str, *, file: str, known: KnownIds | None = None) -> ParseResult:
    """Parse and check the text of one case file.

    ``known`` (from the database) enables the checks that steps, causes,
    groups and references exist; without it only the file itself is checked.
    """
    data, errors = load_text(text, file=file)
    if errors:
        return ParseResult([], errors)
    if data is None:
        message = "the file is empty; expected a case (a mapping) or a list of cases"
        return ParseResult([], [CaseFileError(file, None, "", message, "empty")])
    if isinstance(data, Mapping):
        documents: list[Any] = [data]
    elif isinstance(data, list):
        documents = data
    else:
        message = f"expected a case (a mapping) or a list of cases, found {_type_name(data)}"
        return ParseResult([], [CaseFileError(file, None, "", message, "type")])

    result = ParseResult([], [])
    for number, document in enumerate(documents, start=1):
        label = _case_label(document, number)
        problems = document_errors(document, known=known)
        result.errors.extend(CaseFileError(file, label, p.field, p.message, p.code) for p in problems)
        if not problems:
            result.cases.append(case_from_document(document))
    return result


def _case_label(document: Any, number: int) -> str:
    if isinstance(document, Mapping):
        slug = document.get("slug")
        if isinstance(slug, str) and slug.strip():
            return slug
    return f"case #{number}"


# --------------------------------------------------------------------------
# Checking one case document
# --------------------------------------------------------------------------


def document_errors(document: Any, *, known: KnownIds | None = None) -> list[FieldProblem]:
    """Everything wrong with one case document, structure first.

    When the structure is wrong the later checks are skipped: they would
    only guess at what a malformed case meant.
    """
    if not isinstance(document, Mapping):
        return [FieldProblem("", f"a case must be a mapping of fields, found {_type_name(document)}", "type")]
    problems = _schema_problems(_CASE_VALIDATOR, document)
    problems.extend(_number_problems(document))
    if problems:
        return problems
    spec = case_from_document(document)
    if known is not None:
        problems.extend(check_references(spec, known))
    problems.extend(check_key(findings=spec.findings, order_rules=spec.order_rules, diagnosis=spec.diagnosis))
    problems.extend(scoring_problems(spec.scoring))
    return problems


def table_problems(value: Any) -> list[FieldProblem]:
    """Problems with a finding's ``table`` (for the admin's JSON field)."""
    return _schema_problems(_TABLE_VALIDATOR, value)


def series_problems(value: Any) -> list[FieldProblem]:
    """Problems with a finding's ``series`` (for the admin's JSON field)."""
    problems = _schema_problems(_SERIES_VALIDATOR, value)
    if isinstance(value, Mapping):
        problems.extend(_number_problems({"series": value}))
    return problems


def _schema_problems(validator: Draft202012Validator, instance: Any) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    errors = sorted(validator.iter_errors(instance), key=_document_order)
    for error in errors:
        problems.extend(_describe(error))
    return problems


def _document_order(error: SchemaError) -> tuple[list[tuple[int, int | str]], str]:
    # Indexes compare as numbers (findings[10] after findings[2]).
    where = [(0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path]
    return where, str(error.validator)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a true/false value ({'true' if value else 'false'})"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, (date, datetime)):
        return f"a date ({value.isoformat()}); put it in quotes to keep it as text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of fields",
}


def _describe(error: SchemaError) -> Iterator[FieldProblem]:
    where = _path(error.absolute_path)
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        for name in sorted(k for k in value if k not in allowed):
            hint = difflib.get_close_matches(str(name), allowed, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            known = ", ".join(allowed)
            yield FieldProblem(_join(where, str(name)), f"unknown field{suggestion}; known fields: {known}", "unknown")
    elif kind == "required":
        for name in error.validator_value:
            if name not in value:
                yield FieldProblem(_join(where, name), "required field is missing", "required")
    elif kind == "type":
        wanted = _TYPE_WORDS.get(str(error.validator_value), str(error.validator_value))
        yield FieldProblem(where, f"must be {wanted}, found {_type_name(value)}", "type")
    elif kind == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        yield FieldProblem(where, f"{value!r} is not one of: {choices}", "choice")
    elif kind == "minItems":
        yield FieldProblem(where, f"needs at least {error.validator_value} item(s)", "too_few")
    elif kind == "maxItems":
        yield FieldProblem(where, f"has {len(value)} items; at most {error.validator_value}", "too_many")
    elif kind == "minLength":
        yield FieldProblem(where, "must not be empty", "blank")
    elif kind == "maxLength":
        yield FieldProblem(where, f"is {len(value)} characters long; at most {error.validator_value}", "too_long")
    elif kind == "pattern":
        yield FieldProblem(where, f"{value!r} is not a slug (letters, digits, hyphens and underscores)", "slug")
    elif kind == "uniqueItems":
        repeated = sorted({str(v) for v in value if value.count(v) > 1})
        yield FieldProblem(where, f"lists {', '.join(repr(r) for r in repeated)} more than once", "duplicate")
    elif kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        yield FieldProblem(where, f"is {value!r}; it must be {bound} {error.validator_value}", "range")
    else:  # pragma: no cover - every keyword the schema uses is handled above
        yield FieldProblem(where, error.message, kind)


def _decimal_places(value: int | float) -> int:
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _number_problems(document: Mapping[str, Any]) -> list[FieldProblem]:
    """What JSON Schema cannot say: finite numbers that fit their columns."""
    problems: list[FieldProblem] = []

    def finite(where: str, value: Any) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(FieldProblem(where, f"is {value!r}; it must be a finite number", "range"))
            return False
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    diagnosis = document.get("diagnosis")
    if isinstance(diagnosis, list):
        for i, option in enumerate(diagnosis):
            credit = option.get("credit") if isinstance(option, Mapping) else None
            where = f"diagnosis[{i}].credit"
            if finite(where, credit) and _decimal_places(credit) > CREDIT_DECIMAL_PLACES:
                problems.append(
                    FieldProblem(where, f"is {credit!r}; use at most {CREDIT_DECIMAL_PLACES} decimal places", "range")
                )
    scoring = document.get("scoring")
    if isinstance(scoring, Mapping):
        for name, (places, largest) in SCORING_DECIMALS.items():
            value = scoring.get(name)
            where = f"scoring.{name}"
            if not finite(where, value):
                continue
            if _decimal_places(value) > places:
                problems.append(FieldProblem(where, f"is {value!r}; use at most {places} decimal places", "range"))
            elif Decimal(repr(value)) > largest:
                problems.append(FieldProblem(where, f"is {value!r}; it must be at most {largest}", "range"))
    series_list = []
    if isinstance(document.get("series"), Mapping):
        series_list.append(("series", document["series"]))
    findings = document.get("findings")
    if isinstance(findings, list):
        for i, finding in enumerate(findings):
            if isinstance(finding, Mapping) and isinstance(finding.get("series"), Mapping):
                series_list.append((f"findings[{i}].series", finding["series"]))
    for where, series in series_list:
        for bound in ("low", "high"):
            if bound in series:
                finite(f"{where}.{bound}", series[bound])
        points = series.get("points")
        if isinstance(points, list):
            for j, point in enumerate(points):
                if isinstance(point, Mapping) and "value" in point:
                    finite(f"{where}.points[{j}].value", point["value"])
    return problems


def check_references(spec: CaseSpec, known: KnownIds) -> list[FieldProblem]:
    """Every group, label, step, cause and citation the case names must exist."""
    problems: list[FieldProblem] = []

    def need(where: str, value: str, pool: frozenset[str], what: str) -> None:
        if value not in pool:
            hint = difflib.get_close_matches(value, sorted(pool), n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            code = "unknown_" + what.replace(" ", "_")
            problems.append(FieldProblem(where, f"unknown {what} {value!r}{suggestion}", code))

    def cite(where: str, citations: Iterable[str]) -> None:
        for j, key in enumerate(citations):
            need(f"{where}.citations[{j}]", key, known.references, "reference")

    for i, group in enumerate(spec.groups):
        need(f"groups[{i}]", group, known.groups, "cause group")
    for i, label in enumerate(spec.labels):
        need(f"labels[{i}]", label, known.labels, "case label")
    for i, finding in enumerate(spec.findings):
        need(f"findings[{i}].step", finding.step, known.steps, "workup step")
        cite(f"findings[{i}]", finding.citations)
    for i, rule in enumerate(spec.order_rules):
        for end in ("before", "after"):
            need(f"order_rules[{i}].{end}", getattr(rule, end), known.steps, "workup step")
        cite(f"order_rules[{i}]", rule.citations)
    for i, option in enumerate(spec.diagnosis):
        need(f"diagnosis[{i}].cause", option.cause, known.causes, "cause")
        cite(f"diagnosis[{i}]", option.citations)
    return problems


# The engine's problems that check_key locates field by field itself.
_LOCATED_HERE = {
    ProblemCode.EMPTY_SLUG,
    ProblemCode.DUPLICATE_STEP,
    ProblemCode.DUPLICATE_DIAGNOSIS,
    ProblemCode.CREDIT_OUT_OF_RANGE,
    ProblemCode.RULE_UNKEYED_STEP,
    ProblemCode.DUPLICATE_ORDER_RULE,
    ProblemCode.EXPERT_POSITION_TIER,
}
# Where the engine's whole-key problems are reported.
_PROBLEM_FIELD = {
    ProblemCode.NO_ESSENTIAL_STEP: "findings",
    ProblemCode.NO_FULL_CREDIT_DIAGNOSIS: "diagnosis",
    ProblemCode.MULTIPLE_FULL_CREDIT_DIAGNOSES: "diagnosis",
    ProblemCode.ORDER_RULE_CYCLE: "order_rules",
    ProblemCode.EXPERT_PATH_BREAKS_RULE: "findings",
    ProblemCode.INVALID_SETTING: "scoring",
}


def _case_key(
    findings: Sequence[FindingSpec],
    order_rules: Sequence[OrderRuleSpec],
    diagnosis: Sequence[DiagnosisSpec],
    scoring: ScoringSettings | None = None,
) -> CaseKey:
    return CaseKey(
        steps=tuple(
            KeyedStep(
                slug=f.step,
                tier=Tier(f.tier),
                rationale=f.rationale,
                citations=f.citations,
                expert_position=f.expert_position,
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
            )
            for r in order_rules
        ),
        scoring=scoring or ScoringSettings(),
    )


def check_key(
    *,
    findings: Sequence[FindingSpec],
    order_rules: Sequence[OrderRuleSpec],
    diagnosis: Sequence[DiagnosisSpec],
) -> list[FieldProblem]:
    """The key's rules, each problem under the field it concerns.

    Used by the importer and by the admin (which maps ``findings[i]`` back to
    the i-th finding form). Scoring settings are checked apart, by
    ``scoring_problems``, because the admin edits them on a different form.
    """
    problems: list[FieldProblem] = []
    first_at: dict[str, int] = {}
    for i, finding in enumerate(findings):
        if finding.step in first_at:
            message = f"step {finding.step!r} is keyed more than once (also findings[{first_at[finding.step]}])"
            problems.append(FieldProblem(f"findings[{i}].step", message, ProblemCode.DUPLICATE_STEP.value))
        else:
            first_at[finding.step] = i
        if finding.expert_position is not None and finding.tier not in (Tier.ESSENTIAL, Tier.USEFUL):
            problems.append(
                FieldProblem(
                    f"findings[{i}].expert_position",
                    f"only essential and useful steps have a place in the expert path, not {finding.tier} ones",
                    "expert_position_tier",
                )
            )

    rule_at: dict[tuple[str, str], int] = {}
    for i, rule in enumerate(order_rules):
        if rule.before == rule.after:
            problems.append(
                FieldProblem(f"order_rules[{i}].after", "an order rule joins two different steps", "rule_same_step")
            )
            continue
        unkeyed = False
        for end in ("before", "after"):
            slug = getattr(rule, end)
            if slug not in first_at:
                unkeyed = True
                problems.append(
                    FieldProblem(
                        f"order_rules[{i}].{end}",
                        f"step {slug!r} is not keyed in this case; order rules join keyed steps (add a finding)",
                        ProblemCode.RULE_UNKEYED_STEP.value,
                    )
                )
        pair = (rule.before, rule.after)
        if not unkeyed and pair in rule_at:
            message = f"repeats order_rules[{rule_at[pair]}] ({rule.before!r} before {rule.after!r})"
            problems.append(FieldProblem(f"order_rules[{i}]", message, ProblemCode.DUPLICATE_ORDER_RULE.value))
        rule_at.setdefault(pair, i)

    cause_at: dict[str, int] = {}
    for i, option in enumerate(diagnosis):
        if option.cause in cause_at:
            message = f"cause {option.cause!r} is listed more than once (also diagnosis[{cause_at[option.cause]}])"
            problems.append(FieldProblem(f"diagnosis[{i}].cause", message, ProblemCode.DUPLICATE_DIAGNOSIS.value))
        else:
            cause_at[option.cause] = i
        credit = option.credit
        if isinstance(credit, bool) or not isinstance(credit, (int, float)) or not 0 <= credit <= 1:
            message = f"is {credit!r}; credit is a number from 0 to 1"
            problems.append(FieldProblem(f"diagnosis[{i}].credit", message, ProblemCode.CREDIT_OUT_OF_RANGE.value))

    # The engine is the authority on the key; the checks above only put
    # names on its findings. A problem of a kind located above but not found
    # there is still reported, at the section level.
    located = {p.code for p in problems}
    # Self-loops were reported above; keep them out of the engine's cycle check.
    sound_rules = [r for r in order_rules if r.before != r.after]
    for problem in validate_key(_case_key(findings, sound_rules, diagnosis)):
        if problem.code in _LOCATED_HERE and problem.code.value in located:
            continue
        where = _PROBLEM_FIELD.get(problem.code, "")
        problems.append(FieldProblem(where, problem.message, problem.code.value))
    return problems


def scoring_problems(scoring: ScoringSettings) -> list[FieldProblem]:
    """The engine's rules for scoring settings (weights sum to 1, cap <= 100, ...).

    Run through ``validate_key`` with a minimal sound key, so the rules stay
    the engine's alone.
    """
    probe = CaseKey(
        steps=(KeyedStep(slug="probe", tier=Tier.ESSENTIAL),),
        diagnosis_options=(DiagnosisOption(cause="probe", credit=1),),
        scoring=scoring,
    )
    return [
        FieldProblem(_scoring_field(p.message), p.message, p.code.value)
        for p in validate_key(probe)
        if p.code is ProblemCode.INVALID_SETTING
    ]


def _scoring_field(message: str) -> str:
    if " + " in message:  # the weights' sum concerns both of them
        return "scoring"
    for name in SCORING_DECIMALS:
        if message.startswith(f"{name} "):
            return f"scoring.{name}"
    return "scoring"


# --------------------------------------------------------------------------
# Document <-> records
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
        scoring=ScoringSettings(**{k: v for k, v in scoring.items() if k in SCORING_DECIMALS}),
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


def plain_number(value: int | float | Decimal) -> int | float:
    """Whole numbers as ints (``1``, not ``1.0``), others as the shortest float."""
    if isinstance(value, Decimal):
        value = value.normalize()
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def case_document(spec: CaseSpec) -> dict[str, Any]:
    """The canonical document for a case: fixed key order; optional fields
    left out when empty or default (scoring lists only non-default values)."""
    doc: dict[str, Any] = {
        "slug": spec.slug,
        "title": spec.title,
        "status": spec.status,
        "difficulty": spec.difficulty,
        "practice": spec.practice,
        "groups": _Flow(spec.groups),
    }
    if spec.labels:
        doc["labels"] = _Flow(spec.labels)
    doc["presentation"] = spec.presentation
    if spec.learning_objectives:
        doc["learning_objectives"] = spec.learning_objectives
    if spec.initial_labs:
        doc["initial_labs"] = [
            _FlowMap(_drop_empty({"name": r.name, "value": r.value, "unit": r.unit, "range": r.range, "flag": r.flag}))
            for r in spec.initial_labs
        ]
    doc["findings"] = [_finding_document(f) for f in spec.findings]
    if spec.order_rules:
        doc["order_rules"] = [_rule_document(r) for r in spec.order_rules]
    doc["diagnosis"] = [
        {
            "cause": d.cause,
            "credit": plain_number(d.credit),
            "rationale": d.rationale,
            **({"citations": _Flow(d.citations)} if d.citations else {}),
        }
        for d in spec.diagnosis
    ]
    defaults = ScoringSettings().to_dict()
    scoring = {k: plain_number(v) for k, v in spec.scoring.to_dict().items() if v != defaults[k]}
    if scoring:
        doc["scoring"] = scoring
    return doc


def _drop_empty(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v not in ("", None)}


def _finding_document(f: FindingSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"step": f.step, "tier": f.tier}
    if f.expert_position is not None:
        doc["expert_position"] = f.expert_position
    doc["result"] = f.result
    if f.table:
        doc["table"] = [
            _FlowMap(_drop_empty({"label": r.label, "value": r.value, "unit": r.unit, "range": r.range}))
            for r in f.table
        ]
    if f.series is not None:
        series: dict[str, Any] = {"label": f.series.label}
        if f.series.unit:
            series["unit"] = f.series.unit
        if f.series.low is not None:
            series["low"] = f.series.low
        if f.series.high is not None:
            series["high"] = f.series.high
        series["points"] = [_FlowMap({"when": p.when, "value": p.value}) for p in f.series.points]
        doc["series"] = series
    doc["rationale"] = f.rationale
    doc["citations"] = _Flow(f.citations)
    return doc


def _rule_document(r: OrderRuleSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"before": r.before, "after": r.after, "rationale": r.rationale}
    if r.citations:
        doc["citations"] = _Flow(r.citations)
    if not r.counts_as_harmful:
        doc["counts_as_harmful"] = False
    return doc


# --------------------------------------------------------------------------
# Writing YAML
# --------------------------------------------------------------------------


class _Flow(list):
    """A short list of identifiers, written on one line: ``[a, b]``."""


class _FlowMap(dict):
    """A small row, written on one line: ``{name: ..., value: ...}``."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper writing the layout of docs/case-format.md: lists indented
    under their key, multi-line text as literal blocks, rows on one line."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted style by itself when a literal block
    # cannot hold the text exactly (e.g. trailing spaces on a line).
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_flow_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_flow_map(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow_list)
_Dumper.add_representer(_FlowMap, _represent_flow_map)


def dump_documents(documents: Sequence[dict[str, Any]]) -> str:
    """YAML for one case (a mapping) or several (a list of mappings)."""
    data: Any = documents[0] if len(documents) == 1 else list(documents)
    return yaml.dump(  # noqa: S506 - a SafeDumper subclass: plain types only
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=4096,
    )
