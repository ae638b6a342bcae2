"""Loading the shipped taxonomy (``fixtures/taxonomy.yaml``) into the database.

The whole parsed file is validated first and every error is collected with its
path (``causes[3].facts[1].references: unknown reference 'x'``), so an author
fixes a file in one pass and a bad file writes nothing. A valid file is then
upserted by slug/key inside one transaction, so a second run creates nothing.

The loader never deletes: rows the file does not mention (learner data, a cause
an instructor added in admin) are left as they are.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from leucocases.editorial.models import ReviewStatus

from .models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep, revealing_words
from .search.index import search_index_rebuild

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "taxonomy.yaml"

# A field's accepted types and whether it is required.
FieldSpec = tuple[tuple[type, ...], bool]
_TEXT: FieldSpec = ((str,), True)
_OPT_TEXT: FieldSpec = ((str,), False)
_INT: FieldSpec = ((int,), True)
_OPT_INT: FieldSpec = ((int,), False)
_LIST: FieldSpec = ((list,), True)
_OPT_LIST: FieldSpec = ((list,), False)
_OPT_BOOL: FieldSpec = ((bool,), False)


@dataclass(frozen=True)
class Section:
    """One top-level list of the file and the model its items become."""

    name: str
    model: type[models.Model]
    id_field: str
    fields: dict[str, FieldSpec]
    # Other unique columns: a clash with a row under another slug would only
    # surface as an IntegrityError halfway through the write, so we check first.
    unique_fields: tuple[str, ...] = ()


_NAMED = {"slug": _TEXT, "name": _TEXT, "description": _OPT_TEXT, "position": _OPT_INT}

SECTIONS: tuple[Section, ...] = (
    Section(
        "references",
        Reference,
        "key",
        {
            "key": _TEXT,
            "number": _INT,
            "kind": _TEXT,
            "title": _TEXT,
            "source": _TEXT,
            "year": _OPT_INT,
            "pmid": _OPT_TEXT,
            "doi": _OPT_TEXT,
            "url": _OPT_TEXT,
            "note": _OPT_TEXT,
        },
        ("number",),
    ),
    Section("groups", CauseGroup, "slug", _NAMED, ("name",)),
    Section("mechanisms", Mechanism, "slug", _NAMED, ("name",)),
    Section(
        "causes",
        Cause,
        "slug",
        {
            "slug": _TEXT,
            "name": _TEXT,
            "group": _TEXT,
            "mechanisms": _OPT_LIST,
            "summary": _TEXT,
            "body": _OPT_TEXT,
            "related": _OPT_LIST,
            "position": _OPT_INT,
            "facts": _OPT_LIST,
        },
        ("name",),
    ),
    Section(
        "topics",
        Topic,
        "slug",
        {"slug": _TEXT, "title": _TEXT, "summary": _TEXT, "body": _OPT_TEXT, "position": _OPT_INT, "facts": _OPT_LIST},
        ("title",),
    ),
    Section(
        "workup_steps",
        WorkupStep,
        "slug",
        {
            "slug": _TEXT,
            "name": _TEXT,
            "kind": _TEXT,
            "category": _TEXT,
            "what_it_shows": _TEXT,
            "when_indicated": _TEXT,
            "default_result": _TEXT,
            # An empty `references` list is allowed only with standard_practice: true.
            "references": _LIST,
            "standard_practice": _OPT_BOOL,
            "position": _OPT_INT,
        },
        ("name",),
    ),
)
SECTIONS_BY_NAME = {section.name: section for section in SECTIONS}

FACT_FIELDS: dict[str, FieldSpec] = {
    "key": _TEXT,
    "text": _TEXT,
    "references": _LIST,
    "verification": _OPT_TEXT,
    "editorial_note": _OPT_TEXT,
    "is_key": _OPT_BOOL,
}
FACT_OWNERS = ("causes", "topics")


class TaxonomyError(Exception):
    """The file cannot be loaded; ``errors`` lists every problem with its path."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s) in the taxonomy file: " + "; ".join(errors))
        self.errors = errors


