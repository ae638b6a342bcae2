"""Playing a case or a quiz the way the site's services do, and running the task worker."""

from __future__ import annotations

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from leucocases.cases import services as case_services
from leucocases.cases.models import Attempt, Case
from leucocases.taxonomy.models import Cause, WorkupStep


def lms_user(sub: str):
    return get_user_model().objects.get(lti_users__sub=sub)


def play(*, case: Case, user, steps: list[str], diagnosis: str | None):
    """Choose ``steps`` and submit ``diagnosis`` through the case services.

    Tests that use this commit (``transaction=True``): the hooks run on commit,
    and the worker, like a real one, runs outside any transaction.
    """
    attempt = Attempt.objects.create(case=case, user=user)
    for slug in steps:
        case_services.attempt_choose_step(attempt=attempt, step=WorkupStep.objects.get(slug=slug))
    report = case_services.attempt_submit(
        attempt=attempt, diagnosis=Cause.objects.get(slug=diagnosis) if diagnosis else None
    )
    return attempt, report


def run_worker() -> str:
    """The real django-tasks-db worker, once through every job that is due, then it exits."""
    out = StringIO()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", stdout=out)
    return out.getvalue()
