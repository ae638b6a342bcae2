"""The case's own form in the admin: text as case files store it, and the scoring settings.

The scoring rules are the grading engine's (``casefile.scoring_problems``); the
form only puts each problem on the field it concerns.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .. import policies
from ..casefile import scoring_problems
from ..grading import GradeBands, ScoringSettings
from ..models import Case
from .differential_form import DifferentialFieldsMixin

#: The engine's scoring numbers: each is a case field of the same name.
SCORING_FIELDS = ScoringSettings.NUMBERS
#: Grade letter -> the case's column for its lowest total.
BAND_FIELDS = {letter: f"grade_band_{letter.lower()}" for letter in GradeBands.LETTERS}


def plain_text(value: str) -> str:
    """Text as a form stores it: LF line endings, no surrounding whitespace."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class PlainNewlinesMixin:
    """Browsers send textarea line breaks as CRLF, and a form strips the final
    newline a case file's text ends with. Text that differs from what is stored
    only in those ways is unchanged: not reported in the change history (it
    once listed every text field after a difficulty-only edit) and not
    rewritten. Changed text is stored with LF, like case files, so an edited
    case exports as readable ``|`` blocks."""

    @property
    def changed_data(self) -> list[str]:
        return [name for name in super().changed_data if not self._same_text(name)]

    def _same_text(self, name: str) -> bool:
        field = self.fields.get(name)
        if not isinstance(field, forms.CharField):
            return False
        initial, data = self.get_initial_for_field(field, name), self[name].data
        return isinstance(initial, str) and isinstance(data, str) and plain_text(initial) == plain_text(data)

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if not isinstance(value, str):
                continue
            if self.instance.pk is not None and self._same_text(name):
                cleaned[name] = self.get_initial_for_field(self.fields[name], name)
            elif "\r" in value:
                cleaned[name] = plain_text(value)
        return cleaned


class CaseAdminForm(DifferentialFieldsMixin, PlainNewlinesMixin, forms.ModelForm):
    class Meta:
        model = Case
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown
        widgets = {"groups": forms.CheckboxSelectMultiple, "labels": forms.CheckboxSelectMultiple}

    def clean_is_practice(self):
        is_practice = self.cleaned_data["is_practice"]
        # A draft of changes is published into its case: the exams that hold that case count.
        case = self.instance.draft_of if self.instance.draft_of_id else self.instance
        if problems := policies.practice_flag_problems(case=case, is_practice=is_practice):
            raise ValidationError(problems)
        return is_practice

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) for name in SCORING_FIELDS}
        bands = {letter: cleaned.get(name) for letter, name in BAND_FIELDS.items()}
        if any(value is None for value in (*values.values(), *bands.values())):
            return cleaned  # a field error is already shown
        for problem in scoring_problems(ScoringSettings(**values, grade_bands=bands)):
            name = problem.field.removeprefix("scoring.")
            name = BAND_FIELDS.get(name.removeprefix("grade_bands."), name)
            if name in SCORING_FIELDS or name in BAND_FIELDS.values():
                self.add_error(name, ValidationError(problem.message, code=problem.code))
            else:  # the weights' sum
                error = ValidationError(problem.message, code=problem.code)
                self.add_error("workup_weight", error)
                self.add_error("diagnosis_weight", error)
        return cleaned