@dataclass
class LoadSummary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    verification: Counter[str] = field(default_factory=Counter)
    step_kinds: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str, *, created: bool) -> None:
        (self.created if created else self.updated)[kind] += 1

    def lines(self) -> list[str]:
        kinds = ["references", "groups", "mechanisms", "causes", "topics", "facts", "workup_steps"]
        lines = [
            f"{kind}: {self.created[kind] + self.updated[kind]} "
            f"({self.created[kind]} created, {self.updated[kind]} updated)"
            for kind in kinds
        ]
        statuses = ", ".join(f"{self.verification[v]} {v}" for v in Fact.Verification.values)
        lines.append(f"facts by verification: {statuses}")
        kinds_line = ", ".join(f"{self.step_kinds[k]} {k}" for k in WorkupStep.Kind.values)
        lines.append(f"workup_steps by kind: {kinds_line}")
        return lines


# --- reading ------------------------------------------------------------------


def read_taxonomy_file(path: Path) -> Any:
    """Parse ``path`` with ``yaml.safe_load`` (never the full loader: no object construction)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError([f"cannot read the file: {exc}"]) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaxonomyError([f"not valid YAML: {exc}"]) from exc


def load_taxonomy_file(path: Path = DEFAULT_PATH) -> LoadSummary:
    return load_taxonomy(read_taxonomy_file(path))


# --- validation ---------------------------------------------------------------


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
        for name in _scalar_fields(model, spec)
        if item.get(name) is not None and _has_type(item[name], spec[name][0])
    }
    instance = model(**values)
    excluded = [f.name for f in model._meta.concrete_fields if f.name not in values]
    try:
        instance.clean_fields(exclude=excluded)
    except ValidationError as exc:
        return [f"{path}.{name}: {message}" for name, messages in exc.message_dict.items() for message in messages]
    return []


def _scalar_fields(model: type[models.Model], spec: dict[str, FieldSpec]) -> list[str]:
    """Fields of ``spec`` stored as plain columns of ``model`` (not relations, not nested lists)."""
    names = {f.name for f in model._meta.concrete_fields if not f.is_relation}
    return [name for name in spec if name in names]


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


# --- writing ------------------------------------------------------------------


def load_taxonomy(data: Any) -> LoadSummary:
    """Validate ``data`` completely, then upsert all of it in one transaction.

    Raises ``TaxonomyError`` (with every error) before writing anything if the
    data is invalid.
    """
    errors = validate_taxonomy(data)
    if errors:
        raise TaxonomyError(errors)
    summary = LoadSummary()
    # One timestamp for the whole load: everything it approves was approved together.
    now = timezone.now()
    with transaction.atomic():
        _upsert_all(SECTIONS_BY_NAME["references"], data, summary=summary)
        _upsert_all(SECTIONS_BY_NAME["groups"], data, summary=summary)
        _upsert_all(SECTIONS_BY_NAME["mechanisms"], data, summary=summary)
        causes = _upsert_all(SECTIONS_BY_NAME["causes"], data, summary=summary, approved_at=now)
        topics = _upsert_all(SECTIONS_BY_NAME["topics"], data, summary=summary, approved_at=now)
        _set_mechanisms(data.get("causes") or [], causes=causes)
        _set_related(data.get("causes") or [], causes=causes)
        _upsert_facts(data, owners={"causes": causes, "topics": topics}, summary=summary)
        steps = _upsert_all(SECTIONS_BY_NAME["workup_steps"], data, summary=summary)
        for item in data.get("workup_steps") or []:
            steps[item["slug"]].references.set(_lookup(Reference, "key", item["references"]))
            summary.step_kinds[item["kind"]] += 1
        # The loader writes content, so it brings the search index in step (no signals: house style).
        search_index_rebuild()
    return summary


def _upsert_all(
    section: Section,
    data: dict[str, Any],
    *,
    summary: LoadSummary,
    approved_at: datetime | None = None,
) -> dict[str, Any]:
    """Upsert one section's items by slug/key; returns the rows by slug/key."""
    rows = {}
    for item in data.get(section.name) or []:
        defaults = _column_values(section, item)
        if "group" in item:
            defaults["group"] = CauseGroup.objects.get(slug=item["group"])
        create_defaults = dict(defaults)
        if approved_at is not None:
            # Shipped content was reviewed with the file. Only a new row is
            # approved here: an existing row keeps the status an editor gave it.
            create_defaults |= {"review_status": ReviewStatus.APPROVED, "reviewed_at": approved_at}
        row, created = section.model.objects.update_or_create(
            defaults=defaults, create_defaults=create_defaults, **{section.id_field: item[section.id_field]}
        )
        summary.count(section.name, created=created)
        rows[item[section.id_field]] = row
    return rows


