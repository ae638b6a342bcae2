"""Copying a case's content onto another case, in bulk.

Three callers need the same copy: an instructor's "Duplicate" (one case, as a
new draft; leucocases/cases/authoring.py), a draft of changes to an
approved case and its publication (``case_content_replace``;
leucocases/cases/review.py) and ``generate_load_data`` (every
shipped case, N times). Children are copied field by field from the
model's own field list, so a field added to a finding or an order rule is
copied without anyone remembering to add it here.

Sources must come with their parts prefetched (``cases_for_export`` does it),
or each source costs a query per kind of part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models

from leucocases.editorial.content_version import content_changed

from .models import Case, DiagnosisOption, Finding, InitialLab, OrderRule

#: Case fields that make a case itself rather than its content: identity, the
#: review record, the published version, the archive date and the case a draft
#: of changes belongs to. ``case_content_fields`` leaves them out.
CASE_IDENTITY_FIELDS = frozenset(
    {"id", "slug", "title", "review_status", "author", "reviewer", "reviewed_at", "created_at", "updated_at"}
    | {"archived_at", "version", "draft_of"}
)

#: The parts with references, in the order they are copied.
_CITED_PARTS = ((Finding, "findings"), (OrderRule, "order_rules"), (DiagnosisOption, "diagnosis_options"))


def field_values(obj: models.Model, *, exclude: Iterable[str]) -> dict:
    """``obj``'s concrete field values by attname (``cause_id``, not ``cause``), but ``exclude``."""
    excluded = set(exclude)
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in excluded}


def case_content_fields(case: Case) -> dict:
    """What a copy of ``case`` shares with it: presentation, objectives, difficulty, scoring …"""
    return field_values(case, exclude=CASE_IDENTITY_FIELDS)


def copy_case_parts(
    pairs: Iterable[tuple[Case, Case]], *, cause_id_for: Callable[[int], int] = lambda cause_id: cause_id
) -> None:
    """Copy each source's groups, labels, initial labs, findings, order rules and diagnosis
    options (with their references) onto its saved target, in a few bulk inserts.

    ``cause_id_for`` maps a diagnosis option's cause to the copy's (load data
    points copied cases at copied causes); by default the cause is kept.
    """
    pairs = list(pairs)
    Case.groups.through.objects.bulk_create(
        Case.groups.through(case_id=target.pk, causegroup_id=group.pk)
        for source, target in pairs
        for group in source.groups.all()
    )
    Case.labels.through.objects.bulk_create(
        Case.labels.through(case_id=target.pk, caselabel_id=label.pk)
        for source, target in pairs
        for label in source.labels.all()
    )
    InitialLab.objects.bulk_create(
        InitialLab(case_id=target.pk, **field_values(lab, exclude={"id", "case"}))
        for source, target in pairs
        for lab in source.initial_labs.all()
    )
    for model, related_name in _CITED_PARTS:
        rows = [
            (model(case_id=target.pk, **field_values(part, exclude={"id", "case"})), part.references.all())
            for source, target in pairs
            for part in getattr(source, related_name).all()
        ]
        if model is DiagnosisOption:
            for option, _ in rows:
                option.cause_id = cause_id_for(option.cause_id)
        _bulk_create_with_references(model, rows)
    content_changed()  # bulk inserts send no signal


def case_content_replace(*, source: Case, target: Case) -> None:
    """Make saved ``target`` say exactly what ``source`` says: title, content,
    scoring, groups, labels and every part of the key, replaced in place. ``target`` keeps its
    id, slug, review record, version, archive date and attempts (choices name
    catalogue steps, not findings; reports are frozen copies)."""
    for name, value in case_content_fields(source).items():
        setattr(target, name, value)
    target.title = source.title
    target.save()
    target.groups.clear()
    target.labels.clear()
    for related_name in ("initial_labs", "findings", "order_rules", "diagnosis_options"):
        getattr(target, related_name).all().delete()
    copy_case_parts([(source, target)])


def _bulk_create_with_references(model: type[models.Model], rows: list[tuple[models.Model, Iterable]]) -> None:
    made = model.objects.bulk_create([row for row, _ in rows])
    if made and made[0].pk is None:  # a backend that cannot return ids: never PostgreSQL or SQLite
        raise RuntimeError(f"{model.__name__}: this database does not return ids from bulk inserts.")
    m2m = model._meta.get_field("references")
    through = m2m.remote_field.through
    owner, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
    through.objects.bulk_create(
        through(**{owner: row.pk, target: reference.pk})
        for row, (_, references) in zip(made, rows, strict=True)
        for reference in references
    )
