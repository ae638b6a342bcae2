"""The case-file format's structure and types, as JSON Schema (``CASE_SCHEMA``).

Also the format's vocabularies (statuses, difficulties, lab flags) and the
sizes of the columns values are stored in, so that what the schema accepts
always fits the database. ``structure.py`` puts the schema's errors into
words; the rules about the key are the engine's (``semantics.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator

from leucocases.cases.grading import GradeBands, Tier

__all__ = [
    "BAND_DECIMALS",
    "CASE_SCHEMA",
    "CASE_VALIDATOR",
    "CREDIT_DECIMAL_PLACES",
    "DIFFICULTIES",
    "LAB_FLAGS",
    "MAX_ANY_OF_LENGTH",
    "MAX_EXPERT_POSITION",
    "MAX_LENGTHS",
    "MAX_OCCURRENCE",
    "MAX_ROWS",
    "MAX_SERIES_VALUE",
    "REVIEW_STATUSES",
    "SCHEMA_VERSIONS",
    "SCORING_DECIMALS",
    "SERIES_SCHEMA",
    "SERIES_VALIDATOR",
    "TABLE_SCHEMA",
    "TABLE_VALIDATOR",
    "TIERS",
    "WEIGHT_DECIMALS",
]

#: A case says ``schema: 2`` to use the fields of engine 2 (``versions.py``); no ``schema:`` means 1.
SCHEMA_VERSIONS: tuple[int, ...] = (1, 2)
TIERS: tuple[str, ...] = tuple(t.value for t in Tier)
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
    "never_total": (2, Decimal("999.99")),
}
#: (decimal places, largest value) of a grade band's column and of ``Finding.weight``.
BAND_DECIMALS: tuple[int, Decimal] = (2, Decimal("999.99"))
WEIGHT_DECIMALS: tuple[int, Decimal] = (2, Decimal("999.99"))
MAX_ANY_OF_LENGTH = 60  # Finding.any_of
CREDIT_DECIMAL_PLACES = 3
MAX_EXPERT_POSITION = 32767  # PositiveSmallIntegerField
MAX_OCCURRENCE = 32767  # PositiveSmallIntegerField

# Building blocks of the schemas below.
_TEXT = {"type": "string", "minLength": 1}
_OPTIONAL_TEXT = {"type": "string"}
_SLUG = {"type": "string", "minLength": 1}
_OCCURRENCE = {"type": "integer", "minimum": 1, "maximum": MAX_OCCURRENCE}


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
        "schema": {"enum": list(SCHEMA_VERSIONS)},
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
                    "occurrence": _OCCURRENCE,
                    "tier": {"enum": list(TIERS)},
                    "weight": {"type": "number"},
                    "any_of": _short(MAX_ANY_OF_LENGTH, required=False),
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
                    "before_occurrence": _OCCURRENCE,
                    "after": _SLUG,
                    "after_occurrence": _OCCURRENCE,
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
                "never_total": {"type": "number", "minimum": 0, "maximum": 100},
                "grade_bands": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {letter: {"type": "number"} for letter in GradeBands.LETTERS},
                },
            },
        },
    },
}

Draft202012Validator.check_schema(CASE_SCHEMA)
CASE_VALIDATOR = Draft202012Validator(CASE_SCHEMA)
TABLE_VALIDATOR = Draft202012Validator(TABLE_SCHEMA)
SERIES_VALIDATOR = Draft202012Validator(SERIES_SCHEMA)
