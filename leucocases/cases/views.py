"""Case list, play page, choosing a step, submitting, and the report.

Thin views: read input, call a service or queryset, render. Every page works
without JavaScript (forms post and redirect); with htmx, choosing a step
swaps in the results list (``cases/play.html#chosen-steps``) instead.

Before an attempt is submitted nothing from the answer key reaches the
browser: the play page gets results only (``services.attempt_chosen_steps``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from leucocases.taxonomy.models import Cause, WorkupStep

from . import services
from .forms import CaseFilterForm, ChooseStepForm, DiagnosisForm
from .grading import InvalidKeyError, Report
from .models import Attempt, Case

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MenuStep:
    """A catalogue entry on the play page; ``position`` is set once ordered."""

    step: WorkupStep
    position: int | None = None


@dataclass(frozen=True, slots=True)
class MenuCategory:
    label: str
    slug: str
    steps: tuple[MenuStep, ...]


def _cases_for(request: HttpRequest):
    # Practice cases are open to everyone; other approved cases (used in
    # quizzes) need an account (Case.is_practice).
    return Case.objects.playable() if request.user.is_authenticated else Case.objects.practice()


def _owned_attempts(request: HttpRequest):
    return Attempt.objects.owned_by(user=request.user, session_key=request.session.session_key)


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect a plain request; tell htmx to load the page instead of swapping."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _step_menu(chosen: list[services.ChosenStep]) -> list[MenuCategory]:
    positions = {item.step.pk: item.position for item in chosen}
    by_category: dict[str, list[MenuStep]] = {}
    for step in WorkupStep.objects.all():
        by_category.setdefault(step.category, []).append(MenuStep(step=step, position=positions.get(step.pk)))
    categories = [
        MenuCategory(label=label, slug=value, steps=tuple(by_category.pop(value)))
        for value, label in WorkupStep.Category.choices
        if value in by_category
    ]
    # Steps in a category added after this code was written still appear.
    categories += [MenuCategory(label=key, slug=key, steps=tuple(steps)) for key, steps in by_category.items()]
    return categories


def _play_context(
    request: HttpRequest, *, case: Case, attempt: Attempt | None, diagnosis_form: DiagnosisForm | None = None
) -> dict:
    chosen = services.attempt_chosen_steps(attempt=attempt) if attempt is not None else []
    if diagnosis_form is None:
        diagnosis_form = DiagnosisForm()
    previous = _owned_attempts(request).submitted().filter(case=case).order_by("-submitted_at").first()
    return {
        "case": case,
        "attempt": attempt,
        "labs": list(case.initial_labs.all()),
        "chosen": chosen,
        "menu": _step_menu(chosen),
        "diagnosis_form": diagnosis_form,
        "previous_attempt": previous,
    }


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    cases = form.filter(Case.objects.practice()).prefetch_related("groups")
    cases = services.cases_with_progress(cases=cases, user=request.user, session_key=request.session.session_key)
    return render(request, "cases/list.html", {"form": form, "cases": cases})


@require_GET
def case_play(request: HttpRequest, slug: str) -> HttpResponse:
    case = get_object_or_404(_cases_for(request), slug=slug)
    if request.user.is_authenticated:
        attempt = services.attempt_start_or_resume(case=case, user=request.user, session=request.session)
    else:
        # An anonymous look must not write (crawlers would fill the table):
        # the visitor's first choice starts the attempt.
        attempt = services.attempt_find_open(case=case, user=None, session_key=request.session.session_key)
    return render(request, "cases/play.html", _play_context(request, case=case, attempt=attempt))


def _posted_attempt(request: HttpRequest, case: Case) -> Attempt | None:
    """The attempt a play-page form names, if this learner owns it.

    A form with no attempt comes from a first visit: the first choice starts
    (or resumes, if another tab started one) the learner's attempt.
    """
    if not request.POST.get("attempt"):
        return services.attempt_start_or_resume(case=case, user=request.user, session=request.session)
    try:
        pk = int(request.POST.get("attempt", ""))
    except ValueError:
        return None
    return _owned_attempts(request).filter(case=case, pk=pk).first()


@require_POST
def case_choose(request: HttpRequest, slug: str) -> HttpResponse:
    case = get_object_or_404(_cases_for(request), slug=slug)
    play_url = case.get_absolute_url()
    attempt = _posted_attempt(request, case)
    if attempt is None:
        messages.error(request, "That attempt could not be found (your session may have ended). Please start again.")
        return _redirect(request, play_url)
    if attempt.is_submitted:
        messages.info(request, "This attempt has already been submitted; no more steps can be ordered.")
        return _redirect(request, attempt.get_absolute_url())
    form = ChooseStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a workup step from the menu.")
        return _redirect(request, play_url)
    step = form.cleaned_data["step"]
    try:
        outcome = services.attempt_choose_step(attempt=attempt, step=step)
    except ValidationError:
        messages.info(request, "This attempt has already been submitted; no more steps can be ordered.")
        return _redirect(request, attempt.get_absolute_url())

    position = outcome.choice.position
    if outcome.created:
        notice = ""
        announcement = f"Result {position} added: {step.name}."
    else:
        notice = f"You have already ordered {step.name}; its result is number {position} below."
        announcement = notice

    if not request.htmx:
        if notice:
            messages.info(request, notice)
        return redirect(f"{play_url}#finding-{position}")

    context = {
        "case": case,
        "attempt": attempt,
        "chosen": services.attempt_chosen_steps(attempt=attempt),
        "focus_position": position,
        "notice": notice,
        "announcement": announcement,
        "oob_menu_step": MenuStep(step=step, position=position),
    }
    return render(request, "cases/play.html#chosen-steps", context)


@require_POST
def case_submit(request: HttpRequest, slug: str) -> HttpResponse:
    case = get_object_or_404(_cases_for(request), slug=slug)
    attempt = _posted_attempt(request, case)
    if attempt is None:
        messages.error(request, "That attempt could not be found (your session may have ended). Please start again.")
        return redirect(case.get_absolute_url())
    if attempt.is_submitted:
        messages.info(request, "This attempt was already submitted; here is its report.")
        return redirect(attempt.get_absolute_url())
    form = DiagnosisForm(request.POST, causes=Cause.objects.published().select_related("group"))
    if not form.is_valid():
        context = _play_context(request, case=case, attempt=attempt, diagnosis_form=form)
        return render(request, "cases/play.html", context, status=400)
    try:
        services.attempt_submit(attempt=attempt, diagnosis=form.cleaned_data["diagnosis"])
    except InvalidKeyError:
        logger.exception("Case %s has an ungradeable key; attempt %s not submitted", case.slug, attempt.pk)
        messages.error(
            request,
            "This case cannot be graded at the moment; your choices are saved. Please try again later.",
        )
        return redirect(case.get_absolute_url())
    return redirect(attempt.get_absolute_url())


@require_GET
def attempt_report(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(_owned_attempts(request).select_related("case"), pk=pk)
    if not attempt.is_submitted:
        return redirect(reverse("cases:play", kwargs={"slug": attempt.case.slug}))
    graded = services.attempt_current_report(attempt=attempt)
    if graded is None:
        raise Http404("This attempt has no report.")
    # The stored report, never a regrade: a later key edit changes nothing here.
    display = services.report_display(report=Report.from_dict(graded.data))
    context = {
        "attempt": attempt,
        "case": attempt.case,
        "graded": graded,
        "r": display.report,
        "d": display,
        "peers": services.peer_choice_stats(case=attempt.case),
    }
    return render(request, "cases/report.html", context)
