"""Loading the case labels' vocabulary (``fixtures/case_labels.yaml``).

Labels say what a case's presentation shows ("fever", "routine count"); case
files name them by slug (``labels: [fever, on-treatment]``), so the
vocabulary is loaded before the cases (``make content``). Format::

    labels:
      - slug: fever           # required, unique: letters, digits, hyphens
        name: Fever           # required, unique, at most 60 characters: what learners read
      - ...

The list's order is the order labels are shown in. The whole file is checked
first, every problem reported with its place (``labels[2].name: ...``), and a
label may not name a cause or a cause group (``CaseLabel.clean``); a valid
file is then upserted by slug in one transaction, and loading it again changes
nothing. Labels the file does not mention are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from leucocases.editorial.loading import (
    ContentFileError,
    LoadSummary,
    read_yaml_file,
    top_level_list,
    write_all_or_nothing,
)

from .models import CaseLabel

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "case_labels.yaml"
SLUG_RE = re.compile(r"^[-a-z0-9]+$")
FIELDS = frozenset({"slug", "name"})
MAX_NAME = CaseLabel._meta.get_field("name").max_length


class LabelFileError(ContentFileError):
    """The file cannot be loaded; ``errors`` lists every problem with its place."""

    file_kind = "case-label"


def read_labels_file(path: Path) -> Any:
    return read_yaml_file(path, error=LabelFileError)


def validate_labels(data: Any) -> tuple[list[CaseLabel], list[str]]:
    """Unsaved labels (position = place in the file) and every problem found."""
    items, errors = top_level_list(data, "labels")
    if items is None:
        return [], errors
    labels: list[CaseLabel] = []
    seen: dict[str, set[str]] = {"slug": set(), "name": set()}
    for index, item in enumerate(items, start=1):
        where = f"labels[{index - 1}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: a mapping with a slug and a name")
            continue
        errors += [f"{where}: unknown field '{key}'" for key in sorted(set(item) - FIELDS)]
        slug, name = item.get("slug"), item.get("name")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            errors.append(f"{where}.slug: required: lower-case letters, digits and hyphens")
            continue
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            errors.append(f"{where}.name: required text, at most {MAX_NAME} characters")
            continue
        duplicate = next((key for key, value in (("slug", slug), ("name", name)) if value in seen[key]), None)
        if duplicate:
            errors.append(f"{where}.{duplicate}: '{item[duplicate]}' appears twice in the file")
            continue
        seen["slug"].add(slug)
        seen["name"].add(name)
        label = CaseLabel(slug=slug, name=name.strip(), position=index)
        try:
            label.clean()
        except ValidationError as error:
            errors += [f"{where}.name: {message}" for message in error.messages]
            continue
        labels.append(label)
    return labels, errors


def load_case_labels(data: Any) -> LoadSummary:
    """Validate ``data`` completely, then upsert every label; raises ``LabelFileError`` first."""
    labels, errors = validate_labels(data)
    return write_all_or_nothing(errors, lambda: _write(labels), error=LabelFileError)


def _write(labels: list[CaseLabel]) -> LoadSummary:
    summary = LoadSummary()
    existing = {label.slug: label for label in CaseLabel.objects.filter(slug__in=[lb.slug for lb in labels])}
    for label in labels:
        current = existing.get(label.slug)
        if current is None:
            label.save()
            summary.created.append(label.slug)
        elif (current.name, current.position) != (label.name, label.position):
            current.name, current.position = label.name, label.position
            current.save(update_fields=["name", "position"])
            summary.updated.append(label.slug)
        else:
            summary.unchanged.append(label.slug)
    return summary


def load_case_labels_file(path: Path = DEFAULT_PATH) -> LoadSummary:
    return load_case_labels(read_labels_file(path))
