"""Quiz list and page, starting or resuming, the runner, and the quiz report.

The runner plays the current case on the case play page (``cases/play.html``)
through the cases app's play machinery (``cases.play``), with quiz routes: the
forms post here, so every choice and submission is checked against the quiz
attempt (owner, deadline, membership of the case attempt) before the case
services run — which refuse a late one again on their own, through the quiz
rules registered with cases (``policy``), raising ``AttemptClosed``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from leucocases.cases import play
from leucocases.cases.menu import menu_query
from leucocases.cases.models import Attempt
from leucocases.cases.policies import AttemptClosed

from . import services
from .models import Quiz, QuizAttempt

TIME_UP_MESSAGE = (
    "Time is up: this quiz has ended. Cases you had not submitted were graded as they stood, with no diagnosis."
)


def _report_url(quiz_attempt: QuizAttempt) -> str:
    return reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})


def _owned_quiz_attempt(request: HttpRequest, pk: int) -> QuizAttempt:
    return get_object_or_404(QuizAttempt.objects.select_related("quiz"), pk=pk, user=request.user)


def _closed_response(request: HttpRequest, quiz_attempt: QuizAttempt) -> HttpResponse | None:
    """Bring the attempt up to date with the clock; if it is over, send the learner to its report."""
    if services.quiz_attempt_enforce_deadline(quiz_attempt=quiz_attempt):
        messages.warning(request, TIME_UP_MESSAGE)
        return play.redirect_for(request, _report_url(quiz_attempt))
    if quiz_attempt.is_finished:
        if quiz_attempt.finish_reason == QuizAttempt.FinishReason.TIME_UP:
            messages.warning(request, TIME_UP_MESSAGE)
        else:
            messages.info(request, "This quiz attempt is finished; here is its report.")
        return play.redirect_for(request, _report_url(quiz_attempt))
    return None


def _time_up(request: HttpRequest, quiz_attempt: QuizAttempt) -> HttpResponse:
    """The case services refused a late request (``AttemptClosed``): finish the quiz and say why."""
    services.quiz_attempt_finish(quiz_attempt=quiz_attempt, reason=QuizAttempt.FinishReason.TIME_UP)
    messages.warning(request, TIME_UP_MESSAGE)
    return play.redirect_for(request, _report_url(quiz_attempt))


def _routes(quiz_attempt: QuizAttempt) -> play.PlayRoutes:
    runner = quiz_attempt.get_absolute_url()
    return play.PlayRoutes(
        page_url=runner,
        choose_url=reverse("quizzes:choose", kwargs={"pk": quiz_attempt.pk}),
        submit_url=reverse("quizzes:submit", kwargs={"pk": quiz_attempt.pk}),
        submitted_url=runner,
    )


def _runner_context(quiz_attempt: QuizAttempt, progress: services.QuizProgress) -> dict:
    return {"quiz_attempt": quiz_attempt, "quiz": quiz_attempt.quiz, "quiz_progress": progress}


#: A runner form's POST view, given the quiz attempt and the case attempt it names.
PostedRunnerView = Callable[[HttpRequest, QuizAttempt, Attempt], HttpResponse]


def _posted_case_attempt(
    *, htmx_redirect: bool
) -> Callable[[PostedRunnerView], Callable[[HttpRequest, int], HttpResponse]]:
    """Run the view with the learner's quiz attempt ``pk`` and the case
    attempt a runner form names, or end the request before it: the attempt
    is over, or the case is not part of it (back to the runner, a client
    redirect for htmx if ``htmx_redirect``)."""

    def decorate(view: PostedRunnerView) -> Callable[[HttpRequest, int], HttpResponse]:
        @wraps(view)
        def posted(request: HttpRequest, pk: int) -> HttpResponse:
            quiz_attempt = _owned_quiz_attempt(request, pk)
            if closed := _closed_response(request, quiz_attempt):
                return closed
            case_attempt = services.quiz_attempt_case_attempt(quiz_attempt=quiz_attempt, pk=request.POST.get("attempt"))
            if case_attempt is None:
                messages.error(request, "That case is not part of this quiz attempt.")
                url = quiz_attempt.get_absolute_url()
                return play.redirect_for(request, url) if htmx_redirect else redirect(url)
            return view(request, quiz_attempt, case_attempt)

        return posted

    return decorate


# --------------------------------------------------------------------------
# Finding a quiz
# --------------------------------------------------------------------------


@require_GET
def quiz_list(request: HttpRequest) -> HttpResponse:
    quizzes = services.quizzes_for_list(user=request.user)
    return render(request, "quizzes/list.html", {"quizzes": quizzes})


@require_GET
def quiz_detail(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = services.quiz_for_learner(slug=slug, user=request.user)
    if quiz is None:
        raise Http404("No such quiz.")
    standing = services.quiz_standing(quiz=quiz, user=request.user) if request.user.is_authenticated else None
    context = {
        "quiz": quiz,
        "standing": standing,
        "case_count": standing.case_count if standing else services.quiz_playable_items(quiz=quiz).count(),
    }
    return render(request, "quizzes/detail.html", context)


@require_POST
def quiz_start(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = services.quiz_for_learner(slug=slug, user=request.user)
    if quiz is None:
        raise Http404("No such quiz.")
    if not request.user.is_authenticated:
        return redirect_to_login(quiz.get_absolute_url())
    try:
        quiz_attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(quiz.get_absolute_url())
    if quiz_attempt.is_finished:
        messages.warning(request, TIME_UP_MESSAGE)
        return redirect(_report_url(quiz_attempt))
    return redirect(quiz_attempt.get_absolute_url())


# --------------------------------------------------------------------------
# Taking it
# --------------------------------------------------------------------------


@login_required
@require_GET
def quiz_attempt_take(request: HttpRequest, pk: int) -> HttpResponse:
    quiz_attempt = _owned_quiz_attempt(request, pk)
    if closed := _closed_response(request, quiz_attempt):
        return closed
    progress = services.quiz_attempt_progress(quiz_attempt=quiz_attempt)
    if progress.current is None:
        # Every case submitted but the finish not recorded (a crash in between): record it now.
        services.quiz_attempt_finish_if_complete(quiz_attempt=quiz_attempt)
        return redirect(_report_url(quiz_attempt))
    case_attempt = progress.current
    context = play.play_context(
        case=case_attempt.case,
        attempt=case_attempt,
        routes=_routes(quiz_attempt),
        menu_query=menu_query(request),
        **_runner_context(quiz_attempt, progress),
    )
    return render(request, "cases/play.html", context)


@login_required
@require_POST
@_posted_case_attempt(htmx_redirect=True)
def quiz_attempt_choose(request: HttpRequest, quiz_attempt: QuizAttempt, case_attempt: Attempt) -> HttpResponse:
    try:
        return play.choose_step_response(
            request, case=case_attempt.case, attempt=case_attempt, routes=_routes(quiz_attempt)
        )
    except AttemptClosed:
        return _time_up(request, quiz_attempt)


@login_required
@require_POST
@_posted_case_attempt(htmx_redirect=False)
def quiz_attempt_submit(request: HttpRequest, quiz_attempt: QuizAttempt, case_attempt: Attempt) -> HttpResponse:
    already = case_attempt.is_submitted
    progress = services.quiz_attempt_progress(quiz_attempt=quiz_attempt)
    try:
        refused = play.submit_diagnosis_response(
            request,
            case=case_attempt.case,
            attempt=case_attempt,
            routes=_routes(quiz_attempt),
            extra_context=_runner_context(quiz_attempt, progress),
        )
    except AttemptClosed:
        return _time_up(request, quiz_attempt)
    if refused is not None:
        return refused
    if services.quiz_attempt_finish_if_complete(quiz_attempt=quiz_attempt):
        messages.success(request, "Quiz finished. Here is your report; each case's report is linked from it.")
        return redirect(_report_url(quiz_attempt))
    if already:
        return redirect(quiz_attempt.get_absolute_url())
    if quiz_attempt.quiz.mode == Quiz.Mode.PRACTICE:
        return redirect(case_attempt.get_absolute_url())
    position = progress.position_of(case_attempt)
    messages.info(request, f"Case {position} of {progress.total} submitted. Here is the next case.")
    return redirect(quiz_attempt.get_absolute_url())


@login_required
@require_GET
def quiz_attempt_report(request: HttpRequest, pk: int) -> HttpResponse:
    quiz_attempt = _owned_quiz_attempt(request, pk)
    if services.quiz_attempt_enforce_deadline(quiz_attempt=quiz_attempt):
        messages.warning(request, TIME_UP_MESSAGE)
    if not quiz_attempt.is_finished:
        messages.info(request, "The quiz report appears when you have submitted every case.")
        return redirect(quiz_attempt.get_absolute_url())
    report = services.quiz_attempt_report(quiz_attempt=quiz_attempt)
    return render(
        request, "quizzes/report.html", {"quiz_attempt": quiz_attempt, "quiz": quiz_attempt.quiz, "report": report}
    )
