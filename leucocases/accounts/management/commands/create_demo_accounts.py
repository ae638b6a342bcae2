"""Development only: the Instructors group and three demo users to explore the site with.

Safe to repeat: a second run finds everything in place and changes nothing
(a demo password someone changed is put back to the documented one).
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from leucocases.accounts.models import Profile

INSTRUCTORS_GROUP = "Instructors"
CONTENT_APPS = ("editorial", "taxonomy", "cases", "quizzes")
# Learners' records: instructors read them (reports, item analysis) but never edit them.
LEARNER_RECORDS = {
    ("cases", "attempt"),
    ("cases", "choice"),
    ("cases", "gradedreport"),
    ("quizzes", "quizattempt"),
}
# Each case's review record (history, comments) is written by the review tools
# only, never by hand, as when it lived in the instructor app.
REVIEW_RECORDS = {("cases", "caserevision"), ("cases", "reviewcomment")}
CONTENT_ACTIONS = ("add", "change", "view", "delete")
RECORD_ACTIONS = ("view",)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    is_staff: bool
    instructor: bool
    audience: str
    role: str


DEMO_ACCOUNTS = (
    DemoAccount(
        "instructor", "leuco-demo-instructor", True, True, Profile.Audience.CLINICIAN, "authors content in /admin/"
    ),
    DemoAccount(
        "reviewer",
        "leuco-demo-reviewer",
        True,
        True,
        Profile.Audience.CLINICIAN,
        "a second instructor, to approve the first one's work",
    ),
    DemoAccount("student", "leuco-demo-student", False, False, Profile.Audience.STUDENT, "a learner"),
)


def instructor_permissions() -> list[Permission]:
    """Full rights on content models of the content apps; view-only on learners' records."""
    wanted: list[Permission] = []
    for label in CONTENT_APPS:
        app_config = apps.get_app_config(label)
        # Permissions normally appear on migrate; make sure of it for models added since.
        create_permissions(app_config, verbosity=0)
        for model in app_config.get_models():
            opts = model._meta
            if (label, opts.model_name) in REVIEW_RECORDS:
                continue
            actions = RECORD_ACTIONS if (label, opts.model_name) in LEARNER_RECORDS else CONTENT_ACTIONS
            content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
            codenames = [f"{action}_{opts.model_name}" for action in actions]
            wanted.extend(Permission.objects.filter(content_type=content_type, codename__in=codenames))
    return wanted


class Command(BaseCommand):
    help = "Development only: create the Instructors group and the demo users (instructor, reviewer, student)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "create_demo_accounts is for development only and refuses to run with DEBUG off "
                "(its passwords are public). Run it with DJANGO_DEBUG=1."
            )
        with transaction.atomic():
            group, group_created = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
            wanted = set(instructor_permissions())
            if set(group.permissions.all()) != wanted:
                group.permissions.set(wanted)
            self.stdout.write(
                f"Group {INSTRUCTORS_GROUP!r}: {'created' if group_created else 'up to date'}, "
                f"{len(wanted)} permissions."
            )
            results = [(account, self.ensure_user(account, group)) for account in DEMO_ACCOUNTS]

        self.stdout.write("")
        self.stdout.write("Demo accounts (development only; log in at /accounts/login/):")
        width = max(len(account.username) for account in DEMO_ACCOUNTS)
        for account, status in results:
            self.stdout.write(
                f"  {account.username:<{width}}  password: {account.password:<22} {status:<9} — {account.role}"
            )

    def ensure_user(self, account: DemoAccount, group: Group) -> str:
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={"email": f"{account.username}@example.com", "is_staff": account.is_staff},
        )
        changed = created
        if user.is_staff != account.is_staff or not user.is_active:
            user.is_staff = account.is_staff
            user.is_active = True
            changed = True
        if created or not user.check_password(account.password):
            user.set_password(account.password)
            changed = True
        if changed:
            user.save()
        in_group = user.groups.filter(pk=group.pk).exists()
        if account.instructor and not in_group:
            user.groups.add(group)
            changed = True
        elif not account.instructor and in_group:
            user.groups.remove(group)
            changed = True
        Profile.objects.get_or_create(user=user, defaults={"audience": account.audience})
        if created:
            return "created"
        return "updated" if changed else "unchanged"
