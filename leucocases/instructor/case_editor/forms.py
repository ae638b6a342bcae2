"""The editor's forms: the case's own fields, one form per catalogue entry
and occurrence (the grid), and the small formsets (initial results, order
rules, diagnosis options).

Each form turns what it holds into a case-file record (``spec``); the key's
rules across forms are checked by ``validation``. Field rules the admin
already has are reused: the case form is the admin's (scoring checks), the
order-rule and diagnosis forms are the admin's inline forms with checklists
for citations, and a finding's table and series are checked by the
case-file schema (``table_problems``, ``series_problems``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from leucocases.cases.admin.case_form import BAND_FIELDS, SCORING_FIELDS, CaseAdminForm, plain_text
from leucocases.cases.admin.key_inlines import DiagnosisOptionForm, OrderRuleForm, row_message
from leucocases.cases.casefile import (
    DIFFICULTIES,
    DiagnosisSpec,
    FindingSpec,
    LabRow,
    OrderRuleSpec,
    plain_number,
    series_from_json,
    series_problems,
    table_problems,
    table_rows,
)
from leucocases.cases.grading import GradeBands, ScoringSettings
from leucocases.cases.models import Case, InitialLab, Tier
from leucocases.taxonomy.models import Reference, WorkupStep

_DIFFICULTY_NAMES = {value: name for name, value in DIFFICULTIES.items()}
NOT_KEYED = ""
#: Blank rows offered under a finding's table and series, beyond those filled.
BLANK_ROWS = 2


def reference_choices() -> list[tuple[str, str]]:
    """The reference list as citation choices, by key (as case files cite): read
    once per page, not once per entry (the grid has about ninety)."""
    return [(r.key, f"[{r.number}] {r.title}") for r in Reference.objects.order_by("number")]


class CaseFieldsForm(CaseAdminForm):
    """The case's own fields and scoring; the admin form's checks (scoring rules, practice flag)."""

    class Meta:
        model = Case
        fields = (
            *("title", "presentation", "learning_objectives", "groups", "labels", "difficulty", "is_practice"),
            *SCORING_FIELDS,
            *BAND_FIELDS.values(),
        )
        widgets = {
            "groups": forms.CheckboxSelectMultiple,
            "labels": forms.CheckboxSelectMultiple,
            "presentation": forms.Textarea(attrs={"rows": 6}),
            "learning_objectives": forms.Textarea(attrs={"rows": 3}),
        }

    def spec_fields(self) -> dict[str, Any]:
        """The case-file fields this form holds (call once valid)."""
        data = self.cleaned_data
        bands = GradeBands.from_mapping({letter: data[name] for letter, name in BAND_FIELDS.items()})
        return {
            "title": data["title"],
            "difficulty": _DIFFICULTY_NAMES[int(data["difficulty"])],
            "practice": data["is_practice"],
            "groups": tuple(g.slug for g in data["groups"]),
            "labels": tuple(label.slug for label in data["labels"]),
            "presentation": plain_text(data["presentation"]),
            "learning_objectives": plain_text(data["learning_objectives"]),
            "scoring": ScoringSettings(**{n: data[n] for n in SCORING_FIELDS}, grade_bands=bands),
            "differential": self.expert_differential(),
        }


class EntryForm(forms.Form):
    """One occurrence of one catalogue entry: keyed or not (the tier), and
    everything a finding holds. Prefix ``e-<slug>-<occurrence>``."""

    tier = forms.ChoiceField(choices=[(NOT_KEYED, "Not keyed"), *Tier.choices], required=False)
    expert_position = forms.IntegerField(min_value=1, max_value=32767, required=False)
    weight = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=5, decimal_places=2, required=False, initial=Decimal(1)
    )
    any_of = forms.CharField(label="Any-of group", max_length=60, required=False)
    result = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    references = forms.MultipleChoiceField(label="Citations", required=False, widget=forms.CheckboxSelectMultiple)
    series_label = forms.CharField(label="Series label", max_length=120, required=False)
    series_unit = forms.CharField(label="Unit", max_length=40, required=False)
    series_low = forms.FloatField(label="Low limit", required=False)
    series_high = forms.FloatField(label="High limit", required=False)

    TABLE_CELLS = ("label", "value", "unit", "range")
    POINT_CELLS = ("when", "value")

    def __init__(
        self,
        *args: Any,
        step: WorkupStep,
        occurrence: int,
        table_rows: int,
        points: int,
        references: list[tuple[str, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, prefix=f"e-{step.slug}-{occurrence}", **kwargs)
        self.fields["references"].choices = references
        self.step, self.occurrence = step, occurrence
        self.is_last = True  # the entry's last occurrence on the page (the editor says)
        self.table_count, self.point_count = table_rows, points
        for i in range(table_rows):
            for cell in self.TABLE_CELLS:
                self.fields[f"table-{i}-{cell}"] = forms.CharField(label=cell.capitalize(), required=False)
        for i in range(points):
            self.fields[f"point-{i}-when"] = forms.CharField(label="When", max_length=60, required=False)
            self.fields[f"point-{i}-value"] = forms.FloatField(label="Value", required=False)

    @property
    def title(self) -> str:
        """The entry as an author names it: its name, and its occurrence after the first."""
        return self.step.name if self.occurrence == 1 else f"{self.step.name}, occurrence {self.occurrence}"

    def table_grid(self) -> list[list[forms.BoundField]]:
        return [[self[f"table-{i}-{cell}"] for cell in self.TABLE_CELLS] for i in range(self.table_count)]

    def point_grid(self) -> list[list[forms.BoundField]]:
        return [[self[f"point-{i}-{cell}"] for cell in self.POINT_CELLS] for i in range(self.point_count)]

    @property
    def is_keyed(self) -> bool:
        value = self.cleaned_data.get("tier") if hasattr(self, "cleaned_data") else self["tier"].value()
        return bool(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["table"] = self._table()
        data["series"] = self._series()
        if not data.get("tier"):
            return data
        for name in ("result", "rationale"):
            if not (data.get(name) or "").strip():
                self.add_error(name, ValidationError("A keyed entry needs this.", code="required"))
        if "references" in data and not data["references"]:
            self.add_error("references", ValidationError("Cite at least one reference.", code="required"))
        return data

    def _table(self) -> list[dict[str, str]]:
        rows = []
        for i in range(self.table_count):
            cells = {cell: (self.cleaned_data.get(f"table-{i}-{cell}") or "").strip() for cell in self.TABLE_CELLS}
            if any(cells.values()):
                rows.append({k: v for k, v in cells.items() if v or k in ("label", "value")})
        for problem in table_problems(rows):
            self.add_error(None, ValidationError(f"Table {row_message(problem)}", code=problem.code))
        return rows

    def _series(self) -> dict[str, Any]:
        get = self.cleaned_data.get
        points = []
        for i in range(self.point_count):
            when, value = (get(f"point-{i}-when") or "").strip(), get(f"point-{i}-value")
            if when or value is not None:
                points.append({"when": when, "value": value})
        label = (get("series_label") or "").strip()
        if not (label or points):
            return {}
        series: dict[str, Any] = {"label": label, "points": points}
        if unit := (get("series_unit") or "").strip():
            series["unit"] = unit
        for end in ("low", "high"):
            if get(f"series_{end}") is not None:
                series[end] = get(f"series_{end}")
        for problem in series_problems(series):
            self.add_error(None, ValidationError(f"Series {row_message(problem)}", code=problem.code))
        return series

    def spec(self) -> FindingSpec | None:
        """The finding this form keys (None when not keyed); reads what validated."""
        data = getattr(self, "cleaned_data", {})
        if not data.get("tier"):
            return None
        weight = data.get("weight")
        table, series = data.get("table") or [], data.get("series") or {}
        return FindingSpec(
            step=self.step.slug,
            occurrence=self.occurrence,
            tier=data["tier"],
            weight=1 if weight is None else plain_number(weight),
            any_of=(data.get("any_of") or "").strip(),
            expert_position=data.get("expert_position"),
            result=plain_text(data.get("result") or ""),
            rationale=plain_text(data.get("rationale") or ""),
            citations=tuple(data.get("references") or ()),
            table=tuple(table_rows(table)) if not self.has_error(None) else (),
            series=series_from_json(series) if series and not self.has_error(None) else None,
        )


def entry_initial(spec: FindingSpec) -> dict[str, Any]:
    """An ``EntryForm``'s initial values from a finding's record."""
    initial: dict[str, Any] = {
        "tier": spec.tier,
        "expert_position": spec.expert_position,
        "weight": spec.weight,
        "any_of": spec.any_of,
        "result": spec.result,
        "rationale": spec.rationale,
        "references": list(spec.citations),
    }
    for i, row in enumerate(spec.table):
        initial |= {f"table-{i}-{cell}": getattr(row, cell) for cell in EntryForm.TABLE_CELLS}
    if spec.series is not None:
        s = spec.series
        initial |= {"series_label": s.label, "series_unit": s.unit, "series_low": s.low, "series_high": s.high}
        for i, point in enumerate(s.points):
            initial |= {f"point-{i}-when": point.when, f"point-{i}-value": point.value}
    return initial


class LabForm(forms.ModelForm):
    """One row of the initial results."""

    class Meta:
        model = InitialLab
        fields = ("name", "value", "unit", "reference_range", "flag")

    def spec(self) -> LabRow:
        d = self.cleaned_data
        return LabRow(name=d["name"], value=d["value"], unit=d["unit"], range=d["reference_range"], flag=d["flag"])


#: A keyed row's citations as checkboxes and a short rationale box.
CITED_WIDGETS = {"references": forms.CheckboxSelectMultiple, "rationale": forms.Textarea(attrs={"rows": 2})}


class CitedByKey(forms.ModelForm):
    """A keyed row of the editor: its citations are posted by reference key
    (as the editor's case-file rows name them), listed in reference order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["references"].to_field_name = "key"
        self.fields["references"].queryset = Reference.objects.order_by("number")

    def citation_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.cleaned_data.get("references") or ())


