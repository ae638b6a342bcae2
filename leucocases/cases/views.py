"""Case list, play page, choosing a step, submitting, and the report.

Thin views: read input, call a service or queryset, render. Every page works
without JavaScript (forms post and redirect); with htmx, choosing a step
swaps in the results list (``cases/play.html#chosen-steps``) instead.

Before an attempt is submitted nothing from the answer key reaches the
browser: the play page gets results only (``services.attempt_chosen_steps``).

The quiz runner (``leucocases.quizzes.views``) plays a quiz's cases on this
same page: it calls ``play_context``, ``choose_step_response`` and
``submit_diagnosis_response`` with its own ``PlayRoutes`` (where the forms
post and where the learner goes next), so there is one play page, one set of
forms and one htmx partial for practice and quizzes alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from leucocases.editorial.access import is_instructor
from leucocases.quizzes import services as quiz_services
from leucocases.quizzes.models import Quiz, QuizAttempt
from leucocases.taxonomy.models import WorkupStep

from . import services, visibility
from .forms import CaseFilterForm, ChooseStepForm, DiagnosisForm
from .grading import InvalidKeyError, Report
from .models import Attempt, Case

logger = logging.getLogger(__name__)

#: Cases on one page of /cases/: the list stays quick to render and to scan at any size.
CASES_PER_PAGE = 20

EXAM_LOCK_MESSAGE = (
    "This case is part of the exam you are taking. Its reports and scores appear once you have finished the exam."
)
REPORT_HELD_MESSAGE = "This case is part of an exam that has not closed: its reports appear when the exam closes."


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


def _cases_for(request: HttpRequest):
    # Practice cases are open to everyone; other approved cases (used in
    # quizzes) need an account (Case.is_practice). Cases an exam in force
    # locks are played in that exam only (visibility.py): see _practice_case.
    return Case.objects.playable() if request.user.is_authenticated else Case.objects.practice()


def _practice_case(request: HttpRequest, slug: str) -> tuple[Case | None, HttpResponse | None]:
    """The case ``slug`` if this visitor may practise it, or the response that
    says why not: the learner taking its exam goes back to the exam; anyone
    else finds no such case while an exam in force holds it."""
    case = _cases_for(request).filter(slug=slug).first()
    if case is None:
        return None, None
    if locked := _exam_lock(request, case):
        return None, locked
    if visibility.case_is_exam_locked(case=case):
        return None, None
    return case, None


def _visible_attempts(request: HttpRequest):
    """This learner's submitted attempts whose report they may read now."""
    return visibility.attempts_with_visible_reports(user=request.user, session_key=request.session.session_key)


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


def play_context(
    *,
    case: Case,
    attempt: Attempt | None,
    routes: PlayRoutes,
    diagnosis_form: DiagnosisForm | None = None,
    **extra: Any,
) -> dict:
    """Everything ``cases/play.html`` needs; ``extra`` adds to it (the quiz runner's progress)."""
    chosen = services.attempt_chosen_steps(attempt=attempt) if attempt is not None else []
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

    A quiz's time running out is not handled here: the ``ValidationError``
    (code ``time_up``) propagates to the quiz runner, which finishes the quiz.
    """
    if attempt.is_submitted:
        messages.info(request, "This attempt has already been submitted; no more steps can be ordered.")
        return _redirect(request, routes.submitted_url)
    form = ChooseStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a workup step from the menu.")
        return _redirect(request, routes.page_url)
    step = form.cleaned_data["step"]
    try:
        outcome = services.attempt_choose_step(attempt=attempt, step=step)
    except ValidationError as error:
        if error.code != "attempt_submitted":
            raise
        messages.info(request, "This attempt has already been submitted; no more steps can be ordered.")
        return _redirect(request, routes.submitted_url)

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
        "chosen": services.attempt_chosen_steps(attempt=attempt),
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
    be graded. A quiz's ``time_up`` propagates, as in ``choose_step_response``.
    """
    if attempt.is_submitted:
        return None
    form = DiagnosisForm(request.POST)
    if not form.is_valid():
        context = play_context(case=case, attempt=attempt, routes=routes, diagnosis_form=form, **(extra_context or {}))
        return render(request, "cases/play.html", context, status=400)
    try:
        services.attempt_submit(attempt=attempt, diagnosis=form.cleaned_data["diagnosis"])
    except InvalidKeyError:
        logger.exception("Case %s has an ungradeable key; attempt %s not submitted", case.slug, attempt.pk)
        messages.error(
            request,
            "This case cannot be graded at the moment; your choices are saved. Please try again later.",
        )
        return redirect(routes.page_url)
    return None


# --------------------------------------------------------------------------
# Practice
# --------------------------------------------------------------------------


def _exam_lock(request: HttpRequest, case: Case) -> HttpResponse | None:
    """Send the learner back to their exam if ``case`` is part of it."""
    quiz_attempt = services.case_open_exam_attempt(case=case, user=request.user)
    if quiz_attempt is None:
        return None
    messages.warning(request, EXAM_LOCK_MESSAGE)
    return _redirect(request, quiz_attempt.get_absolute_url())


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    cases = visibility.without_exam_cases(form.filter(Case.objects.practice())).prefetch_related("labels")
    cases = services.cases_with_progress(cases=cases, user=request.user, session_key=request.session.session_key)
    # get_page turns a missing, junk or out-of-range ?page= into the first or last page.
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
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
        preview=True,
        exam_locked=case.is_playable and visibility.case_is_exam_locked(case=case),
    )
    return render(request, "cases/play.html", context)


