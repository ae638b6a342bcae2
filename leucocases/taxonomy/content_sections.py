"""The taxonomy file's shape (``fixtures/taxonomy.yaml``): its sections, the
model each section's items become, and each item's fields with their types.

``content_validation.py`` checks a file against it and ``content.py`` writes
what it describes.
"""

from dataclasses import dataclass

from django.db import models

from .models import Cause, CauseGroup, Mechanism, Reference, Topic, WorkupStep

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


def scalar_fields(model: type[models.Model], spec: dict[str, FieldSpec]) -> list[str]:
    """Fields of ``spec`` stored as plain columns of ``model`` (not relations, not nested lists)."""
    names = {f.name for f in model._meta.concrete_fields if not f.is_relation}
    return [name for name in spec if name in names]
