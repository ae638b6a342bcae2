"""The key's rules over the editor's forms, in an author's words.

The rules are the case file's (``casefile.check_key``, the engine's
``validate_key`` behind it), the ones import and the admin apply. Each
problem comes back with a path (``findings[3].any_of``); here it goes onto
the form and field it concerns, and its text names entries and causes by
their names, not their slugs, and rows by their titles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.forms import Form

from leucocases.cases.casefile import check_differential, check_key
from leucocases.cases.grading.differential import ExpertDifferential

_PATH = re.compile(r"^(?P<section>findings|order_rules|diagnosis)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?")
_QUOTED_SLUG = re.compile(r"'([a-z0-9][a-z0-9-]*)'")
_ROW_REFERENCE = re.compile(r"\b(findings|order_rules|diagnosis)\[(\d+)\]")
#: A finding problem's field -> the entry form's field that shows it.
_ENTRY_FIELD = {"step": "tier", "occurrence": "tier", "tier": "tier"} | {
    name: name for name in ("weight", "any_of", "expert_position", "result", "rationale")
}
_RULE_FIELDS = {"before", "after", "before_occurrence", "after_occurrence", "rationale"}
_DIAGNOSIS_FIELDS = {"cause", "credit", "rationale"}
_SECTION_TITLES = {"findings": "The key", "order_rules": "Order rules", "diagnosis": "Diagnosis options"}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem as the page lists it: what it concerns, what is wrong, and
    the id of the field to go to (empty when it concerns no one field)."""

    title: str
    message: str
    anchor: str = ""


def key_problems(
    *, entries: Sequence[Form], rules: Sequence[Form], diagnosis: Sequence[Form], names: Mapping[str, str]
) -> list[Problem]:
    """Check the key the forms hold; put each problem on its form and field,
    and return those that concern no one row (the key as a whole)."""
    rules = [form for form in rules if form.is_valid()]
    diagnosis = [form for form in diagnosis if form.is_valid()]
    sections: dict[str, Sequence[Form]] = {"findings": entries, "order_rules": rules, "diagnosis": diagnosis}
    titles = {
        "findings": [form.title for form in entries],
        "order_rules": [f"order rule {i}" for i in range(1, len(rules) + 1)],
        "diagnosis": [f"diagnosis option {i}" for i in range(1, len(diagnosis) + 1)],
    }
    found = check_key(
        findings=[form.spec() for form in entries],
        order_rules=[form.spec() for form in rules],
        diagnosis=[form.spec() for form in diagnosis],
    )
    unplaced = []
    for problem in found:
        message = _in_words(problem.message, names=names, titles=titles)
        match = _PATH.match(problem.field)
        if match is None:
            section = problem.field.split(".")[0].split("[")[0]
            unplaced.append(Problem(title=_SECTION_TITLES.get(section, "The case"), message=message))
            continue
        forms = sections[match["section"]]
        index = int(match["index"])
        if index >= len(forms):
            unplaced.append(Problem(title=_SECTION_TITLES[match["section"]], message=message))
            continue
        forms[index].add_error(
            _form_field(match["section"], match["field"]), ValidationError(message, code=problem.code)
        )
    return unplaced


def differential_problems(*, differential: dict, diagnosis: Sequence[Form], names: Mapping[str, str]) -> list[Problem]:
    """The importer's rules for the expert differential (``differential``: what the
    case form holds, ``Case.differential``) against the diagnosis options that validated."""
    if not differential:
        return []
    options = [form.spec() for form in diagnosis if form.is_valid()]
    found = check_differential(differential=ExpertDifferential.from_dict(differential), diagnosis=options)
    return [Problem(title="Differential", message=_in_words(p.message, names=names, titles={})) for p in found]


def _form_field(section: str, name: str | None) -> str | None:
    if section == "findings":
        return _ENTRY_FIELD.get(name or "")
    allowed = _RULE_FIELDS if section == "order_rules" else _DIAGNOSIS_FIELDS
    return name if name in allowed else None


def _in_words(message: str, *, names: Mapping[str, str], titles: Mapping[str, list[str]]) -> str:
    """``step 'cbc' … (also findings[0])`` -> ``Step “Full blood count” … (also Full blood count)``."""

    def name(match: re.Match) -> str:
        slug = match[1]
        return f"“{names[slug]}”" if slug in names else match[0]

    def row(match: re.Match) -> str:
        rows = titles.get(match[1], [])
        index = int(match[2])
        return rows[index] if index < len(rows) else match[0]

    text = _ROW_REFERENCE.sub(row, _QUOTED_SLUG.sub(name, message))
    return text[:1].upper() + text[1:]
