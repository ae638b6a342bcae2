"""Schema versions of a case file: which fields need ``schema: 2``.

Schema 1 files (no ``schema:``) stay valid and mean what they meant. The
fields of engine 2 (occurrences, weights, any-of groups, the never tier,
order rules between occurrences, the never total and grade bands) are
accepted only in a case that says ``schema: 2``, so that a file written for
the new engine says so and an old reader's silence is never mistaken for
agreement. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from leucocases.cases.grading import Tier

from .records import FieldProblem

__all__ = ["CURRENT_SCHEMA", "FINDING_FIELDS_2", "RULE_FIELDS_2", "SCORING_FIELDS_2", "version_problems"]

#: What export writes.
CURRENT_SCHEMA = 2
FINDING_FIELDS_2 = ("occurrence", "weight", "any_of")
RULE_FIELDS_2 = ("before_occurrence", "after_occurrence")
SCORING_FIELDS_2 = ("never_total", "grade_bands")
_NEEDS = "needs `schema: 2` at the top of the case (a field of case-file schema 2, see docs/case-format.md)"


def version_problems(document: Mapping[str, Any]) -> list[FieldProblem]:
    """Each schema-2 field a case uses without saying ``schema: 2``."""
    if document.get("schema", 1) != 1:
        return []  # schema 2, or a bad value the schema check names
    return [FieldProblem(where, message, "needs_schema_2") for where, message in _schema_2_uses(document)]


def _schema_2_uses(document: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for i, finding in _items(document, "findings"):
        for name in FINDING_FIELDS_2:
            if name in finding:
                yield f"findings[{i}].{name}", _NEEDS
        if finding.get("tier") == Tier.NEVER.value:
            yield f"findings[{i}].tier", f"'never' {_NEEDS}"
    for i, rule in _items(document, "order_rules"):
        for name in RULE_FIELDS_2:
            if name in rule:
                yield f"order_rules[{i}].{name}", _NEEDS
    scoring = document.get("scoring")
    if isinstance(scoring, Mapping):
        for name in SCORING_FIELDS_2:
            if name in scoring:
                yield f"scoring.{name}", _NEEDS


def _items(document: Mapping[str, Any], name: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    values = document.get(name)
    if isinstance(values, list):
        for i, value in enumerate(values):
            if isinstance(value, Mapping):
                yield i, value
