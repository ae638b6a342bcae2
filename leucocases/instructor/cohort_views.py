"""Cohort pages for instructors: the join code (shown, renewed) and roster uploads.

The rules — learners only, a roster all or nothing — are
``quizzes.cohort_enrolment``'s; these views read the form and show the outcome.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leucocases.editorial.access import instructor_required
from leucocases.quizzes.cohort_enrolment import RosterResult, cohort_join_code_renew, cohort_roster_enrol
from leucocases.quizzes.models import Cohort

from .forms import RosterUploadForm


@instructor_required
@require_GET
def cohort_list(request: HttpRequest) -> HttpResponse:
    cohorts = Cohort.objects.annotate(learner_count=Count("learners")).prefetch_related("quizzes").order_by("name")
    return render(request, "instructor/cohorts.html", {"cohorts": cohorts})


def _detail(request: HttpRequest, cohort: Cohort, form: RosterUploadForm, result: RosterResult | None):
    context = {
        "cohort": cohort,
        "learners": cohort.learners.order_by("username"),
        "form": form,
        "result": result,
        "join_url": request.build_absolute_uri(reverse("quizzes:join")),
    }
    return render(request, "instructor/cohort.html", context)


@instructor_required
@require_http_methods(["GET", "POST"])
def cohort_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the cohort, its join code and learners. POST: a roster file to enrol."""
    cohort = get_object_or_404(Cohort, slug=slug)
    if request.method != "POST":
        return _detail(request, cohort, RosterUploadForm(), None)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, cohort, form, None)
    result = cohort_roster_enrol(cohort=cohort, data=form.cleaned_data["roster"].read())
    if not result.ok:
        return _detail(request, cohort, RosterUploadForm(), result)
    added, already = len(result.added), len(result.already)
    summary = f"Enrolled {added} learner{'s' if added != 1 else ''} in {cohort.name}"
    if already:
        summary += f"; {already} {'was' if already == 1 else 'were'} in it already"
    messages.success(request, summary + ".")
    return redirect("instructor:cohort", slug=cohort.slug)


@instructor_required
@require_POST
def cohort_join_code(request: HttpRequest, slug: str) -> HttpResponse:
    """Renew the join code: the old one stops working at once."""
    cohort = get_object_or_404(Cohort, slug=slug)
    cohort_join_code_renew(cohort=cohort)
    messages.success(
        request, f"New join code for {cohort.name}: {cohort.join_code_shown}. The old code no longer works."
    )
    return redirect("instructor:cohort", slug=cohort.slug)
