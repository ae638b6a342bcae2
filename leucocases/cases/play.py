"""The play page's machinery, shared by practice and quizzes.

One play page (``cases/play.html``), one set of forms and one htmx partial
for practice and quizzes alike: practice (``views``) and the quiz runner
(``quizzes.views``) each pass their own ``PlayRoutes`` (where the forms post
and where the learner goes next) to ``play_context``,
``choose_step_response`` and ``submit_diagnosis_response``.

Every page works without JavaScript (forms post and redirect); with htmx,
choosing a step swaps in the results list (``cases/play.html#chosen-steps``)
instead. Before an attempt is submitted nothing from the answer key reaches
the browser: the play page gets results only (``selectors.chosen_steps``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from . import attempts, differentials
from .forms import ChooseStepForm, DiagnosisForm
from .grading import InvalidKeyError
from .learner_state import attempt_state
from .menu import MenuStep, step_menu
from .models import Attempt, AttemptCheckpoint, Case
from .play_content import play_case
from .selectors import Pick, chosen_steps
from .verdicts import occurrence_name

logger = logging.getLogger(__name__)

ALREADY_SUBMITTED_MESSAGE = "This attempt has already been submitted; no more steps can be ordered."
STALE_PAGE_MESSAGE = (
    "Nothing was ordered: the page you ordered {name} from was out of date (more steps had been ordered, in "
    "another window or tab, since it was shown). Here is the workup as it stands now; order {name} again if "
    "you still want it."
)


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
    kept = play_case(case)
    return PlayRoutes(
        page_url=kept.page_url,
        choose_url=kept.choose_url,
        submit_url=kept.submit_url,
        submitted_url=attempt.get_absolute_url() if attempt is not None else kept.page_url,
    )


def redirect_for(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect a plain request; tell htmx to load the page instead of swapping."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _positions(picks: Sequence[Pick]) -> dict[int, tuple[int, ...]]:
    """Each ordered entry's positions, in order (step pk -> positions)."""
    positions: dict[int, tuple[int, ...]] = {}
    for position, step_id, _ in picks:
        positions[step_id] = (*positions.get(step_id, ()), position)
    return positions


def page_url_with_menu(url: str, query: str, *, anchor: str = "") -> str:
    """``url`` with the menu filter kept (``?menu=``) and an optional ``#anchor``."""
    if query:
        url = f"{url}?{urlencode({'menu': query})}"
    return f"{url}#{anchor}" if anchor else url


#: ``play_context``'s ``checkpoint`` when the caller did not read it: read it with the choices.
UNREAD: Any = object()


def play_context(
    *,
    case: Case,
    attempt: Attempt | None,
    routes: PlayRoutes,
    diagnosis_form: DiagnosisForm | None = None,
    menu_query: str = "",
    picks: Sequence[Pick] | None = None,
    checkpoint: AttemptCheckpoint | None = UNREAD,
    **extra: Any,
) -> dict:
    """Everything ``cases/play.html`` needs; ``extra`` adds to it (the quiz runner's progress).

    ``menu_query`` is the menu filter asked for (``menu.menu_query``); ``picks``
    and ``checkpoint`` are the attempt's choices and presentation checkpoint if
    the caller read them already (``learner_state``); otherwise one query reads both.
    """
    if attempt is None:
        picks, checkpoint = (), None
    elif picks is None or checkpoint is UNREAD:
        picks, checkpoint = attempt_state(attempt=attempt)
    kept = play_case(case)
    chosen = chosen_steps(case_id=case.pk, picks=picks)
    if diagnosis_form is None:
        diagnosis_form = DiagnosisForm()
    return {
        "case": case,
        "attempt": attempt,
        "routes": routes,
        "case_labels": kept.labels,
        "labs": list(kept.labs),
        "presentation_html": kept.presentation_html,
        "presentation_checkpoint": differentials.presentation_checkpoint(
            case=case, saved=checkpoint, ordered=bool(chosen)
        ),
        "chosen": chosen,
        # Every menu form says where the next choice goes (attempt_choose_step).
        "next_position": len(chosen) + 1,
        "menu": step_menu(positions=_positions(picks), query=menu_query),
        "diagnosis_form": diagnosis_form,
        **extra,
    }


def choose_step_response(
    request: HttpRequest, *, case: Case, attempt: Attempt, routes: PlayRoutes, extra_context: dict | None = None
) -> HttpResponse:
    """Store the posted entry on ``attempt`` and answer: a redirect to the
    play page, or (htmx) the results partial.

    A resent form (the same entry at a position already holding it) stores
    nothing and answers as the first did, with a notice; a form from a page
    that is out of date (its position taken by another entry) stores nothing
    and brings the learner back to the page as it now stands, saying why.

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
    step, query = form.cleaned_data["step"], form.cleaned_data["menu"]
    try:
        outcome = attempts.attempt_choose_step(attempt=attempt, step=step, position=form.cleaned_data["position"])
    except ValidationError as error:
        if error.code == "attempt_submitted":
            messages.info(request, ALREADY_SUBMITTED_MESSAGE)
            return redirect_for(request, routes.submitted_url)
        if error.code != "stale_position":
            raise
        messages.warning(request, STALE_PAGE_MESSAGE.format(name=step.name))
        return redirect_for(request, page_url_with_menu(routes.page_url, query, anchor="workup-heading"))
    position = outcome.choice.position
    occurrence = outcome.choice.occurrence
    if outcome.created:
        notice = ""
        announcement = f"Result {position} added: {occurrence_name(step.name, occurrence)}."
    else:
        notice = f"{step.name} is already result {position} below: an order sent twice is recorded once."
        announcement = notice
    if not request.htmx:
        if notice:
            messages.info(request, notice)
        return redirect(page_url_with_menu(routes.page_url, query, anchor=f"finding-{position}"))
    chosen = chosen_steps(case_id=case.pk, picks=outcome.picks)
    context = {
        "case": case,
        "attempt": attempt,
        "routes": routes,
        "chosen": chosen,
        "next_position": len(chosen) + 1,
        "focus_position": position,
        "notice": notice,
        "announcement": announcement,
        "oob_menu_step": MenuStep(step=step, positions=_positions(outcome.picks).get(step.pk, ())),
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
    "PlayRoutes",
    "choose_step_response",
    "page_url_with_menu",
    "play_context",
    "practice_routes",
    "redirect_for",
    "submit_diagnosis_response",
]
