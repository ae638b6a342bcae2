"""The editor page's forms, built from a case's record or from a post, and
checked all at once.

``CaseEditor`` holds the case form, the grid (one ``EntryForm`` per
catalogue entry and occurrence, grouped as the learner's menu groups them)
and the formsets. ``is_valid`` validates every form, then runs the key's and
the scoring's rules (``validation``) over whatever validated, so an author
reads every problem after one save, each titled by entry name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.http import QueryDict

from leucocases.cases.casefile import CaseSpec, DiagnosisSpec, FindingSpec, OrderRuleSpec
from leucocases.cases.grading import ScoringSettings
from leucocases.cases.models import Case
from leucocases.taxonomy.models import WorkupStep

from .forms import (
    BLANK_ROWS,
    CaseFieldsForm,
    DiagnosisFormSet,
    EntryForm,
    LabFormSet,
    RuleFormSet,
    entry_initial,
    reference_choices,
)
from .validation import Problem, differential_problems, key_problems

ADD_OCCURRENCE = "add_occurrence"


@dataclass
class Category:
    """One heading of the grid: a category of the catalogue and its entries' forms."""

    label: str
    slug: str
    forms: list[EntryForm] = field(default_factory=list)

    @property
    def keyed_count(self) -> int:
        return sum(1 for form in self.forms if form.is_keyed)


def _posted_counts(data: Mapping[str, Any], prefix: str, cell: str) -> int:
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-{cell}$")
    found = [int(m[1]) for key in data if (m := pattern.match(key))]
    return max(found) + 1 if found else 0


class CaseEditor:
    """Every form of the editor page for ``case`` (None: a new case), bound to ``data`` or not.

    ``spec`` is what the page shows when unbound: the case's own record
    (or its draft of changes'), or None for a new case.
    """

    def __init__(self, *, case: Case | None, spec: CaseSpec | None, data: QueryDict | None = None) -> None:
        self.case, self.data = case, data
        steps = list(WorkupStep.objects.order_by("position", "name"))
        self.steps = {s.slug: s for s in steps}
        self.form = CaseFieldsForm(data, instance=case or Case(), prefix="case")
        self.references = reference_choices()
        findings = {(f.step, f.occurrence): f for f in spec.findings} if spec else {}
        adding = data.get(ADD_OCCURRENCE) if data is not None else None
        # Grouped as the learner's menu groups the catalogue (``cases.menu``).
        order = {value: i for i, (value, _label) in enumerate(WorkupStep.Category.choices)}
        by_category: dict[str, Category] = {}
        for step in sorted(steps, key=lambda s: order.get(s.category, len(order))):
            category = by_category.setdefault(
                step.category, Category(label=step.get_category_display(), slug=step.category)
            )
            for occurrence in self._occurrences(step, findings, adding):
                category.forms.append(self._entry_form(step, occurrence, findings.get((step.slug, occurrence))))
        self.categories = list(by_category.values())
        for category in self.categories:
            for form, following in zip(category.forms, [*category.forms[1:], None], strict=True):
                form.is_last = following is None or following.step != form.step
        self.labs = LabFormSet(data, prefix="labs", initial=_labs_initial(spec))
        self.rules = RuleFormSet(data, prefix="rules", initial=_rules_initial(spec, self.steps))
        self.diagnosis = DiagnosisFormSet(data, prefix="dx", initial=_diagnosis_initial(spec))
        self.problems: list[Problem] = []

    def _occurrences(self, step: WorkupStep, findings: Mapping, adding: str | None) -> list[int]:
        if self.data is not None:
            count = max(1, _posted_counts(self.data, f"e-{step.slug}", "tier"))
        else:
            count = max([1, *(occurrence for slug, occurrence in findings if slug == step.slug)])
        return list(range(1, count + 1 + (1 if adding == step.slug else 0)))

    def _entry_form(self, step: WorkupStep, occurrence: int, finding: FindingSpec | None) -> EntryForm:
        prefix = f"e-{step.slug}-{occurrence}"
        if self.data is not None:
            table = max(1, _posted_counts(self.data, f"{prefix}-table", "label"))
            points = max(1, _posted_counts(self.data, f"{prefix}-point", "when"))
            return EntryForm(
                self.data, step=step, occurrence=occurrence, table_rows=table, points=points, references=self.references
            )
        table = (len(finding.table) if finding else 0) + BLANK_ROWS
        points = (len(finding.series.points) if finding and finding.series else 0) + BLANK_ROWS
        initial = entry_initial(finding) if finding else {}
        return EntryForm(
            initial=initial,
            step=step,
            occurrence=occurrence,
            table_rows=table,
            points=points,
            references=self.references,
        )

    def entry_forms(self) -> Iterator[EntryForm]:
        for category in self.categories:
            yield from category.forms

    # -- validation ------------------------------------------------------

    def is_valid(self) -> bool:
        """Validate everything once, then the key's rules over what validated;
        their problems go onto the forms they concern (``problems``: the rest)."""
        entries = list(self.entry_forms())
        forms = [self.form, *entries, self.labs, self.rules, self.diagnosis]
        for form in forms:
            form.is_valid()
        self.problems = key_problems(
            entries=[f for f in entries if f.spec() is not None],
            rules=_live(self.rules),
            diagnosis=_live(self.diagnosis),
            names={slug: step.name for slug, step in self.steps.items()},
        )
        if self.form.is_valid():
            self.problems += differential_problems(
                differential=self.form.instance.differential, diagnosis=_live(self.diagnosis), names={}
            )
        return all(form.is_valid() for form in forms) and not self.problems

    def error_summary(self) -> list[Problem]:
        """Every problem on the page, in page order, each titled by what it concerns."""
        found: list[Problem] = []
        found += _form_problems(self.form, "Case")
        for form in self.entry_forms():
            found += _form_problems(form, form.title)
        parts = (("Initial result", self.labs), ("Order rule", self.rules), ("Diagnosis option", self.diagnosis))
        for label, formset in parts:
            for i, form in enumerate(formset.forms, start=1):
                found += _form_problems(form, f"{label} {i}")
            found += [Problem(title=label, message=str(m)) for m in formset.non_form_errors()]
        return found + self.problems

    # -- records ----------------------------------------------------------

    def key_parts(self) -> tuple[list[FindingSpec], list[OrderRuleSpec], list[DiagnosisSpec]]:
        """The key as posted, from the forms that validated (for a dry run)."""
        findings = [s for f in self.entry_forms() if (s := f.spec()) is not None]
        rules = [f.spec() for f in _live(self.rules) if f.is_valid()]
        diagnosis = [f.spec() for f in _live(self.diagnosis) if f.is_valid()]
        return findings, rules, diagnosis

    def scoring(self) -> ScoringSettings | None:
        return self.form.spec_fields()["scoring"] if self.form.is_valid() else None

    def case_spec(self, *, slug: str) -> CaseSpec:
        """The whole case as posted; call once ``is_valid``."""
        findings, rules, diagnosis = self.key_parts()
        fields = self.form.spec_fields()
        labs = tuple(f.spec() for f in _live(self.labs))
        return replace(
            CaseSpec(slug=slug, title="", groups=(), presentation="", findings=(), diagnosis=()),
            **fields,
            findings=tuple(findings),
            order_rules=tuple(rules),
            diagnosis=tuple(diagnosis),
            initial_labs=labs,
        )