class RuleForm(CitedByKey, OrderRuleForm):
    class Meta(OrderRuleForm.Meta):
        widgets = CITED_WIDGETS

    def spec(self) -> OrderRuleSpec:
        d = self.cleaned_data
        return OrderRuleSpec(
            before=d["before"].slug,
            after=d["after"].slug,
            before_occurrence=d.get("before_occurrence") or 1,
            after_occurrence=d.get("after_occurrence") or 1,
            rationale=plain_text(d.get("rationale") or ""),
            citations=self.citation_keys(),
            counts_as_harmful=bool(d.get("premature_counts_as_harmful")),
        )


class DiagnosisForm(CitedByKey, DiagnosisOptionForm):
    class Meta(DiagnosisOptionForm.Meta):
        widgets = CITED_WIDGETS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cause"].to_field_name = "slug"

    def spec(self) -> DiagnosisSpec:
        d = self.cleaned_data
        return DiagnosisSpec(
            cause=d["cause"].slug,
            credit=plain_number(d["credit"]),
            rationale=plain_text(d.get("rationale") or ""),
            citations=self.citation_keys(),
        )


LabFormSet = forms.formset_factory(LabForm, extra=2, can_delete=True)
RuleFormSet = forms.formset_factory(RuleForm, extra=1, can_delete=True)
DiagnosisFormSet = forms.formset_factory(DiagnosisForm, extra=2, can_delete=True)
