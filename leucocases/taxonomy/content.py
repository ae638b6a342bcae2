"""Loading the shipped taxonomy (``fixtures/taxonomy.yaml``) into the database.

The whole parsed file is validated first (``content_validation.py``) and every
error is collected with its path (``causes[3].facts[1].references: unknown
reference 'x'``), so an author fixes a file in one pass and a bad file writes
nothing. A valid file is then upserted by slug/key inside one transaction, so
a second run creates nothing. The file's shape is in ``content_sections.py``.

The loader never deletes: rows the file does not mention (learner data, a cause
an instructor added in admin) are left as they are.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from leucocases.editorial.loading import ContentFileError, read_yaml_file, write_all_or_nothing
from leucocases.editorial.models import ReviewStatus

from .content_sections import FACT_OWNERS, SECTIONS_BY_NAME, Section, scalar_fields
from .content_validation import validate_taxonomy
from .models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep
from .search.index import search_index_rebuild

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "taxonomy.yaml"


class TaxonomyError(ContentFileError):
    """The file cannot be loaded; ``errors`` lists every problem with its path."""

    file_kind = "taxonomy"


@dataclass
class TaxonomyLoadSummary:
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
    return read_yaml_file(path, error=TaxonomyError)


def load_taxonomy_file(path: Path = DEFAULT_PATH) -> TaxonomyLoadSummary:
    return load_taxonomy(read_taxonomy_file(path))


# --- writing ------------------------------------------------------------------


def load_taxonomy(data: Any) -> TaxonomyLoadSummary:
    """Validate ``data`` completely, then upsert all of it in one transaction.

    Raises ``TaxonomyError`` (with every error) before writing anything if the
    data is invalid.
    """
    return write_all_or_nothing(validate_taxonomy(data), lambda: _write(data), error=TaxonomyError)


def _write(data: dict[str, Any]) -> TaxonomyLoadSummary:
    summary = TaxonomyLoadSummary()
    # One timestamp for the whole load: everything it approves was approved together.
    now = timezone.now()
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
    summary: TaxonomyLoadSummary,
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
    for name in scalar_fields(section.model, section.fields):
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
    summary: TaxonomyLoadSummary,
) -> None:
    for owner_section in FACT_OWNERS:
        for item in data.get(owner_section) or []:
            owner = owners[owner_section][item["slug"]]
            for position, fact_data in enumerate(item.get("facts") or []):
                fact = _upsert_fact(fact_data, owner=owner, position=position, summary=summary)
                fact.references.set(_lookup(Reference, "key", fact_data["references"]))


def _upsert_fact(
    fact_data: dict[str, Any], *, owner: Cause | Topic, position: int, summary: TaxonomyLoadSummary
) -> Fact:
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
