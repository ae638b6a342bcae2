"""Forms for listing and playing cases. Validation lives here, with codes."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms

from leucocases.taxonomy.models import Cause, CauseGroup, WorkupStep

from .models import Case


class CaseFilterForm(forms.Form):
    """The GET filter on /cases/: by cause group and difficulty, both optional."""

    group = forms.ModelChoiceField(
        queryset=CauseGroup.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="All cause groups",
        label="Cause group",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    difficulty = forms.TypedChoiceField(
        choices=[("", "Any difficulty"), *Case.Difficulty.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label="Difficulty",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def filter(self, cases):
        """Narrow ``cases`` by whatever valid filters were given."""
        if not self.is_valid():
            return cases
        if group := self.cleaned_data.get("group"):
            cases = cases.filter(groups=group)
        if difficulty := self.cleaned_data.get("difficulty"):
            cases = cases.filter(difficulty=difficulty)
        return cases


class ChooseStepForm(forms.Form):
    """One workup step from the whole catalogue, named by its slug."""

    step = forms.SlugField(max_length=160)

    def clean_step(self) -> WorkupStep:
        slug = self.cleaned_data["step"]
        try:
            return WorkupStep.objects.get(slug=slug)
        except WorkupStep.DoesNotExist:
            raise forms.ValidationError(
                "There is no workup step %(slug)s.", code="unknown_step", params={"slug": slug}
            ) from None


class DiagnosisForm(forms.Form):
    """The learner's diagnosis: one cause from the whole published taxonomy.

    The choices are grouped by cause group (rendered as ``<optgroup>``s) and
    built from one query; nothing in them says which cause a case keys.
    """

    diagnosis = forms.ChoiceField(
        label="The most likely cause",
        help_text="Every cause in the taxonomy is listed, grouped by cause group.",
        widget=forms.Select(attrs={"class": "form-select", "data-cause-select": ""}),
    )

    def __init__(self, *args, causes: Iterable[Cause] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if causes is None:
            causes = Cause.objects.published().select_related("group")
        self.causes = {cause.slug: cause for cause in causes}
        grouped: dict[str, list[tuple[str, str]]] = {}
        for cause in self.causes.values():
            grouped.setdefault(cause.group.name, []).append((cause.slug, cause.name))
        self.fields["diagnosis"].choices = [("", "Choose a cause…"), *grouped.items()]
        self.fields["diagnosis"].error_messages["required"] = "Choose the cause you think most likely."
        self.fields["diagnosis"].error_messages["invalid_choice"] = "Choose a cause from the list."

    def clean_diagnosis(self) -> Cause:
        slug = self.cleaned_data["diagnosis"]
        cause = self.causes.get(slug)
        if cause is None:
            raise forms.ValidationError("Choose a cause from the list.", code="unknown_cause")
        return cause
