"""Account operations used by views, commands and other apps."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from leucocases.cases.models import Attempt, GradedReport

from .forms import SignUpForm
from .models import Profile


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
