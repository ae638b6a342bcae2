"""The key in the admin: the findings, order rules and diagnosis options inlines.

The key's rules (an essential step, order rules between keyed steps and
without cycles, exactly one full-credit cause) are the grading engine's,
reached through the case-file schema (``casefile.check_key``): these forms
only map each problem back onto the inline form and field it concerns.
Because those rules span several inlines, the three key formsets share one
``KeyCheck`` per request (``CaseAdmin.get_formset_kwargs`` hands it out).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from leucocases.editorial.admin import LockedWithParentInline

from ..casefile import (
    DiagnosisSpec,
    FieldProblem,
    FindingSpec,
    OrderRuleSpec,
    check_differential,
    check_key,
    series_from_json,
    series_problems,
    table_problems,
    table_rows,
)
from ..grading.differential import ExpertDifferential
from ..models import DiagnosisOption, Finding, InitialLab, OrderRule
from .case_form import PlainNewlinesMixin

_ITEM_PATH = re.compile(r"^(?P<section>findings|order_rules|diagnosis)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?")


class KeyCheck:
    """Checks the whole key once per request, for the three key formsets.

    Each formset registers itself; the first one to validate runs the check
    over all three (their forms validated one by one, never the formsets'
    own ``clean``, so nothing recurses), and every formset then raises the
    problems that belong to it.
    """

    def __init__(self) -> None:
        self.formsets: dict[str, KeyFormSet] = {}
        self._problems: list[FieldProblem] | None = None
        self._forms: dict[str, list[forms.Form]] = {}

    def register(self, formset: KeyFormSet) -> None:
        self.formsets[formset.section] = formset

    def problems(self) -> list[FieldProblem]:
        if self._problems is None:
            self._problems = self._check()
        return self._problems

    def live_forms(self, section: str) -> list[forms.Form]:
        self.problems()
        return self._forms.get(section, [])

    def _check(self) -> list[FieldProblem]:
        if set(self.formsets) != {"findings", "order_rules", "diagnosis"}:
            return []
        for section, formset in self.formsets.items():
            live = []
            for form in formset.forms:
                errors = form.errors  # validates the form once; cached
                if formset.can_delete and form.cleaned_data.get("DELETE"):
                    continue
                if not form.has_changed() and form in formset.extra_forms:
                    continue
                if errors:
                    # Fix the fields first; key rules on half-read forms
                    # would only add confusing messages.
                    return []
                live.append(form)
            self._forms[section] = live
        diagnosis = [_diagnosis_spec(f.cleaned_data) for f in self._forms["diagnosis"]]
        problems = check_key(
            findings=[_finding_spec(f.cleaned_data) for f in self._forms["findings"]],
            order_rules=[_rule_spec(f.cleaned_data) for f in self._forms["order_rules"]],
            diagnosis=diagnosis,
        )
        # The case form put the differential on the case (``differential_form``);
        # its last checkpoint must name the full-credit cause of these options.
        differential = getattr(self.formsets["diagnosis"].instance, "differential", None)
        if differential:
            expert = ExpertDifferential.from_dict(differential)
            problems += check_differential(differential=expert, diagnosis=diagnosis)
        return problems


def _slug(obj) -> str:
    return "" if obj is None else obj.slug


def _number(value, default: int | float = 1) -> int | float:
    """A form's number as the engine takes it (a Decimal as a float); missing is the default."""
    if value is None:
        return default
    return float(value) if isinstance(value, Decimal) else value


def _finding_spec(data) -> FindingSpec:
    return FindingSpec(
        step=_slug(data.get("step")),
        occurrence=_number(data.get("occurrence")),
        tier=data.get("tier") or "",
        weight=_number(data.get("weight")),
        any_of=data.get("any_of") or "",
        expert_position=data.get("expert_position"),
        result=data.get("result") or "",
        rationale=data.get("rationale") or "",
        citations=tuple(r.key for r in data.get("references") or ()),
    )