def _column_values(section: Section, item: dict[str, Any]) -> dict[str, Any]:
    """The item's plain columns; a field left out of the file gets the model default, so the file is the truth."""
    values = {}
    for name in _scalar_fields(section.model, section.fields):
        if name == section.id_field:
            continue
        value = item.get(name)
        values[name] = section.model._meta.get_field(name).get_default() if value is None else value
    return values


def _lookup(model: type[models.Model], id_field: str, ids: list[str]) -> list[models.Model]:
    return list(model.objects.filter(**{f"{id_field}__in": ids}))


def _set_mechanisms(items: list[dict[str, Any]], *, causes: dict[str, Cause]) -> None:
    for item in items:
        causes[item["slug"]].mechanisms.set(_lookup(Mechanism, "slug", item.get("mechanisms") or []))


def _set_related(items: list[dict[str, Any]], *, causes: dict[str, Cause]) -> None:
    """Make the related links among the file's causes exactly those the file lists.

    The relation is symmetrical, so a link listed on either cause counts for
    both. Links to causes outside the file were made in admin and are kept.
    """
    pairs = {frozenset((item["slug"], other)) for item in items for other in item.get("related") or []}
    for slug, cause in causes.items():
        wanted = {other for pair in pairs if slug in pair for other in pair if other != slug}
        current = set(cause.related.values_list("slug", flat=True))
        stale = {other for other in current - wanted if other in causes}
        cause.related.remove(*_lookup(Cause, "slug", sorted(stale)))
        cause.related.add(*_lookup(Cause, "slug", sorted(wanted - current)))


def _upsert_facts(
    data: dict[str, Any],
    *,
    owners: dict[str, dict[str, Any]],
    summary: LoadSummary,
) -> None:
    for owner_section in FACT_OWNERS:
        for item in data.get(owner_section) or []:
            owner = owners[owner_section][item["slug"]]
            for position, fact_data in enumerate(item.get("facts") or []):
                fact = _upsert_fact(fact_data, owner=owner, position=position, summary=summary)
                fact.references.set(_lookup(Reference, "key", fact_data["references"]))


def _upsert_fact(fact_data: dict[str, Any], *, owner: Cause | Topic, position: int, summary: LoadSummary) -> Fact:
    defaults = {name: fact_data.get(name) for name in ("text", "verification", "editorial_note", "is_key")}
    for name, value in defaults.items():
        if value is None:
            defaults[name] = Fact._meta.get_field(name).get_default()
    # A fact may move between pages; clearing the other owner keeps the one-page constraint.
    defaults |= {
        "position": position,
        "cause": owner if isinstance(owner, Cause) else None,
        "topic": owner if isinstance(owner, Topic) else None,
    }
    fact, created = Fact.objects.update_or_create(key=fact_data["key"], defaults=defaults)
    summary.count("facts", created=created)
    summary.verification[fact.verification] += 1
    return fact
