"""Upgrading a database loaded with the earlier shipped content: the data migrations rename the
cases whose slug gave their answer away and retire the quizzes themed by cause group, so that
``make content`` updates everything in place and the exam-case rule holds."""

from __future__ import annotations

from importlib import import_module
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from leucocases.accounts.services import CONTENT_LOADER
from leucocases.cases.models import Attempt, Case
from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes.models import Quiz, QuizAttempt, QuizAttemptCase
from tests.accounts.factories import make_user
from tests.cases.factories import make_case
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db
rename_cases = import_module("leucocases.cases.migrations.0005_rename_shipped_case_slugs")
retire_quizzes = import_module("leucocases.quizzes.migrations.0002_retire_group_themed_quizzes")
CASES_DIR = Path(settings.BASE_DIR) / "fixtures" / "cases"


def test_old_case_slugs_are_renamed_unless_the_new_one_is_taken():
    old = make_case(slug="cll-mouth-ulcers").case
    kept = make_case(slug="heavy-drinker-pneumonia").case
    make_case(slug="heavy-drinker-cough-and-fever")
    rename_cases.forwards(apps, None)
    assert Case.objects.get(pk=old.pk).slug == "mouth-ulcers-and-a-skin-abscess"
    assert Case.objects.get(pk=kept.pk).slug == "heavy-drinker-pneumonia"
    rename_cases.backwards(apps, None)
    assert Case.objects.get(pk=old.pk).slug == "cll-mouth-ulcers"


def test_the_old_group_themed_quizzes_are_retired_and_the_shipped_quizzes_then_load(shipped_content):
    """Before: "Drugs and toxins" shares a case with the new exam, so load_quizzes refuses the file.
    After the migration it is a draft with no cases, its attempts kept, and the file loads."""
    call_command("create_content_loader", verbosity=0)
    call_command("import_cases", str(CASES_DIR), publish_as=CONTENT_LOADER, verbosity=0, stdout=StringIO())
    exam_case = Case.objects.get(slug="endocarditis-week-three")
    old = make_quiz(
        cases=[exam_case, Case.objects.get(slug="breast-cancer-day-ten")],
        mode=Quiz.Mode.PRACTICE,
        slug="drugs-and-toxins",
        title="Drugs and toxins",
    )
    attempt = QuizAttempt.objects.create(quiz=old, user=make_user())
    case_attempt = Attempt.objects.create(case=exam_case, user=attempt.user)
    QuizAttemptCase.objects.create(quiz_attempt=attempt, attempt=case_attempt, case=exam_case)
    edited = make_quiz(cases=[], mode=Quiz.Mode.PRACTICE, slug="marrow-and-malignancy", title="Renamed by an editor")
    with pytest.raises(CommandError):
        call_command("load_quizzes", publish_as=CONTENT_LOADER, verbosity=0, stdout=StringIO(), stderr=StringIO())

    retire_quizzes.forwards(apps, None)
    old.refresh_from_db()
    assert old.review_status == ReviewStatus.DRAFT and not old.items.exists()
    assert QuizAttempt.objects.filter(quiz=old).count() == 1
    assert Attempt.objects.filter(quiz_case__quiz_attempt=attempt).exists()
    assert Quiz.objects.get(pk=edited.pk).review_status == ReviewStatus.APPROVED  # not the shipped one: left alone
    call_command("load_quizzes", publish_as=CONTENT_LOADER, verbosity=0, stdout=StringIO())
    assert Quiz.objects.get(slug="leucopenia-workup-timed-exam").cases.filter(pk=exam_case.pk).exists()
