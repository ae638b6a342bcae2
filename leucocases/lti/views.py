"""LTI pages: the key set, login initiation, launch, deep-linking picker, and
the instructor's activity page (policy, scores sent, resend, roster import).

Thin views (DESIGN §4). The login initiation and the launch are posted by the
LMS from another site, so they are exempt from CSRF: what protects them is
the platform's signature on the id_token, its nonce and the state cookie
(``launch.py``). Every other POST here carries a CSRF token as usual.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import Key, LtiRegistration
from pylti1p3.exception import LtiException, OIDCException

from leucocases.cases.models import Case
from leucocases.quizzes.models import Quiz

from . import grades, services
from .deep_linking import content_item, deep_link_answer
from .forms import PickerFilterForm, PickForm, PolicyForm
from .framing import SESSION_KEY
from .launch import REFUSALS, LaunchRefused, Refusal, launch_state_prune, launch_validate, oidc_login
from .models import Activity, ActivityLearner, Course, ScoreDelivery, origin_of

logger = logging.getLogger(__name__)

#: A cookie the login page's script can read: if it is there, cookies work in this frame.
COOKIE_CHECK = "lti1p3-cookie-check"

PROBLEMS = {
    "account_disabled": Refusal("Account disabled", "Your LeucoCases account is disabled. Ask an administrator."),
    "deep_link_needs_instructor": Refusal(
        "Instructors only", "Only an instructor of the course can add LeucoCases activities."
    ),
    "link_not_set_up": Refusal(
        "This link opens nothing yet",
        "This LMS link does not name a LeucoCases case or quiz. Instructors add activities with the LMS's "
        "“select content” (deep linking), or give the link the custom parameter case=<slug> or quiz=<slug>.",
        404,
    ),
}


def refusal_page(request: HttpRequest, refusal: Refusal, *, code: str, detail: str = "") -> HttpResponse:
    return render(
        request, "lti/refused.html", {"refusal": refusal, "code": code, "detail": detail}, status=refusal.status
    )


def launch_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("lti:launch"))


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keys, for the LMS to check what the tool signs."""
    services.tool_key_ensure()
    return JsonResponse(Key.objects.as_jwks())


@csrf_exempt
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest, registration_uuid: Any = None) -> HttpResponse:
    """OIDC third-party login initiation: answer the LMS with its own auth URL (state and nonce set)."""
    params = request.POST if request.method == "POST" else request.GET
    if not all(isinstance(params.get(name), str) and params.get(name) for name in ("iss", "login_hint")):
        return refusal_page(request, REFUSALS["incomplete_login"], code="incomplete_login")
    launch_state_prune()
    try:
        response = oidc_login(request, registration_uuid).get_redirect_object(launch_url(request)).do_redirect()
    except (OIDCException, LtiException) as error:
        return refusal_page(request, REFUSALS["unknown_platform"], code="unknown_platform", detail=str(error))
    if params.get("lti1p3_new_window") or not request.is_secure():
        # A top-level window (or plain HTTP in development, where no cookie
        # works in a cross-site frame anyway): straight to the LMS.
        return response
    # In the LMS's frame: continue only if this frame may keep cookies (static/js/lti.js checks).
    new_window = f"{request.path}?{urlencode({**params.dict(), 'lti1p3_new_window': '1'})}"
    page = render(request, "lti/login.html", {"auth_url": response["Location"], "new_window_url": new_window})
    page.cookies.update(response.cookies)
    page.set_cookie(COOKIE_CHECK, "1", max_age=300, secure=True, httponly=False, samesite="None")
    return page


@csrf_exempt
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    """The LMS's signed launch: sign the user in and send them to their case, quiz or activity page."""
    try:
        lti_launch = launch_validate(request)
    except LaunchRefused as refused:
        logger.info("LTI launch refused: %s", refused)
        return refusal_page(request, refused.refusal, code=refused.code, detail=refused.detail)
    outcome = services.launch_accept(request=request, lti_launch=lti_launch)
    if outcome.problem:
        return refusal_page(request, PROBLEMS[outcome.problem], code=outcome.problem)
    return redirect(outcome.next_url)


def _launch_session(request: HttpRequest) -> dict[str, Any]:
    value = request.session.get(SESSION_KEY)
    return value if isinstance(value, dict) and request.user.is_authenticated else {}


