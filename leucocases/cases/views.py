"""Case list, play page, choosing a step, submitting, and the report.

Thin views: read input, call a service or queryset, render. The play page's
machinery (routes, menu, context, the choose and submit responses) is
``play``, shared with the quiz runner (``leucocases.quizzes.views``), so there
is one play page, one set of forms and one htmx partial for practice and
quizzes alike.

What a higher app's rules add (a quiz's case attempt is played in the quiz;
an exam locks its cases and holds back their reports) reaches these views
through ``policies`` and ``visibility``, never an import of that app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from leucocases.editorial.access import is_instructor

from . import attempts, differentials, peer_stats, policies, services, visibility
from .case_list import case_list_page
from .checkpoint_forms import CheckpointForm
from .forms import CaseFilterForm
from .grading import Report
from .learner_state import LearnerState, learner_state
from .menu import menu_query
from .models import Attempt, Case
from .play import choose_step_response, play_context, practice_routes, redirect_for, submit_diagnosis_response
from .play_content import play_case_named


@dataclass(frozen=True)
class Practice:
    """A case the visitor may practise and their state on it, or the response refusing it."""

    case: Case | None = None
    state: LearnerState = LearnerState()
    refused: HttpResponse | None = None


def _practice(request: HttpRequest, slug: str, *, attempt_id: int | None = None, page: bool = True) -> Practice:
    """The case ``slug`` if this visitor may practise it, with their state on it
    (``learner_state``: their open attempt, or the one ``attempt_id`` names), or
    the response that says why not: the learner taking its exam goes back to
    the exam; anyone else finds no such case while an exam in force holds it.

    Practice cases are open to everyone; other approved cases (used in
    quizzes) need an account (Case.is_practice). Cases a rule locks (an exam
    in force) are played there only (visibility.py).
    """
    kept = play_case_named(slug)
    signed_in = request.user.is_authenticated
    if kept is None or not (kept.case.is_playable if signed_in else kept.is_open_to_everyone):
        return Practice()
    session_key = request.session.session_key
    state = learner_state(case=kept.case, user=request.user, session_key=session_key, attempt_id=attempt_id, page=page)
    if state.hold is not None:
        messages.warning(request, state.hold.message)
        return Practice(refused=redirect_for(request, state.hold.url))
    if state.locked:
        return Practice()
    return Practice(case=kept.case, state=state)


def _visible_attempts(request: HttpRequest):
    """This learner's submitted attempts whose report they may read now."""
    return visibility.attempts_with_visible_reports(user=request.user, session_key=request.session.session_key)


def _owned_attempts(request: HttpRequest):
    return Attempt.objects.owned_by(user=request.user, session_key=request.session.session_key)


def _held(request: HttpRequest, case: Case) -> HttpResponse | None:
    """Send the learner where a rule holds them instead of ``case`` (the exam they are taking)."""
    hold = visibility.case_hold(case=case, user=request.user)
    if hold is None:
        return None
    messages.warning(request, hold.message)
    return redirect_for(request, hold.url)


# --------------------------------------------------------------------------
# Practice
# --------------------------------------------------------------------------


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    page = case_list_page(
        form=form, user=request.user, session_key=request.session.session_key, number=request.GET.get("page")
    )
    context = {
        "form": form,
        "cases": page.object_list,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    }
    return render(request, "cases/list.html", context)


def _case_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """An instructor's look at a case learners cannot open (a draft under
    review, an archived case): the learner's page with every control
    disabled. It records nothing: preview attempts would skew item analysis,
    and the admin's "Dry-run a path" grades a path without storing it."""
    if not is_instructor(request.user):
        raise Http404("No such case.")
    case = get_object_or_404(Case, slug=slug)
    context = play_context(
        case=case,
        attempt=None,
        routes=practice_routes(case),
        menu_query=menu_query(request),
        preview=True,
        exam_locked=case.is_playable and visibility.case_is_locked(case=case),
    )
    return render(request, "cases/play.html", context)


@require_GET
def case_play(request: HttpRequest, slug: str) -> HttpResponse:
    practice = _practice(request, slug)
    if practice.refused is not None:
        return practice.refused
    if (case := practice.case) is None:
        return _case_preview(request, slug)
    state = practice.state
    attempt = state.attempt
    if attempt is None and request.user.is_authenticated:
        # An anonymous look must not write (crawlers would fill the table):
        # the visitor's first choice starts the attempt.
        attempt = attempts.attempt_start(case=case, user=request.user, session=request.session)
    context = play_context(
        case=case,
        attempt=attempt,
        routes=practice_routes(case, attempt),
        menu_query=menu_query(request),
        picks=state.picks,
        checkpoint=state.checkpoint,
        previous_attempt=state.previous,
    )
    return render(request, "cases/play.html", context)


def _posted_practice(request: HttpRequest, slug: str, *, page: bool = True) -> tuple[Practice, Attempt | None]:
    """The case and the practice attempt a play-page form names, if this learner owns it.

    A form with no attempt comes from a first visit: the first choice starts
    (or resumes, if another tab started one) the learner's attempt. A quiz's
    case attempt is never found here: it is played through the quiz.
    """
    posted = request.POST.get("attempt")
    attempt_id = _int(posted)
    practice = _practice(request, slug, attempt_id=attempt_id, page=page)
    if practice.case is None:
        return practice, None
    if not posted:
        found = practice.state.attempt
        return practice, found or attempts.attempt_start(case=practice.case, user=request.user, session=request.session)
    return practice, practice.state.attempt if attempt_id is not None else None


