"""Checking a parsed taxonomy file (``content_sections.py`` gives its shape).

Every problem is collected with its path (``causes[3].facts[1].references:
unknown reference 'x'``), so an author fixes a file in one pass. Slugs and
keys may name rows already in the database as well as items in the file, so a
file can add to content loaded earlier; a unique value held by another row is
reported here rather than failing halfway through the write.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from .content_sections import FACT_FIELDS, FACT_OWNERS, SECTIONS, SECTIONS_BY_NAME, FieldSpec, Section, scalar_fields
from .models import Fact, WorkupStep, revealing_words

__all__ = ["validate_taxonomy"]


def validate_taxonomy(data: Any) -> list[str]:
    """Every problem in the parsed file, each prefixed by its path; empty when valid.

    Slugs and keys may name rows already in the database as well as items in
    the file, so a file can add to content loaded earlier.
    """
    if not isinstance(data, dict):
        return ["(top level): expected a mapping of sections (references, groups, ...)"]
    errors = [f"{name}: unknown section" for name in data if name not in SECTIONS_BY_NAME]
    sections: dict[str, list[Any]] = {}
    for section in SECTIONS:
        items = data.get(section.name)
        if items is None:
            items = []  # a partial file may add, say, only causes to content loaded earlier
        elif not isinstance(items, list):
            errors.append(f"{section.name}: expected a list")
            items = []
        sections[section.name] = items
        errors += _check_section(section, items)
    known = {section.name: _known_ids(section, sections[section.name]) for section in SECTIONS}
    errors += _check_cause_links(sections["causes"], known=known)
    errors += _check_steps(sections["workup_steps"], known=known)
    errors += _check_facts(sections, known_references=known["references"])
    return errors


def _check_section(section: Section, items: list[Any]) -> list[str]:
    errors: list[str] = []
    for index, item in enumerate(items):
        path = f"{section.name}[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{path}: expected a mapping")
            continue
        errors += _check_shape(path, item, section.fields)
        errors += _check_model_fields(path, item, model=section.model, spec=section.fields)
    for unique in (section.id_field, *section.unique_fields):
        errors += _check_duplicates(section.name, _dicts(items), field_name=unique)
        errors += _check_db_clash(section, _dicts(items), field_name=unique)
    return errors


def _check_shape(path: str, item: dict[str, Any], spec: dict[str, FieldSpec]) -> list[str]:
    errors = [f"{path}.{name}: unknown field" for name in item if name not in spec]
    for name, (types, required) in spec.items():
        value = item.get(name)
        if value is None:
            if required:
                errors.append(f"{path}.{name}: required")
        elif not _has_type(value, types):
            errors.append(f"{path}.{name}: expected {' or '.join(t.__name__ for t in types)}")
    return errors


def _has_type(value: Any, types: tuple[type, ...]) -> bool:
    # YAML's `yes` is a bool, and bool is an int subclass; a number must not pass as one.
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def _check_model_fields(
    path: str, item: dict[str, Any], *, model: type[models.Model], spec: dict[str, FieldSpec]
) -> list[str]:
    """Let the model's own field validation speak: lengths, slug format, choices, URLs, blanks."""
    values = {
        name: item[name]
        for name in scalar_fields(model, spec)
        if item.get(name) is not None and _has_type(item[name], spec[name][0])
    }
    instance = model(**values)
    excluded = [f.name for f in model._meta.concrete_fields if f.name not in values]
    try:
        instance.clean_fields(exclude=excluded)
    except ValidationError as exc:
        return [f"{path}.{name}: {message}" for name, messages in exc.message_dict.items() for message in messages]
    return []


def _check_duplicates(section_name: str, items: list[tuple[int, dict[str, Any]]], *, field_name: str) -> list[str]:
    seen: dict[Any, int] = {}
    errors = []
    for index, item in items:
        value = item.get(field_name)
        if not isinstance(value, str | int) or isinstance(value, bool):
            continue
        if value in seen:
            errors.append(
                f"{section_name}[{index}].{field_name}: duplicate {field_name} {value!r} "
                f"(also at {section_name}[{seen[value]}])"
            )
        else:
            seen[value] = index
    return errors


def _check_db_clash(section: Section, items: list[tuple[int, dict[str, Any]]], *, field_name: str) -> list[str]:
    """A unique value already held by a database row under a different slug/key."""
    if field_name == section.id_field:
        return []
    by_value: dict[Any, tuple[int, Any]] = {}
    for index, item in items:
        if isinstance(item.get(field_name), str | int):
            by_value.setdefault(item[field_name], (index, item.get(section.id_field)))
    rows = section.model.objects.filter(**{f"{field_name}__in": list(by_value)}).values_list(
        field_name, section.id_field
    )
    errors = []
    for value, row_id in rows:
        index, item_id = by_value[value]
        if row_id != item_id:
            errors.append(
                f"{section.name}[{index}].{field_name}: {value!r} already belongs to "
                f"{section.model._meta.verbose_name} {row_id!r} in the database"
            )
    return errors


