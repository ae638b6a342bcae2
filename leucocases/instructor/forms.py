"""Forms of the instructor pages and of the case admin's review comments."""

from __future__ import annotations

from django import forms

from leucocases.cases.models import Case
from leucocases.quizzes.models import Cohort, Quiz

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