def _live(formset) -> list:
    """A formset's forms that hold a row: filled in and not marked for removal."""
    return [
        f
        for f in formset.forms
        if f.has_changed() and not (formset.can_delete and f.is_valid() and f.cleaned_data.get("DELETE"))
    ]


def _form_problems(form, title: str) -> list[Problem]:
    problems = []
    for name, errors in form.errors.items():
        if name == "__all__":
            problems += [Problem(title=title, message=str(e)) for e in errors]
            continue
        bound = form[name]
        label = bound.label
        problems += [
            Problem(title=f"{title}: {label}", message=str(e), anchor=bound.id_for_label or f"{bound.auto_id}_0")
            for e in errors
        ]
    return problems


def _labs_initial(spec: CaseSpec | None) -> list[dict]:
    if spec is None:
        return []
    return [
        {"name": r.name, "value": r.value, "unit": r.unit, "reference_range": r.range, "flag": r.flag}
        for r in spec.initial_labs
    ]


def _rules_initial(spec: CaseSpec | None, steps: Mapping[str, WorkupStep]) -> list[dict]:
    if spec is None:
        return []
    return [
        {
            "before": steps[r.before].pk,
            "before_occurrence": r.before_occurrence,
            "after": steps[r.after].pk,
            "after_occurrence": r.after_occurrence,
            "rationale": r.rationale,
            "references": list(r.citations),
            "premature_counts_as_harmful": r.counts_as_harmful,
        }
        for r in spec.order_rules
    ]


def _diagnosis_initial(spec: CaseSpec | None) -> list[dict]:
    if spec is None:
        return []
    return [
        {"cause": d.cause, "credit": d.credit, "rationale": d.rationale, "references": list(d.citations)}
        for d in spec.diagnosis
    ]