def _rule_spec(data) -> OrderRuleSpec:
    return OrderRuleSpec(
        before=_slug(data.get("before")),
        after=_slug(data.get("after")),
        rationale=data.get("rationale") or "",
        citations=tuple(r.key for r in data.get("references") or ()),
        counts_as_harmful=bool(data.get("premature_counts_as_harmful")),
        before_occurrence=_number(data.get("before_occurrence")),
        after_occurrence=_number(data.get("after_occurrence")),
    )


def _diagnosis_spec(data) -> DiagnosisSpec:
    credit = data.get("credit")
    return DiagnosisSpec(
        cause=_slug(data.get("cause")),
        credit=float(credit) if isinstance(credit, Decimal) else credit,
        rationale=data.get("rationale") or "",
        citations=tuple(r.key for r in data.get("references") or ()),
    )


# Field names in the format -> form fields (the same names, where the form has them).
_FORM_FIELD = {
    name: name
    for name in (
        *("step", "occurrence", "tier", "weight", "any_of", "expert_position"),
        *("before", "before_occurrence", "after", "after_occurrence", "cause", "credit"),
    )
}


def _occurrence(name: str, occurrence) -> str:
    return name if occurrence in (None, 1) else f"{name}, occurrence {occurrence}"


def _row_title(section: str, data) -> str:
    """What a key row is about, in an author's words: the entry (and its
    occurrence), the rule's two ends, or the cause."""
    if section == "findings" and data.get("step") is not None:
        return _occurrence(data["step"].name, data.get("occurrence"))
    if section == "order_rules" and data.get("before") is not None and data.get("after") is not None:
        before = _occurrence(data["before"].name, data.get("before_occurrence"))
        return f"{before} before {_occurrence(data['after'].name, data.get('after_occurrence'))}"
    if section == "diagnosis" and data.get("cause") is not None:
        return data["cause"].name
    return ""