@require_http_methods(["GET", "POST"])
def deep_link(request: HttpRequest) -> HttpResponse:
    """The instructor picks cases and quizzes to add to the course; the answer goes back to the LMS."""
    launched = _launch_session(request)
    pending = launched.get("deep_link")
    if not pending or launched.get("role") != services.INSTRUCTOR:
        raise PermissionDenied("Open this page from your LMS's “select content” as an instructor.")
    dl_settings = pending.get("settings") or {}
    multiple = str(dl_settings.get("accept_multiple", True)).lower() != "false"
    if request.method == "POST":
        form = PickForm(request.POST, multiple=multiple)
        if form.is_valid():
            registration = get_object_or_404(LtiRegistration, pk=launched.get("registration"))
            items = [
                content_item(target=t, policy=form.cleaned_data["policy"], launch_url=launch_url(request))
                for t in form.targets()
            ]
            answer = deep_link_answer(
                registration=registration,
                deployment_id=pending["deployment_id"],
                settings=dl_settings,
                items=items,
            )
            del launched["deep_link"]
            request.session[SESSION_KEY] = launched
            response = render(request, "lti/deep_link_return.html", {"answer": answer, "count": len(items)})
            # This one form posts to the LMS: allow its origin as a form target, on this response only.
            response._csp_config = {**settings.SECURE_CSP, "form-action": [CSP.SELF, origin_of(answer.return_url)]}
            return response
    else:
        form = PickForm(multiple=multiple)
    filters = PickerFilterForm(request.GET or None)
    cases = filters.filter(Case.objects.playable()).prefetch_related("groups").order_by("title")
    quizzes = filters.filter_quizzes(Quiz.objects.published()).order_by("title")
    context = {"form": form, "filters": filters, "cases": cases, "quizzes": quizzes, "multiple": multiple}
    return render(request, "lti/deep_link.html", context)


def _managed_activity(request: HttpRequest, pk: int) -> Activity:
    activity = get_object_or_404(Activity.objects.select_related("case", "quiz", "resource_link__context"), pk=pk)
    if not request.user.is_authenticated:
        raise Http404("No such activity.")
    if not services.can_manage_activity(user=request.user, activity=activity):
        raise PermissionDenied("Only the course's instructors can see this page.")
    return activity


@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    course = Course.objects.filter(context=activity.resource_link.context).select_related("cohort").first()
    context = {
        "activity": activity,
        "course": course,
        "rows": grades.activity_delivery_rows(activity=activity),
        "policy_form": PolicyForm(initial={"policy": activity.policy}),
        "states": ScoreDelivery.State,
    }
    return render(request, "lti/activity.html", context)


@require_POST
def activity_policy(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    form = PolicyForm(request.POST)
    if form.is_valid() and services.activity_policy_set(activity=activity, policy=form.cleaned_data["policy"]):
        sent = grades.scores_queue(
            learners=ActivityLearner.objects.filter(activity=activity).select_related("activity"),
            reason=ScoreDelivery.Reason.POLICY,
        )
        messages.success(request, f"Policy changed to “{activity.get_policy_display()}”; {sent} score(s) queued.")
    return redirect("lti:activity", pk=activity.pk)


@require_POST
def learner_resend(request: HttpRequest, pk: int, learner_pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    learner = get_object_or_404(ActivityLearner.objects.select_related("activity"), pk=learner_pk, activity=activity)
    if grades.score_resend(learner=learner) is None:
        messages.info(request, "Nothing to send: this learner has no counted attempt yet.")
    else:
        messages.success(request, "The score is queued to be sent again.")
    return redirect("lti:activity", pk=activity.pk)


@require_POST
def roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    course = get_object_or_404(Course, context=activity.resource_link.context)
    try:
        result = services.course_roster_import(course=course)
    except LtiException as error:
        logger.warning("Roster import for course %s failed: %s", course.pk, error)
        messages.error(request, "The LMS did not hand over the roster (no Names and Roles service, or it refused).")
    else:
        messages.success(
            request,
            f"Roster imported: {result.learners} learner(s), {result.instructors} instructor(s); "
            f"{result.removed} inactive member(s) left the cohort.",
        )
    return redirect("lti:activity", pk=activity.pk)
