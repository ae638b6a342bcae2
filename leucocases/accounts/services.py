"""Account operations used by views, commands and other apps."""

from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac

from leucocases.cases.models import Attempt, GradedReport

from .forms import SignUpForm
from .models import PasswordResetRequest, Profile

PASSWORD_RESET_WINDOW = timedelta(hours=1)

#: The account that publishes the shipped content (``make content``: ``import_cases`` and
#: ``load_quizzes --publish-as content-loader``), so that every approval names someone.
CONTENT_LOADER = "content-loader"
#: Instructor rights (``leucocases.editorial.access.INSTRUCTOR_PERMISSION``), which publishing needs.
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


class ResetVerdict(StrEnum):
    SEND = "send"
    #: The address had its share of e-mails this hour: answer as if sent, send nothing
    #: (a different answer would tell whether the address has an account).
    ADDRESS_LIMIT = "address_limit"
    #: This network asked too often this hour: say so (429).
    NETWORK_LIMIT = "network_limit"


def _address_digest(email: str) -> str:
    return salted_hmac("leucocases.password-reset", email.strip().casefold(), algorithm="sha256").hexdigest()


def password_reset_request(*, email: str, ip_address: str | None, now: datetime | None = None) -> ResetVerdict:
    """Record a password-reset request and say whether to send the e-mail.

    At most ``PASSWORD_RESET_LIMIT_PER_ADDRESS`` e-mails to one address and
    ``PASSWORD_RESET_LIMIT_PER_NETWORK`` requests from one address per hour.
    Requests refused for the network are not recorded; those over the address's
    limit are, so hammering one address also uses up the sender's own allowance.
    Concurrent requests may overshoot a limit by one or two: it bounds a flood.
    """
    now = now or timezone.now()
    start = now - PASSWORD_RESET_WINDOW
    with transaction.atomic():
        PasswordResetRequest.objects.filter(requested_at__lt=start).delete()
        recent = PasswordResetRequest.objects.since(start)
        if ip_address and recent.filter(ip_address=ip_address).count() >= settings.PASSWORD_RESET_LIMIT_PER_NETWORK:
            return ResetVerdict.NETWORK_LIMIT
        digest = _address_digest(email)
        over = recent.filter(address_digest=digest).count() >= settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
        PasswordResetRequest.objects.create(address_digest=digest, ip_address=ip_address, requested_at=now)
    return ResetVerdict.ADDRESS_LIMIT if over else ResetVerdict.SEND
