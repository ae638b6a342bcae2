"""Reading a case file: YAML (or JSON) within limits, then every case checked.

``load_text`` turns text into plain data, refusing what ``yamllimits.py``
refuses and a key given twice, with the line and column of any error;
``parse_text`` checks each case in it (``semantics.document_errors``) and
returns the typed records of the sound ones with every problem found, each
named by file, case and field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from .records import CaseFileError, KnownIds, ParseResult, case_from_document
from .semantics import document_errors
from .structure import type_name
from .yamllimits import MAX_CHARACTERS, LimitedLoader, YamlLimitError

__all__ = ["load_text", "parse_text"]


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
        message = f"expected a case (a mapping) or a list of cases, found {type_name(data)}"
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
