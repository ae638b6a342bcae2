"""Forms for listing and playing cases, and for commenting on one under review.
Validation lives here, with codes."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

from leucocases.editorial.content_version import remember
from leucocases.latefragments import defer
from leucocases.taxonomy.diagnosis_menu import diagnosis_menu
from leucocases.taxonomy.models import Cause, WorkupStep
from leucocases.taxonomy.workup_catalogue import workup_catalogue

from .checkpoint_forms import CheckpointForm
from .models import Case, CaseLabel
from .models.attempts import CERTAINTY_CHOICES


class KeptSelect(forms.Select):
    """A ``<select>`` each worker renders once per content version and chosen option.

    Django writes every option through a widget template: for the case list's
    two filters that was a fifth of the page's time, on every request, for
    markup that changes only when an author edits the labels. A value that is
    not one of the options (a hand-typed query string) is rendered afresh, so
    junk cannot fill the worker's memory.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = "" if value is None else str(value)
        if chosen and chosen not in {str(option) for option, _ in self.choices}:
            return super().render(name, value, attrs, renderer)
        key = ("kept-select", name, chosen, tuple(sorted((attrs or {}).items())))
        return remember(key, lambda: super(KeptSelect, self).render(name, value, attrs, renderer))


class CaseFilterForm(forms.Form):
    """The GET filter on /cases/: by label and difficulty, both optional.

    Never by cause group: a case's groups are part of its answer, so listing
    the cases of a group would tell the learner what each one teaches.
    """

    label = forms.ModelChoiceField(
        queryset=CaseLabel.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any presentation",
        label="Presentation",
        widget=KeptSelect(attrs={"class": "form-select"}),
    )
    difficulty = forms.TypedChoiceField(
        choices=[("", "Any difficulty"), *Case.Difficulty.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label="Difficulty",
        widget=KeptSelect(attrs={"class": "form-select"}),
    )

    def filter(self, cases):
        """Narrow ``cases`` by whatever valid filters were given."""
        if not self.is_valid():
            return cases
        if label := self.cleaned_data.get("label"):
            cases = cases.filter(labels=label)
        if difficulty := self.cleaned_data.get("difficulty"):
            cases = cases.filter(difficulty=difficulty)
        return cases


#: The longest menu filter kept: longer text names no entry anyway.
MENU_QUERY_MAX_LENGTH = 100


class ChooseStepForm(forms.Form):
    """One entry from the whole catalogue, named by its slug.

    ``position`` is where the page put the next choice (what makes a resent
    form harmless: ``attempts.attempt_choose_step``); ``menu`` carries the
    menu filter the learner had typed, so the page comes back filtered.
    """

    step = forms.SlugField(max_length=160)
    position = forms.IntegerField(min_value=1, max_value=32767, required=False)
    menu = forms.CharField(max_length=MENU_QUERY_MAX_LENGTH, required=False)

    def clean_step(self) -> WorkupStep:
        slug = self.cleaned_data["step"]
        step = workup_catalogue().by_slug.get(slug)
        if step is None:
            raise forms.ValidationError("There is no workup step %(slug)s.", code="unknown_step", params={"slug": slug})
        return step


class DiagnosisSelect(forms.Select):
    """A ``<select>`` of every published cause, grouped, from the shared cached menu.

    Django's Select renders each option through a template; with a large
    taxonomy that was most of the play page's time. This one writes the same
    markup from ``diagnosis_menu`` (already escaped), keeping the attributes the
    bound field adds (id, required, aria-describedby, aria-invalid).
    """

    def use_required_attribute(self, initial) -> bool:
        return True  # the first option is the empty "Choose a cause…"

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        # Deferred: a list of every cause, put in after rendering (latefragments).
        options = defer(diagnosis_menu().options_html(str(value) if value else None))
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")  # noqa: S308 - parts escaped


class DiagnosisForm(forms.Form):
    """The learner's diagnosis: one cause from the whole published taxonomy,
    and how certain they are of it (low, medium or high; required, so that
    calibration and certainty-based marking count every answer).

    The list is grouped by cause group (``<optgroup>``s); nothing in it says
    which cause a case keys. A submitted slug is checked against the database,
    not against the (cached) list.
    """

    diagnosis = forms.CharField(
        label="The most likely cause",
        help_text="Every cause in the taxonomy is listed, grouped by cause group.",
        widget=DiagnosisSelect(attrs={"class": "form-select", "data-cause-select": ""}),
        error_messages={"required": "Choose the cause you think most likely."},
    )

    certainty = forms.ChoiceField(
        label="How certain are you of this diagnosis?",
        choices=CERTAINTY_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say how certain you are of your diagnosis: low, medium or high.",
            "invalid_choice": "Choose low, medium or high certainty.",
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Before the final diagnosis, a case that keys a differential asks for
        # one too (cases/includes/checkpoint_final.html shows the fields then).
        self.final_checkpoint = CheckpointForm(self.data if self.is_bound else None, prefix="final")

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.is_bound and not self.final_checkpoint.is_valid():
            self.add_error(None, forms.ValidationError("Correct your differential.", code="checkpoint"))
        return cleaned

    def clean_diagnosis(self) -> Cause:
        slug = self.cleaned_data["diagnosis"]
        cause = Cause.objects.published().select_related("group").filter(slug=slug).first()
        if cause is None:
            raise forms.ValidationError("Choose a cause from the list.", code="unknown_cause")
        return cause

    def submission(self) -> dict:
        """The keyword arguments ``attempts.attempt_submit`` takes from this form."""
        final = self.final_checkpoint
        return {
            "diagnosis": self.cleaned_data["diagnosis"],
            "certainty": self.cleaned_data["certainty"],
            "final_checkpoint": None if final.is_blank else final.answer(),
        }


class ReviewCommentForm(forms.Form):
    body = forms.CharField(
        label="New comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Markdown. Comments cannot be edited or deleted once posted.",
    )