class KeyFormSet(BaseInlineFormSet):
    """An inline formset whose rows are part of the key (see ``KeyCheck``)."""

    section = ""
    label = ""

    def __init__(self, *args, key_check: KeyCheck | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_check = key_check
        if key_check is not None:
            key_check.register(self)

    def clean(self):
        super().clean()
        if self.key_check is None:
            return
        live = self.key_check.live_forms(self.section)
        whole: list[str] = []
        for problem in self.key_check.problems():
            match = _ITEM_PATH.match(problem.field)
            if match and match["section"] == self.section:
                index = int(match["index"])
                form_field = _FORM_FIELD.get(match["field"] or "")
                form = live[index] if index < len(live) else None
                title = "" if form is None else _row_title(self.section, form.cleaned_data)
                message = f"{self.label} {index + 1}{f' ({title})' if title else ''}: {problem.message}"
                if form is not None:
                    form.add_error(form_field, ValidationError(problem.message, code=problem.code))
                whole.append(message)
            elif not match and problem.field.split(".")[0] == self.section:
                whole.append(problem.message)
            elif problem.field == "differential" and self.section == "diagnosis":
                whole.append(f"Differential: {problem.message}.")
        if whole:
            raise ValidationError([ValidationError(m, code="key") for m in whole])


class FindingFormSet(KeyFormSet):
    section = "findings"
    label = "Finding"


class OrderRuleFormSet(KeyFormSet):
    section = "order_rules"
    label = "Order rule"


class DiagnosisFormSet(KeyFormSet):
    section = "diagnosis"
    label = "Diagnosis option"


class FindingForm(PlainNewlinesMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = (
            *("step", "occurrence", "tier", "weight", "any_of", "expert_position"),
            *("result", "table", "series", "rationale", "references"),
        )
        help_texts = {
            "table": 'Optional rows: [{"label": "Neutrophils", "value": "0.9", "unit": "×10⁹/L", "range": "2.0–7.5"}]',
            "series": 'Optional: {"label": "White cell count", "unit": "×10⁹/L", "low": 4.0, "high": 11.0, '
            '"points": [{"when": "Jan 2025", "value": 6.2}]}',
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django adds a hidden "initial" input for fields with callable
        # defaults, copying aria-describedby onto it (invalid HTML). JSON
        # compares equal without it: an untouched extra form posts "[]"/"{}".
        for name in ("table", "series"):
            self.fields[name].show_hidden_initial = False

    def clean_table(self):
        value = self.cleaned_data.get("table")
        if value in (None, "", []):
            return []
        problems = table_problems(value)
        if problems:
            raise ValidationError([ValidationError(row_message(p), code=p.code) for p in problems])
        return [row.to_json() for row in table_rows(value)]

    def clean_series(self):
        value = self.cleaned_data.get("series")
        if value in (None, "", {}):
            return {}
        problems = series_problems(value)
        if problems:
            raise ValidationError([ValidationError(row_message(p), code=p.code) for p in problems])
        return series_from_json(value).to_json()


def row_message(problem: FieldProblem) -> str:
    """``[1].label: ...`` -> ``row 2, label: ...`` (people count from one)."""
    where = re.sub(r"\[(\d+)\]", lambda m: f" row {int(m[1]) + 1}, ", problem.field).strip(" ,.")
    where = re.sub(r",\s*\.", ", ", where)
    return f"{where}: {problem.message}" if where else problem.message


class OrderRuleForm(PlainNewlinesMixin, forms.ModelForm):
    class Meta:
        model = OrderRule
        fields = (
            *("before", "before_occurrence", "after", "after_occurrence"),
            *("premature_counts_as_harmful", "rationale", "references"),
        )

    def clean(self):
        cleaned = super().clean()
        # Said here, on the field, before the model's check constraint
        # (rule_between_two_steps) reports it with its bare name.
        before, after = cleaned.get("before"), cleaned.get("after")
        if before is not None and before == after:
            self.add_error("after", ValidationError("An order rule joins two different steps.", code="same_step"))
        return cleaned


class DiagnosisOptionForm(PlainNewlinesMixin, forms.ModelForm):
    class Meta:
        model = DiagnosisOption
        fields = ("cause", "credit", "rationale", "references")


class CasePartInline(LockedWithParentInline, admin.StackedInline):
    """A part of a case (labs, the key): read-only on an approved case, like the case itself."""


class InitialLabInline(CasePartInline):
    # Stacked, not tabular: a tabular inline's inputs have column headings but
    # no labels, which screen readers (and axe) cannot tie to the inputs.
    model = InitialLab
    extra = 1
    fields = (("name", "value", "unit"), ("reference_range", "flag", "position"))


class FindingInline(CasePartInline):
    model = Finding
    form = FindingForm
    formset = FindingFormSet
    extra = 1
    fields = (
        ("step", "occurrence", "tier"),
        ("weight", "any_of", "expert_position"),
        *("result", "table", "series", "rationale", "references"),
    )
    verbose_name = "finding (one keyed occurrence of a catalogue entry)"
    verbose_name_plural = (
        "Findings: the key, one per catalogue entry and occurrence (occurrence 2 is the second time "
        "the learner orders the entry: a follow-up count)"
    )


class OrderRuleInline(CasePartInline):
    model = OrderRule
    form = OrderRuleForm
    formset = OrderRuleFormSet
    fk_name = "case"
    extra = 1
    fields = (
        ("before", "before_occurrence"),
        ("after", "after_occurrence"),
        *("premature_counts_as_harmful", "rationale", "references"),
    )
    verbose_name_plural = (
        "Order rules: “before” (that occurrence) must be chosen before “after” (that occurrence); both keyed above"
    )


class DiagnosisOptionInline(CasePartInline):
    model = DiagnosisOption
    form = DiagnosisOptionForm
    formset = DiagnosisFormSet
    extra = 1
    fields = ("cause", "credit", "rationale", "references")
    verbose_name_plural = "Diagnosis key: exactly one cause with credit 1, others partial (0 to 1)"