def _known_ids(section: Section, items: list[Any]) -> set[str]:
    in_file = {item.get(section.id_field) for _, item in _dicts(items)}
    in_db = set(section.model.objects.values_list(section.id_field, flat=True))
    return {value for value in in_file | in_db if isinstance(value, str)}


def _dicts(items: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _check_links(path: str, values: Any, *, known: set[str], what: str) -> list[str]:
    """Each entry of a list of slugs/keys must name something that exists."""
    if not isinstance(values, list):
        return []  # already reported by the shape check
    errors = []
    for value in values:
        if not isinstance(value, str):
            errors.append(f"{path}: expected {what} slugs, got {value!r}")
        elif value not in known:
            errors.append(f"{path}: unknown {what} {value!r}")
    if len(set(map(repr, values))) != len(values):
        errors.append(f"{path}: lists the same {what} twice")
    return errors


def _check_cause_links(causes: list[Any], *, known: dict[str, set[str]]) -> list[str]:
    errors: list[str] = []
    for index, cause in _dicts(causes):
        path = f"causes[{index}]"
        group = cause.get("group")
        if isinstance(group, str) and group not in known["groups"]:
            errors.append(f"{path}.group: unknown group {group!r}")
        errors += _check_links(
            f"{path}.mechanisms", cause.get("mechanisms"), known=known["mechanisms"], what="mechanism"
        )
        related = cause.get("related")
        errors += _check_links(f"{path}.related", related, known=known["causes"], what="cause")
        if isinstance(related, list) and cause.get("slug") in related:
            errors.append(f"{path}.related: a cause cannot be related to itself")
    return errors


def _check_steps(steps: list[Any], *, known: dict[str, set[str]]) -> list[str]:
    errors: list[str] = []
    for index, step in _dicts(steps):
        path = f"workup_steps[{index}]"
        errors += _check_step_sources(path, step, known_references=known["references"])
        kind, category = step.get("kind"), step.get("category")
        expected = WorkupStep.kind_of_category(category) if isinstance(category, str) else None
        if expected is not None and kind in WorkupStep.Kind.values and kind != expected:
            errors.append(f"{path}.category: {category!r} is a category of {expected} entries, not of {kind} entries")
        result = step.get("default_result")
        if isinstance(result, str) and not result.strip():
            errors.append(f"{path}.default_result: must not be blank")
        elif isinstance(result, str) and (found := revealing_words(result)):
            errors.append(
                f"{path}.default_result: reads like a verdict, not a result "
                f"(found {', '.join(repr(word) for word in found)}); write a plausible, unremarkable result"
            )
    return errors


def _check_step_sources(path: str, step: dict[str, Any], *, known_references: set[str]) -> list[str]:
    """An entry cites the source, or is marked standard practice and cites nothing."""
    references = step.get("references")
    if not isinstance(references, list):
        return []  # already reported by the shape check
    if step.get("standard_practice") is True:
        # The mark promises readers that nothing on the page is a cited claim.
        if references:
            return [
                f"{path}.references: a standard-practice entry cites nothing (its text only says what it "
                "measures or involves); remove the references or drop standard_practice"
            ]
        return []
    if not references:
        return [
            f"{path}.references: at least one reference is required, or mark the entry "
            "standard_practice: true if the source does not discuss it"
        ]
    return _check_links(f"{path}.references", references, known=known_references, what="reference")


def _check_reference_list(path: str, values: Any, *, known: set[str]) -> list[str]:
    # Every claim on the site carries a citation, so an empty list is an error too.
    if isinstance(values, list) and not values:
        return [f"{path}: at least one reference is required"]
    return _check_links(path, values, known=known, what="reference")


def _check_facts(sections: dict[str, list[Any]], *, known_references: set[str]) -> list[str]:
    errors: list[str] = []
    seen: dict[str, str] = {}  # fact keys are unique across the whole file, not per page
    for owner in FACT_OWNERS:
        for owner_index, item in _dicts(sections[owner]):
            facts = item.get("facts") or []
            if not isinstance(facts, list):
                continue  # already reported by the shape check
            for index, fact in enumerate(facts):
                path = f"{owner}[{owner_index}].facts[{index}]"
                errors += _check_fact(path, fact, known_references=known_references)
                key = fact.get("key") if isinstance(fact, dict) else None
                if isinstance(key, str):
                    if key in seen:
                        errors.append(f"{path}.key: duplicate fact key {key!r} (also at {seen[key]})")
                    else:
                        seen[key] = path
    return errors


def _check_fact(path: str, fact: Any, *, known_references: set[str]) -> list[str]:
    if not isinstance(fact, dict):
        return [f"{path}: expected a mapping"]
    errors = _check_shape(path, fact, FACT_FIELDS)
    errors += _check_model_fields(path, fact, model=Fact, spec=FACT_FIELDS)
    errors += _check_reference_list(f"{path}.references", fact.get("references"), known=known_references)
    note = fact.get("editorial_note")
    if fact.get("verification") == Fact.Verification.DISPUTED and not (isinstance(note, str) and note.strip()):
        errors.append(f"{path}.editorial_note: a disputed fact needs an editorial note saying why")
    return errors
