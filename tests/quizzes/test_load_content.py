"""``manage.py load_content`` (what ``make content`` and ``make run`` use): every shipped loader, in order,
in one process — the same rows as the README's commands run one by one."""

from io import StringIO

import pytest
from django.core.management import call_command

from leucocases.cases.models import Case
from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes.models import Quiz
from leucocases.taxonomy.models import Cause, WorkupStep

pytestmark = pytest.mark.django_db


def test_load_content_loads_and_publishes_everything_shipped_and_is_safe_to_repeat():
    out = StringIO()
    call_command("load_content", stdout=out)
    text = out.getvalue()
    assert "Imported 26 cases from 26 files: 26 created" in text
    assert "26 published as content-loader" in text
    assert "Loaded 4 quizzes" in text and "4 published as content-loader" in text
    published = Case.objects.filter(review_status=ReviewStatus.APPROVED, draft_of__isnull=True)
    assert published.count() == 26
    assert Quiz.objects.filter(review_status=ReviewStatus.APPROVED).count() == 4
    assert Cause.objects.exists() and WorkupStep.objects.exists()

    again = StringIO()
    call_command("load_content", stdout=again)
    assert "26 created" not in again.getvalue()
    assert Case.objects.filter(review_status=ReviewStatus.APPROVED, draft_of__isnull=True).count() == 26
