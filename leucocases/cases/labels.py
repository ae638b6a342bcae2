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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import CaseLabel

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "case_labels.yaml"
SLUG_RE = re.compile(r"^[-a-z0-9]+$")
FIELDS = frozenset({"slug", "name"})
MAX_NAME = CaseLabel._meta.get_field("name").max_length


class LabelFileError(Exception):
    """The file cannot be loaded; ``errors`` lists every problem with its place."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s) in the case-label file: " + "; ".join(errors))
        self.errors = errors


@dataclass
class LoadSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def read_labels_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LabelFileError([f"cannot read the file: {exc}"]) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LabelFileError([f"not valid YAML: {exc}"]) from exc


def validate_labels(data: Any) -> tuple[list[CaseLabel], list[str]]:
    """Unsaved labels (position = place in the file) and every problem found."""
    if not isinstance(data, dict) or not isinstance(data.get("labels"), list):
        return [], ["the file must be a mapping with a 'labels' list"]
    errors = [f"unknown top-level key '{key}'" for key in sorted(set(data) - {"labels"})]
    labels: list[CaseLabel] = []
    seen: dict[str, set[str]] = {"slug": set(), "name": set()}
    for index, item in enumerate(data["labels"], start=1):
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
    if errors:
        raise LabelFileError(errors)
    summary = LoadSummary()
    with transaction.atomic():
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
