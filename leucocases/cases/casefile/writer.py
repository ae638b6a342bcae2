"""Writing case files: records to documents to YAML, in one canonical layout.

The same records always give the same bytes (fixed key order, optional
fields left out when empty or default, rows on one line, multi-line text as
literal blocks), so that export -> import -> export is byte-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import yaml

from leucocases.cases.grading import ScoringSettings

from .records import CaseSpec, FindingSpec, OrderRuleSpec
from .versions import CURRENT_SCHEMA

__all__ = ["case_document", "dump_documents", "plain_number"]


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
        "schema": CURRENT_SCHEMA,
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
    defaults = ScoringSettings()
    scoring: dict[str, Any] = {
        k: plain_number(v) for k, v in spec.scoring.numbers().items() if v != defaults.numbers()[k]
    }
    default_bands = defaults.grade_bands.to_dict()
    bands = {k: plain_number(v) for k, v in spec.scoring.grade_bands.to_dict().items() if v != default_bands[k]}
    if bands:
        scoring["grade_bands"] = _FlowMap(bands)
    if scoring:
        doc["scoring"] = scoring
    return doc


def _drop_empty(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v not in ("", None)}


def _finding_document(f: FindingSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"step": f.step}
    if f.occurrence != 1:
        doc["occurrence"] = f.occurrence
    doc["tier"] = f.tier
    if f.weight != 1:
        doc["weight"] = plain_number(f.weight)
    if f.any_of:
        doc["any_of"] = f.any_of
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
    doc: dict[str, Any] = {"before": r.before}
    if r.before_occurrence != 1:
        doc["before_occurrence"] = r.before_occurrence
    doc["after"] = r.after
    if r.after_occurrence != 1:
        doc["after_occurrence"] = r.after_occurrence
    doc["rationale"] = r.rationale
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