@require_GET
def case_play(request: HttpRequest, slug: str) -> HttpResponse:
    case, refused = _practice_case(request, slug)
    if refused is not None:
        return refused
    if case is None:
        return _case_preview(request, slug)
    if request.user.is_authenticated:
        attempt = services.attempt_start_or_resume(case=case, user=request.user, session=request.session)
    else:
        # An anonymous look must not write (crawlers would fill the table):
        # the visitor's first choice starts the attempt.
        attempt = services.attempt_find_open(case=case, user=None, session_key=request.session.session_key)
    previous = _visible_attempts(request).filter(case=case).order_by("-submitted_at").first()
    context = play_context(case=case, attempt=attempt, routes=practice_routes(case, attempt), previous_attempt=previous)
    return render(request, "cases/play.html", context)


def _posted_attempt(request: HttpRequest, case: Case) -> Attempt | None:
    """The practice attempt a play-page form names, if this learner owns it.

    A form with no attempt comes from a first visit: the first choice starts
    (or resumes, if another tab started one) the learner's attempt. A quiz's
    case attempt is never found here: it is played through the quiz.
    """
    if not request.POST.get("attempt"):
        return services.attempt_start_or_resume(case=case, user=request.user, session=request.session)
    try:
        pk = int(request.POST.get("attempt", ""))
    except ValueError:
        return None
    return _owned_attempts(request).filter(case=case, pk=pk, quiz_attempt__isnull=True).first()


@require_POST
def case_choose(request: HttpRequest, slug: str) -> HttpResponse:
    case, refused = _practice_case(request, slug)
    if refused is not None:
        return refused
    if case is None:
        raise Http404("No such case.")
    attempt = _posted_attempt(request, case)
    if attempt is None:
        messages.error(request, "That attempt could not be found (your session may have ended). Please start again.")
        return _redirect(request, case.get_absolute_url())
    return choose_step_response(request, case=case, attempt=attempt, routes=practice_routes(case, attempt))


@require_POST
def case_submit(request: HttpRequest, slug: str) -> HttpResponse:
    case, refused = _practice_case(request, slug)
    if refused is not None:
        return refused
    if case is None:
        raise Http404("No such case.")
    attempt = _posted_attempt(request, case)
    if attempt is None:
        messages.error(request, "That attempt could not be found (your session may have ended). Please start again.")
        return redirect(case.get_absolute_url())
    if attempt.is_submitted:
        messages.info(request, "This attempt was already submitted; here is its report.")
        return redirect(attempt.get_absolute_url())
    routes = practice_routes(case, attempt)
    previous = _visible_attempts(request).filter(case=case).order_by("-submitted_at").first()
    response = submit_diagnosis_response(
        request, case=case, attempt=attempt, routes=routes, extra_context={"previous_attempt": previous}
    )
    return response or redirect(attempt.get_absolute_url())


# --------------------------------------------------------------------------
# The report (practice or quiz)
# --------------------------------------------------------------------------


def _quiz_report_gate(request: HttpRequest, attempt: Attempt) -> HttpResponse | None:
    """A quiz's case report: refuse it while its exam is under way.

    Brings the quiz attempt up to date first (time may have run out, which
    finishes it and makes every report visible).
    """
    quiz_attempt = attempt.quiz_attempt
    if quiz_services.quiz_attempt_enforce_deadline(quiz_attempt=quiz_attempt):
        attempt.refresh_from_db()
    if not attempt.is_submitted:
        return redirect(quiz_attempt.get_absolute_url())
    if quiz_attempt.quiz.mode == Quiz.Mode.EXAM and not quiz_attempt.is_finished:
        messages.info(request, "Case reports of an exam appear when you have finished the whole quiz.")
        return redirect(quiz_attempt.get_absolute_url())
    return None


@require_GET
def attempt_report(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(
        _owned_attempts(request).select_related("case", "quiz_attempt__quiz"),
        pk=pk,
    )
    quiz_attempt: QuizAttempt | None = attempt.quiz_attempt
    if quiz_attempt is not None:
        if refused := _quiz_report_gate(request, attempt):
            return refused
    elif not attempt.is_submitted:
        return redirect(reverse("cases:play", kwargs={"slug": attempt.case.slug}))
    # Any report on a case shows its key: none while the learner is taking an exam
    # that includes the case, nor while an exam in force holds it (visibility.py).
    if locked := _exam_lock(request, attempt.case):
        return locked
    if not _visible_attempts(request).filter(pk=attempt.pk).exists():
        messages.info(request, REPORT_HELD_MESSAGE)
        return redirect(reverse("cases:list"))
    graded = services.attempt_current_report(attempt=attempt)
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
        "can_play_again": may_play and not visibility.case_is_exam_locked(case=case),
        "graded": graded,
        "r": display.report,
        "d": display,
        "peers": services.peer_choice_stats(case=attempt.case),
    }
    if quiz_attempt is not None:
        progress = quiz_services.quiz_attempt_progress(quiz_attempt=quiz_attempt)
        context |= {
            "quiz_attempt": quiz_attempt,
            "quiz_progress": progress,
            "quiz_case_position": progress.position_of(attempt),
        }
    return render(request, "cases/report.html", context)
