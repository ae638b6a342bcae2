"""Structure checks: JSON Schema's errors in the words authors read, and the
limits on numbers JSON Schema cannot state (finite, fitting their columns).

Every problem names the field it concerns by its path (``findings[2].step``).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from .json_schema import (
    BAND_DECIMALS,
    CREDIT_DECIMAL_PLACES,
    SCORING_DECIMALS,
    SERIES_VALIDATOR,
    TABLE_VALIDATOR,
    WEIGHT_DECIMALS,
)
from .records import FieldProblem

__all__ = ["number_problems", "schema_problems", "series_problems", "table_problems", "type_name"]


def table_problems(value: Any) -> list[FieldProblem]:
    """Problems with a finding's ``table`` (for the admin's JSON field)."""
    return schema_problems(TABLE_VALIDATOR, value)


def series_problems(value: Any) -> list[FieldProblem]:
    """Problems with a finding's ``series`` (for the admin's JSON field)."""
    problems = schema_problems(SERIES_VALIDATOR, value)
    if isinstance(value, Mapping):
        problems.extend(number_problems({"series": value}))
    return problems


def schema_problems(validator: Draft202012Validator, instance: Any) -> list[FieldProblem]:
    """Every error ``validator`` finds in ``instance``, in document order and in authors' words."""
    problems: list[FieldProblem] = []
    errors = sorted(validator.iter_errors(instance), key=_document_order)
    for error in errors:
        problems.extend(_describe(error))
    return problems


def _document_order(error: SchemaError) -> tuple[list[tuple[int, int | str]], str]:
    # Indexes compare as numbers (findings[10] after findings[2]).
    where = [(0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path]
    return where, str(error.validator)


def type_name(value: Any) -> str:
    """What ``value`` is, in an author's words (for "found ..." messages)."""
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
        yield FieldProblem(where, f"must be {wanted}, found {type_name(value)}", "type")
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


def number_problems(document: Mapping[str, Any]) -> list[FieldProblem]:
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

    def fits(where: str, value: Any, places: int, largest: Decimal) -> None:
        if not finite(where, value):
            return
        if _decimal_places(value) > places:
            problems.append(FieldProblem(where, f"is {value!r}; use at most {places} decimal places", "range"))
        elif Decimal(repr(value)) > largest:
            problems.append(FieldProblem(where, f"is {value!r}; it must be at most {largest}", "range"))

    scoring = document.get("scoring")
    if isinstance(scoring, Mapping):
        for name, (places, largest) in SCORING_DECIMALS.items():
            fits(f"scoring.{name}", scoring.get(name), places, largest)
        bands = scoring.get("grade_bands")
        if isinstance(bands, Mapping):
            for letter, value in bands.items():
                fits(f"scoring.grade_bands.{letter}", value, *BAND_DECIMALS)
    findings = document.get("findings")
    if isinstance(findings, list):
        for i, finding in enumerate(findings):
            if isinstance(finding, Mapping) and "weight" in finding:
                fits(f"findings[{i}].weight", finding["weight"], *WEIGHT_DECIMALS)
    series_list = []
    if isinstance(document.get("series"), Mapping):
        series_list.append(("series", document["series"]))
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
