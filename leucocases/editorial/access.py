"""Who may use the instructor tools and review content: one rule, written once.

It lives in editorial, the lowest layer, because review rights are editorial
ones and every layer checks them: the case preview (cases), the import and
quiz-loading commands (cases, quizzes), the instructor pages and LTI roles.

An instructor is an active, logged-in user with the permission to change
cases (``cases.change_case``): superusers have every permission, and the
"Instructors" group carries it (``create_demo_accounts`` gives the group full
rights on content). A permission rather than a group name, so the rule is
the same one the case admin already applies, and renaming a group or adding
a second instructors' group changes nothing here.

``instructor_required`` wraps every instructor view: an anonymous visitor is
sent to the login page (and back afterwards); a logged-in learner gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse

INSTRUCTOR_PERMISSION = "cases.change_case"


def is_instructor(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm(INSTRUCTOR_PERMISSION))


def instructor_named(username: str) -> Any:
    """The active instructor account ``username``, for the commands that act
    for someone (``import_cases --publish-as``); ``ValidationError`` if none."""
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    if not is_instructor(user):
        raise ValidationError(f"“{username}” is not an active account with instructor rights.", code="not_instructor")
    return user


def instructor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_instructor(request.user):
            raise PermissionDenied("Instructor rights are needed for this page.")
        return view(request, *args, **kwargs)

    return wrapped
