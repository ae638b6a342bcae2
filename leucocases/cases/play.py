"""The play page's machinery, shared by practice and quizzes.

One play page (``cases/play.html``), one set of forms and one htmx partial
for practice and quizzes alike: practice (``views``) and the quiz runner
(``quizzes.views``) each pass their own ``PlayRoutes`` (where the forms post
and where the learner goes next) to ``play_context``,
``choose_step_response`` and ``submit_diagnosis_response``.

Every page works without JavaScript (forms post and redirect); with htmx,
choosing a step swaps in the results list (``cases/play.html#chosen-steps``)
instead. Before an attempt is submitted nothing from the answer key reaches
the browser: the play page gets results only (``selectors.attempt_chosen_steps``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from leucocases.taxonomy.models import WorkupStep

from . import attempts
from .forms import ChooseStepForm, DiagnosisForm
from .grading import InvalidKeyError
from .models import Attempt, Case
from .selectors import ChosenStep, attempt_chosen_steps

logger = logging.getLogger(__name__)

ALREADY_SUBMITTED_MESSAGE = "This attempt has already been submitted; no more steps can be ordered."


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


@dataclass(frozen=True, slots=True)
class PlayRoutes:
    """Where a play page's forms post, and where its redirects go.

    ``page_url``: the play page (a plain choice redirects back to it);
    ``submitted_url``: where a form posted on an attempt already submitted
    lands (practice: its report; a quiz: the runner, which moves on).
    """

    page_url: str
    choose_url: str
    submit_url: str
    submitted_url: str


def practice_routes(case: Case, attempt: Attempt | None = None) -> PlayRoutes:
    return PlayRoutes(
        page_url=case.get_absolute_url(),
        choose_url=reverse("cases:choose", kwargs={"slug": case.slug}),
        submit_url=reverse("cases:submit", kwargs={"slug": case.slug}),
        submitted_url=attempt.get_absolute_url() if attempt is not None else case.get_absolute_url(),
    )


def redirect_for(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect a plain request; tell htmx to load the page instead of swapping."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _step_menu(chosen: list[ChosenStep]) -> list[MenuCategory]:
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


def play_context(
    *,
    case: Case,
    attempt: Attempt | None,
    routes: PlayRoutes,
    diagnosis_form: DiagnosisForm | None = None,
    **extra: Any,
) -> dict:
    """Everything ``cases/play.html`` needs; ``extra`` adds to it (the quiz runner's progress)."""
    chosen = attempt_chosen_steps(attempt=attempt) if attempt is not None else []
    if diagnosis_form is None:
        diagnosis_form = DiagnosisForm()
    return {
        "case": case,
        "attempt": attempt,
        "routes": routes,
        "labs": list(case.initial_labs.all()),
        "chosen": chosen,
        "menu": _step_menu(chosen),
        "diagnosis_form": diagnosis_form,
        **extra,
    }


def choose_step_response(
    request: HttpRequest, *, case: Case, attempt: Attempt, routes: PlayRoutes, extra_context: dict | None = None
) -> HttpResponse:
    """Store the posted step on ``attempt`` and answer: a redirect to the
    play page, or (htmx) the results partial.

    An attempt that no longer takes answers (``policies.AttemptClosed``: a
    quiz's time ran out) is not handled here: the exception propagates to the
    caller (the quiz runner, which finishes the quiz).
    """
    if attempt.is_submitted:
        messages.info(request, ALREADY_SUBMITTED_MESSAGE)
        return redirect_for(request, routes.submitted_url)
    form = ChooseStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a workup step from the menu.")
        return redirect_for(request, routes.page_url)
    step = form.cleaned_data["step"]
    try:
        outcome = attempts.attempt_choose_step(attempt=attempt, step=step)
    except ValidationError as error:
        if error.code != "attempt_submitted":
            raise
        messages.info(request, ALREADY_SUBMITTED_MESSAGE)
        return redirect_for(request, routes.submitted_url)
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
        return redirect(f"{routes.page_url}#finding-{position}")
    context = {
        "case": case,
        "attempt": attempt,
        "routes": routes,
        "chosen": attempt_chosen_steps(attempt=attempt),
        "focus_position": position,
        "notice": notice,
        "announcement": announcement,
        "oob_menu_step": MenuStep(step=step, position=position),
        **(extra_context or {}),
    }
    return render(request, "cases/play.html#chosen-steps", context)


def submit_diagnosis_response(
    request: HttpRequest, *, case: Case, attempt: Attempt, routes: PlayRoutes, extra_context: dict | None = None
) -> HttpResponse | None:
    """Grade ``attempt`` with the posted diagnosis.

    Returns None once it is submitted (now or before): the caller decides
    where the learner goes next. Otherwise returns the response to send: the
    play page with the form's error (400), or a redirect when the case cannot
    be graded. ``AttemptClosed`` propagates, as in ``choose_step_response``.
    """
    if attempt.is_submitted:
        return None
    form = DiagnosisForm(request.POST)
    if not form.is_valid():
        context = play_context(case=case, attempt=attempt, routes=routes, diagnosis_form=form, **(extra_context or {}))
        return render(request, "cases/play.html", context, status=400)
    try:
        attempts.attempt_submit(attempt=attempt, **form.submission())
    except InvalidKeyError:
        logger.exception("Case %s has an ungradeable key; attempt %s not submitted", case.slug, attempt.pk)
        messages.error(
            request,
            "This case cannot be graded at the moment; your choices are saved. Please try again later.",
        )
        return redirect(routes.page_url)
    return None


__all__ = [
    "MenuCategory",
    "MenuStep",
    "PlayRoutes",
    "choose_step_response",
    "play_context",
    "practice_routes",
    "redirect_for",
    "submit_diagnosis_response",
]