NOT_FOUND_MESSAGE = "That attempt could not be found (your session may have ended). Please start again."


#: A play-page form's POST view, given what the form names (``_posted_play``).
PostedPlayView = Callable[[HttpRequest, Practice, Case, Attempt], HttpResponse]


def _posted_play(
    *, htmx_redirect: bool, page: bool = True
) -> Callable[[PostedPlayView], Callable[[HttpRequest, str], HttpResponse]]:
    """Run the view with the practice, case and attempt a play-page form
    names, or end the request before it: the refusal, or back to the case
    page when the attempt is not found (a client redirect for htmx if
    ``htmx_redirect``). Without ``page`` the learner's state holds only what a
    choice needs (``learner_state``): a choice reads its picks under its lock."""

    def decorate(view: PostedPlayView) -> Callable[[HttpRequest, str], HttpResponse]:
        @wraps(view)
        def posted(request: HttpRequest, slug: str) -> HttpResponse:
            practice, attempt = _posted_practice(request, slug, page=page)
            if practice.refused is not None:
                return practice.refused
            if (case := practice.case) is None:
                raise Http404("No such case.")
            if attempt is None:
                messages.error(request, NOT_FOUND_MESSAGE)
                url = case.get_absolute_url()
                return redirect_for(request, url) if htmx_redirect else redirect(url)
            return view(request, practice, case, attempt)

        return posted

    return decorate


@require_POST
@_posted_play(htmx_redirect=True, page=False)
def case_choose(request: HttpRequest, practice: Practice, case: Case, attempt: Attempt) -> HttpResponse:
    return choose_step_response(request, case=case, attempt=attempt, routes=practice_routes(case, attempt))


@require_POST
@_posted_play(htmx_redirect=False)
def case_submit(request: HttpRequest, practice: Practice, case: Case, attempt: Attempt) -> HttpResponse:
    if attempt.is_submitted:
        messages.info(request, "This attempt was already submitted; here is its report.")
        return redirect(attempt.get_absolute_url())
    routes = practice_routes(case, attempt)
    extra = {"previous_attempt": practice.state.previous}
    response = submit_diagnosis_response(request, case=case, attempt=attempt, routes=routes, extra_context=extra)
    return response or redirect(attempt.get_absolute_url())


@require_POST
def case_checkpoint(request: HttpRequest, slug: str) -> HttpResponse:
    """Save the learner's first differential (after the presentation), for a
    practice case or a case of their quiz, and go back to the page it came
    from (``next``: the play page or the quiz runner)."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("cases:play", kwargs={"slug": slug})
    attempt = _owned_attempts(request).filter(case__slug=slug, pk=_int(request.POST.get("attempt"))).first()
    if attempt is None and not request.POST.get("attempt"):
        practice = _practice(request, slug)
        if practice.refused is not None or practice.case is None:
            return practice.refused or HttpResponseRedirect(back)
        attempt = attempts.attempt_start_or_resume(case=practice.case, user=request.user, session=request.session)
    if attempt is None:
        messages.error(request, NOT_FOUND_MESSAGE)
        return HttpResponseRedirect(back)
    form = CheckpointForm(request.POST, prefix="presentation")
    try:
        if not form.is_valid():
            raise ValidationError(form.non_field_errors() or [e for errors in form.errors.values() for e in errors])
        differentials.checkpoint_save(attempt=attempt, name="presentation", answer=form.answer())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(f"{back}#checkpoint-presentation")
    messages.success(request, "Your first differential is saved. Now order the workup.")
    return HttpResponseRedirect(f"{back}#workup-heading")


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


# --------------------------------------------------------------------------
# The report (practice, or a case of a quiz)
# --------------------------------------------------------------------------


@require_GET
def attempt_report(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(
        _owned_attempts(request).select_related("case", *policies.attempt_related()),
        pk=pk,
    )
    # A higher app's attempt (a quiz's case) may be refused here first: an exam under way.
    for policy in policies.registered_policies():
        if refused := policy.report_gate(request, attempt):
            return refused
    if not attempt.is_submitted:
        return redirect(reverse("cases:play", kwargs={"slug": attempt.case.slug}))
    # Any report on a case shows its key: none while the learner is taking an exam
    # that includes the case, nor while an exam in force holds it (visibility.py).
    if held := _held(request, attempt.case):
        return held
    if not _visible_attempts(request).filter(pk=attempt.pk).exists():
        messages.info(request, visibility.report_held_message())
        return redirect(reverse("cases:list"))
    graded = attempts.attempt_current_report(attempt=attempt)
    if graded is None:
        raise Http404("This attempt has no report.")
    # The stored report, never a regrade: a later key edit changes nothing here.
    display = services.report_display(report=Report.from_dict(graded.data))
    case = attempt.case
    may_play = case.is_playable and (case.is_practice or request.user.is_authenticated)
    context = {
        "attempt": attempt,
        "case": case,
        # An exam case is played in its exam only, while that exam is in force.
        "can_play_again": may_play and not visibility.case_is_locked(case=case),
        "graded": graded,
        "r": display.report,
        "d": display,
        "peers": peer_stats.peer_choice_stats(case=attempt.case),
    }
    for policy in policies.registered_policies():
        context |= policy.report_context(attempt)
    return render(request, "cases/report.html", context)
