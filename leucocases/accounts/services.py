"""Account operations used by views, commands and other apps."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from leucocases.cases.models import Attempt, GradedReport

from .forms import SignUpForm
from .models import Profile

#: The account that publishes the shipped content (``make content``: ``import_cases`` and
#: ``load_quizzes --publish-as content-loader``), so that every approval names someone.
CONTENT_LOADER = "content-loader"
#: Instructor rights (``leucocases.instructor.access.INSTRUCTOR_PERMISSION``), which publishing needs.
CONTENT_LOADER_PERMISSION = ("cases", "change_case")


def profile_for(user: AbstractBaseUser) -> Profile:
    """The user's profile, created with defaults the first time it is asked for."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def account_sign_up(*, form: SignUpForm, audience: str = Profile.Audience.STUDENT) -> AbstractBaseUser:
    """Create the user from a valid sign-up form, with a profile for the audience they chose."""
    if audience not in Profile.Audience.values:
        audience = Profile.Audience.STUDENT
    with transaction.atomic():
        user = form.save()
        Profile.objects.create(user=user, audience=audience)
    return user


def submitted_attempts_for(*, user: AbstractBaseUser) -> QuerySet[Attempt]:
    """The user's submitted case attempts, newest first, each with ``total`` from its current report.

    One query: the current report's total is a subquery, not a query per row.
    """
    current_total = GradedReport.objects.filter(attempt=OuterRef("pk"), superseded_at__isnull=True).values("total")[:1]
    return (
        Attempt.objects.owned_by(user=user)
        .submitted()
        .select_related("case")
        .annotate(total=Subquery(current_total))
        .order_by("-submitted_at", "-pk")
    )


def content_loader_ensure() -> tuple[AbstractBaseUser, bool]:
    """The content-loader account, created (``True``) if missing: active, with
    instructor rights and no usable password, so it publishes shipped content
    from the command line and never logs in (nor resets a password: it has no
    e-mail address). Safe to repeat; works in production, unlike the demo accounts."""
    User = get_user_model()
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=CONTENT_LOADER, defaults={"first_name": "Shipped content", "is_active": True}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        app_label, codename = CONTENT_LOADER_PERMISSION
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        user.user_permissions.add(permission)
    return user, created
