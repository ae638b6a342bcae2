"""Small factories for account tests."""

from itertools import count

from django.contrib.auth import get_user_model
from django.utils import timezone

_serial = count(1)
PASSWORD = "a-long-test-passphrase-42"


def make_user(*, username: str | None = None, email: str | None = None, password: str = PASSWORD, **extra):
    n = next(_serial)
    username = username or f"learner{n}"
    return get_user_model().objects.create_user(
        username=username, email=email or f"{username}@example.com", password=password, **extra
    )


def make_case(*, title: str = "A tired teacher", slug: str | None = None):
    from leucocases.cases.models import Case
    from leucocases.editorial.models import ReviewStatus

    return Case.objects.create(
        title=title,
        slug=slug or f"case-{next(_serial)}",
        presentation="A 45-year-old with fatigue.",
        review_status=ReviewStatus.APPROVED,
    )


def make_submitted_attempt(*, user, case=None, total: float = 72.0, submitted_at=None, superseded_totals=()):
    """A submitted attempt with a current graded report (and optionally older, superseded ones)."""
    from leucocases.cases.models import Attempt, GradedReport

    attempt = Attempt.objects.create(case=case or make_case(), user=user, submitted_at=submitted_at or timezone.now())
    for old_total in superseded_totals:
        GradedReport.objects.create(
            attempt=attempt,
            data={},
            engine_version="test",
            total=old_total,
            workup_score=old_total,
            diagnosis_score=old_total,
            superseded_at=timezone.now(),
            reason="submission",
        )
    GradedReport.objects.create(
        attempt=attempt, data={}, engine_version="test", total=total, workup_score=total, diagnosis_score=total
    )
    return attempt
