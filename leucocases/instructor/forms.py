"""Forms of the instructor pages and of the case admin's review comments."""

from __future__ import annotations

from typing import Any

from django import forms

from leucocases.cases.models import Case
from leucocases.quizzes.models import Cohort, Quiz

from .case_files import MAX_FILE_BYTES, MAX_FILES
from .selectors import SCOPE_ALL, SCOPE_PRACTICE


class CohortFilterForm(forms.Form):
    """The GET filter of the results page: one cohort, or everyone."""

    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="All learners",
        label="Cohort",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def selected(self) -> Cohort | None:
        return self.cleaned_data.get("cohort") if self.is_valid() else None


class AnalysisScopeForm(forms.Form):
    """The GET filter of a case's analysis: which attempts count."""

    scope = forms.ChoiceField(
        label="Attempts",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        quizzes = Quiz.objects.filter(items__case=case).order_by("title").distinct()
        self.fields["scope"].choices = [
            (SCOPE_ALL, "All submitted attempts"),
            (SCOPE_PRACTICE, "Practice attempts only"),
            *((f"quiz:{quiz.slug}", f"In the quiz “{quiz.title}”") for quiz in quizzes),
        ]

    def selected(self) -> str:
        if self.is_valid():
            return self.cleaned_data.get("scope") or SCOPE_ALL
        return SCOPE_ALL


class RegradeApplyForm(forms.Form):
    """Posted by the preview page: the key it was computed with."""

    fingerprint = forms.CharField(max_length=64, widget=forms.HiddenInput)


class RosterUploadForm(forms.Form):
    """A cohort's roster: a CSV file of usernames or e-mail addresses (``quizzes.cohort_enrolment``)."""

    roster = forms.FileField(
        label="Roster file (CSV)",
        help_text="One learner per line: a username or an e-mail address. A first row naming the column "
        "(username, email) is fine; other columns are ignored.",
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): cleans to a list."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = list(data) if isinstance(data, (list, tuple)) else [data] if data else []
        if not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(one, initial) for one in files]


class CaseFilesForm(forms.Form):
    """One or more case files to check or import (``case_files``)."""

    files = MultipleFileField(
        label="Case files (YAML or JSON)",
        help_text="Choose one or more files in the format of docs/case-format.md.",
    )

    def clean_files(self) -> list[Any]:
        uploads = self.cleaned_data["files"]
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(f"Upload at most {MAX_FILES} files at once.", code="too_many")
        large = [upload.name for upload in uploads if upload.size > MAX_FILE_BYTES]
        if large:
            raise forms.ValidationError(
                "Too large for a case file (over %(mb)s MB): %(names)s.",
                code="too_large",
                params={"mb": MAX_FILE_BYTES // 1_000_000, "names": ", ".join(large)},
            )
        return uploads
