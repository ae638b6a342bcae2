"""LTI writes: accepting a launch (account, role, cohort, activity), the score
policy, roster import, and the tool's signing key.

Keyword-only ``<thing>_<action>`` functions (DESIGN §4); views call these.
Grade passback lives in ``grades.py``, learning records in ``xapi.py``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model, login
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from lti_tool.lti_core.constants import ContextRole
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import LtiContext, LtiLaunch, LtiMembership, LtiRegistration, LtiResourceLink, LtiUser
from lti_tool.services.nrps import fetch_member_data
from lti_tool.utils import sync_data_from_launch

from leucocases.cases.models import Case
from leucocases.editorial.access import is_instructor
from leucocases.quizzes.models import Cohort, Quiz

from .framing import SESSION_KEY, frame_origins_of
from .launch import tool_key_ensure
from .models import Activity, ActivityLearner, Course, PlatformSettings, ScorePolicy

logger = logging.getLogger(__name__)

#: LIS roles that make someone an instructor of the course here (context roles,
#: full or short form; a teaching assistant is an instructor sub-role).
INSTRUCTOR_ROLES = frozenset(
    {
        ContextRole.INSTRUCTOR.value,
        ContextRole.ADMINISTRATOR.value,
        ContextRole.CONTENT_DEVELOPER.value,
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    }
)
LEARNER = "learner"
INSTRUCTOR = "instructor"


def lis_role(roles: Any) -> str:
    """``instructor`` for an instructor, administrator, content developer or TA of the
    course; ``learner`` for anyone else (learners, and roles such as mentor, who see
    what a learner sees; only learners' scores reach the gradebook)."""
    if not isinstance(roles, list):
        return LEARNER
    normal = {normalize_role(r) for r in roles if isinstance(r, str)}
    return INSTRUCTOR if normal & INSTRUCTOR_ROLES else LEARNER


def is_learner_role(roles: Any) -> bool:
    normal = {normalize_role(r) for r in roles if isinstance(r, str)} if isinstance(roles, list) else set()
    return ContextRole.LEARNER.value in normal and not normal & INSTRUCTOR_ROLES


# --------------------------------------------------------------------------
# Accounts, courses, activities
# --------------------------------------------------------------------------


def account_for_lti_user(*, lti_user: LtiUser) -> Any:
    """The LeucoCases account of an LMS user, made (and linked) on first launch.

    The account has no usable password: its owner signs in through the LMS.
    An administrator may instead link the LMS user to an existing account
    (Admin → LTI users → auth user). Accounts are never matched by e-mail: an
    LMS lets people set addresses, and a match would hand over the account.
    """
    User = get_user_model()
    with transaction.atomic():
        locked = LtiUser.objects.select_for_update().get(pk=lti_user.pk)
        if locked.auth_user_id is not None:
            return locked.auth_user
        digest = hashlib.sha256(f"{locked.registration_id}:{locked.sub}".encode()).hexdigest()[:16]
        user = User(
            username=f"lms-{digest}",
            first_name=(locked.given_name or "")[:150],
            last_name=(locked.family_name or "")[:150],
            email=locked.email or "",
        )
        user.set_unusable_password()
        user.save()
        locked.auth_user = user
        locked.save(update_fields=["auth_user", "datetime_modified"])
    return user


def course_for_context(*, context: LtiContext) -> Course:
    """The cohort an LMS course became (made on first launch from that course)."""
    course = Course.objects.filter(context=context).select_related("cohort").first()
    if course is not None:
        return course
    title = (context.title or context.label or context.id_on_platform or "LMS course")[:80]
    with transaction.atomic():
        cohort = Cohort.objects.create(name=f"{title} · LMS course {context.pk}", slug=f"lms-{context.pk}")
        try:
            with transaction.atomic():
                return Course.objects.create(context=context, cohort=cohort)
        except IntegrityError:
            cohort.delete()
    return Course.objects.select_related("cohort").get(context=context)


def cohort_enrol(*, course: Course, user: Any, role: str) -> None:
    if role == INSTRUCTOR:
        course.cohort.instructors.add(user)
    else:
        course.cohort.learners.add(user)


def target_from_custom(custom: Any) -> tuple[Case | None, Quiz | None, str]:
    """The case or quiz (and policy) a link's custom parameters name: ``case=<slug>`` or
    ``quiz=<slug>``, optional ``policy=first|best|last``. Deep linking writes these."""
    custom = custom if isinstance(custom, dict) else {}
    policy = custom.get("policy") if custom.get("policy") in ScorePolicy.values else ScorePolicy.BEST
    if slug := custom.get("case"):
        return Case.objects.filter(slug=str(slug)).first(), None, policy
    if slug := custom.get("quiz"):
        return None, Quiz.objects.filter(slug=str(slug)).first(), policy
    return None, None, policy


def activity_for_link(*, resource_link: LtiResourceLink, custom: Any, ags: Any) -> Activity | None:
    """The activity behind an LMS link: made on its first launch from the custom
    parameters, its gradebook endpoints refreshed from every launch. None when the
    link names no existing case or quiz."""
    activity = Activity.objects.filter(resource_link=resource_link).select_related("case", "quiz").first()
    if activity is None:
        case, quiz, policy = target_from_custom(custom)
        if case is None and quiz is None:
            return None
        activity, _ = Activity.objects.get_or_create(
            resource_link=resource_link, defaults={"case": case, "quiz": quiz, "policy": policy}
        )
    ags = ags if isinstance(ags, dict) else {}
    scopes = ags.get("scope") if isinstance(ags.get("scope"), list) else []
    endpoints = {
        "line_item_url": str(ags.get("lineitem") or "")[:500],
        "lineitems_url": str(ags.get("lineitems") or "")[:500],
        "ags_scopes": [scope for scope in scopes if isinstance(scope, str)],
    }
    # A link keeps a column it was given (or we created) if a later launch omits it.
    if not endpoints["line_item_url"]:
        endpoints["line_item_url"] = activity.line_item_url
    changed = [name for name, value in endpoints.items() if getattr(activity, name) != value]
    for name in changed:
        setattr(activity, name, endpoints[name])
    if changed:
        activity.save(update_fields=changed)
    return activity


def activity_learner_record(*, activity: Activity, user: Any, lti_user: LtiUser) -> ActivityLearner:
    now = timezone.now()
    learner, created = ActivityLearner.objects.get_or_create(
        activity=activity, user=user, defaults={"lti_user": lti_user, "first_launch_at": now, "last_launch_at": now}
    )
    if not created:
        ActivityLearner.objects.filter(pk=learner.pk).update(last_launch_at=now, lti_user=lti_user)
    return learner


def can_manage_activity(*, user: Any, activity: Activity) -> bool:
    """Instructors (or administrators, content developers) of the activity's LMS
    course, and the site's instructors."""
    if is_instructor(user):
        return True
    if not user.is_authenticated:
        return False
    return LtiMembership.objects.filter(
        Q(is_instructor=True) | Q(is_administrator=True) | Q(is_content_developer=True),
        context_id=activity.resource_link.context_id,
        user__auth_user=user,
        is_active=True,
    ).exists()


# --------------------------------------------------------------------------
# Accepting a launch
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LaunchOutcome:
    """Where the launched user goes next (``problem``: a page saying why not)."""

    next_url: str
    problem: str = ""


def frame_origins_for(*, registration: LtiRegistration) -> list[str]:
    return frame_origins_of(registration, PlatformSettings.objects.filter(registration=registration).first())


def launch_accept(*, request: HttpRequest, lti_launch: LtiLaunch) -> LaunchOutcome:
    """Sign the LMS user in and decide where a validated launch goes.

    Syncs what the launch says (django-lti: user, course, membership, link),
    signs the user into their LeucoCases account, puts them in the course's
    cohort (learner or instructor), and remembers the launch in the session
    (which lets the platform frame this session's pages).
    """
    sync_data_from_launch(lti_launch)
    registration = lti_launch.registration
    lti_user = lti_launch.user
    user = account_for_lti_user(lti_user=lti_user)
    if not user.is_active:
        return LaunchOutcome(next_url="", problem="account_disabled")
    roles = lti_launch.roles_claim
    role = lis_role(roles)
    course = course_for_context(context=lti_launch.context)
    cohort_enrol(course=course, user=user, role=role)

    request.session.flush()
    login(request, user, backend="leucocases.security.AccountBackend")
    session: dict[str, Any] = {
        "registration": registration.pk,
        "deployment": lti_launch.deployment.pk,
        "course": course.pk,
        "role": role,
        "frame_origins": frame_origins_for(registration=registration),
    }
    request._lti_session_started = True

    if lti_launch.is_deep_link_launch:
        if role != INSTRUCTOR:
            request.session[SESSION_KEY] = session
            return LaunchOutcome(next_url="", problem="deep_link_needs_instructor")
        session["deep_link"] = {
            "deployment_id": lti_launch.deployment.deployment_id,
            "settings": lti_launch.get_claim("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"),
        }
        request.session[SESSION_KEY] = session
        return LaunchOutcome(next_url=reverse("lti:deep_link"))

    activity = activity_for_link(
        resource_link=lti_launch.resource_link,
        custom=lti_launch.get_claim("https://purl.imsglobal.org/spec/lti/claim/custom"),
        ags=lti_launch.ags_claim,
    )
    if activity is None:
        request.session[SESSION_KEY] = session
        return LaunchOutcome(next_url="", problem="link_not_set_up")
    session["activity"] = activity.pk
    request.session[SESSION_KEY] = session
    if activity.quiz_id is not None and activity.quiz.cohorts.exists():
        # A quiz kept for some cohorts opens to this course too; one open to
        # everyone stays open to everyone.
        activity.quiz.cohorts.add(course.cohort)
    if role == INSTRUCTOR:
        return LaunchOutcome(next_url=reverse("lti:activity", kwargs={"pk": activity.pk}))
    activity_learner_record(activity=activity, user=user, lti_user=lti_user)
    target = activity.case if activity.case_id else activity.quiz
    return LaunchOutcome(next_url=target.get_absolute_url())


# --------------------------------------------------------------------------
# Names and Roles: the course roster into the cohort
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterResult:
    learners: int
    instructors: int
    removed: int


def course_roster_import(*, course: Course) -> RosterResult:
    """Fetch the course roster (NRPS) and make the cohort match it.

    Every active member gets an account (as at a first launch) and joins the
    cohort as learner or instructor; members the LMS lists as inactive or
    deleted leave it. Raises pylti1p3's ``LtiException`` when the LMS refuses
    or offers no roster service for the course.
    """
    context = course.context
    tool_key_ensure()
    members = fetch_member_data(context)
    context.update_memberships(members)
    learners = instructors = removed = 0
    registration = context.deployment.registration
    for member in members:
        sub = member.get("user_id")
        if not isinstance(sub, str):
            continue
        lti_user = LtiUser.objects.get(registration=registration, sub=sub)
        user = account_for_lti_user(lti_user=lti_user)
        role = lis_role(member.get("roles"))
        if member.get("status", "Active") != "Active":
            course.cohort.learners.remove(user)
            course.cohort.instructors.remove(user)
            removed += 1
            continue
        cohort_enrol(course=course, user=user, role=role)
        if role == INSTRUCTOR:
            instructors += 1
        else:
            learners += 1
    course.roster_imported_at = timezone.now()
    course.save(update_fields=["roster_imported_at"])
    return RosterResult(learners=learners, instructors=instructors, removed=removed)


def activity_policy_set(*, activity: Activity, policy: str) -> bool:
    """Change the score policy; True if it changed (the caller re-sends scores)."""
    if policy not in ScorePolicy.values or policy == activity.policy:
        return False
    activity.policy = policy
    activity.save(update_fields=["policy"])
    return True
