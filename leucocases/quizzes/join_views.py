"""A learner enters a cohort by typing its join code (``cohort_enrolment``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .cohort_enrolment import cohort_join


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=20,
        help_text="The eight letters and digits your instructor gave you, such as ABCD-EF23 (capitals or not).",
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_join_page(request: HttpRequest) -> HttpResponse:
    form = JoinCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = cohort_join(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            if outcome.joined:
                messages.success(request, f"You joined {outcome.cohort.name}. Its quizzes are listed below.")
            else:
                messages.info(request, f"You are already in {outcome.cohort.name}.")
            return redirect("quizzes:list")
    return render(request, "quizzes/join.html", {"form": form})
