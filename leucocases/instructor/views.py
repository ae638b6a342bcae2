"""Instructor pages: index, cohort results (HTML and CSV), item analysis,
regrade, and any learner's report.

Thin views: read input, call a selector or service, render. Every view is
wrapped in ``instructor_required`` (see ``editorial.access``), outermost, so an
anonymous visitor is sent to log in whatever the method.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leucocases.cases.grading import InvalidKeyError, Report, Verdict
from leucocases.cases.models import Attempt, Case, GradedReport
from leucocases.cases.services import report_display
from leucocases.cases.verdicts import occurrence_name
from leucocases.editorial.access import instructor_required
from leucocases.quizzes.models import Quiz

from . import calibration, reasoning, selectors, services
from .forms import AnalysisScopeForm, CohortFilterForm, RegradeApplyForm


@instructor_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    context = {"quizzes": selectors.quizzes_for_index(), "cases": selectors.cases_for_index()}
    return render(request, "instructor/index.html", context)


def _results(request: HttpRequest, slug: str):
    quiz = get_object_or_404(Quiz, slug=slug)
    form = CohortFilterForm(request.GET or None)
    return quiz, form, selectors.quiz_results(quiz=quiz, cohort=form.selected())


@instructor_required
@require_GET
def quiz_results(request: HttpRequest, slug: str) -> HttpResponse:
    quiz, form, results = _results(request, slug)
    csv_url = reverse("instructor:quiz_results_csv", kwargs={"slug": quiz.slug})
    if results.cohort is not None:
        csv_url += f"?cohort={results.cohort.slug}"
    comparisons = reasoning.quiz_comparisons(quiz=quiz, cohort=results.cohort)
    context = {
        "quiz": quiz,
        "form": form,
        "results": results,
        "csv_url": csv_url,
        "calibration": calibration.cohort_calibration(results),
        "differentials": reasoning.quiz_differentials(cases=results.cases, comparisons=comparisons),
    }
    return render(request, "instructor/results.html", context)


@instructor_required
@require_GET
def quiz_results_csv(request: HttpRequest, slug: str) -> HttpResponse:
    quiz, _form, results = _results(request, slug)
    stamp = timezone.now().strftime("%Y%m%d")
    cohort = f"-{results.cohort.slug}" if results.cohort is not None else ""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{quiz.slug}{cohort}-results-{stamp}.csv"'
    comparisons = reasoning.quiz_comparisons(quiz=quiz, cohort=results.cohort)
    selectors.quiz_results_csv(results=results, out=response, comparisons=comparisons)
    return response


@instructor_required
@require_GET
def quiz_analysis(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = get_object_or_404(Quiz, slug=slug)
    return render(request, "instructor/quiz_analysis.html", {"quiz": quiz, "qa": selectors.quiz_analysis(quiz=quiz)})


@instructor_required
@require_GET
def case_analysis(request: HttpRequest, slug: str) -> HttpResponse:
    case = get_object_or_404(Case, slug=slug)
    form = AnalysisScopeForm(request.GET or None, case=case)
    analysis = selectors.case_analysis(case=case, scope=form.selected())
    return render(request, "instructor/case_analysis.html", {"case": case, "form": form, "ca": analysis})


@instructor_required
@require_http_methods(["GET", "POST"])
def case_regrade(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the preview (nothing stored). POST: apply it, then back to the preview."""
    case = get_object_or_404(Case, slug=slug)
    if request.method == "POST":
        form = RegradeApplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The regrade form was incomplete; nothing was changed.")
            return redirect(request.path)
        try:
            result = services.case_regrade_apply(
                case=case, user=request.user, fingerprint=form.cleaned_data["fingerprint"]
            )
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
            return redirect(request.path)
        except InvalidKeyError:
            messages.error(request, "The case's key cannot be graded; nothing was changed.")
            return redirect(request.path)
        if result.changed:
            messages.success(
                request,
                f"Regraded: {result.changed} report{'s' if result.changed != 1 else ''} replaced "
                f"(the earlier ones are kept); {result.unchanged} unchanged.",
            )
        else:
            messages.info(request, "Nothing to regrade: every report already matches the current key.")
        return redirect(request.path)
    preview = services.case_regrade_preview(case=case)
    form = RegradeApplyForm(initial={"fingerprint": preview.fingerprint})
    return render(request, "instructor/regrade.html", {"case": case, "preview": preview, "form": form})


@instructor_required
@require_GET
def attempt_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Any learner's stored report on an attempt, and its earlier versions."""
    attempt = get_object_or_404(
        Attempt.objects.select_related("case", "user", "diagnosis", "quiz_case__quiz_attempt__quiz"), pk=pk
    )
    history = list(GradedReport.objects.filter(attempt=attempt).order_by("-created_at", "-pk"))
    if not history:
        raise Http404("This attempt has no report yet.")
    wanted = request.GET.get("report", "")
    graded = next((g for g in history if str(g.pk) == wanted), None) if wanted else None
    if graded is None:
        graded = next((g for g in history if g.superseded_at is None), history[0])
    display = report_display(report=Report.from_dict(graded.data))
    # Each line with its entry's name for that occurrence ("Repeat CBC (2nd time)").
    lines = [
        (shown, occurrence_name(shown.step_name, line.occurrence))
        for shown, line in zip(display.lines, display.report.lines, strict=True)
    ]
    context = {
        "attempt": attempt,
        "case": attempt.case,
        "graded": graded,
        "history": history,
        "r": display.report,
        "d": display,
        "lines": lines,
        "never_lines": [(shown, name) for shown, name in lines if shown.verdict == Verdict.NEVER],
    }
    return render(request, "instructor/report.html", context)
