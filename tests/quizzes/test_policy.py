"""The quiz rules reach cases through the interface cases owns (``cases.policies``), and
the link from a quiz attempt to its case attempts lives in quizzes (``QuizAttemptCase``)."""

from datetime import timedelta

import pytest
from django.db.models import RestrictedError
from django.utils import timezone

from leucocases.cases import policies
from leucocases.cases import services as case_services
from leucocases.cases.models import Attempt, Choice
from leucocases.cases.policies import AttemptClosed
from leucocases.quizzes import services
from leucocases.quizzes.models import QuizAttempt, QuizAttemptCase
from leucocases.quizzes.policy import QuizPolicy
from tests.accounts.factories import make_user
from tests.cases.factories import make_case
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db


def test_the_quiz_rules_are_registered_once_when_the_site_starts():
    assert [type(p) for p in policies.registered_policies()] == [QuizPolicy]


def test_a_late_choice_is_refused_with_a_named_exception():
    """The quiz runner catches ``AttemptClosed`` by type, not a ValidationError by its code."""
    bundle = make_case()
    quiz_attempt = services.quiz_attempt_start_or_resume(
        quiz=make_quiz(cases=[bundle.case], time_limit_minutes=5), user=make_user()
    )
    QuizAttempt.objects.filter(pk=quiz_attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(AttemptClosed) as closed:
        case_services.attempt_choose_step(
            attempt=quiz_attempt.case_attempts.get(), step=bundle.steps["peripheral-smear"]
        )
    assert closed.value.code == "time_up" and not Choice.objects.exists()


def test_without_the_quiz_rules_cases_treats_every_attempt_as_practice_and_open(monkeypatch):
    """Cases works on its own: the rules are the quiz app's, not built into cases."""
    bundle = make_case()
    quiz_attempt = services.quiz_attempt_start_or_resume(
        quiz=make_quiz(cases=[bundle.case], time_limit_minutes=5), user=make_user()
    )
    QuizAttempt.objects.filter(pk=quiz_attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    in_quiz = quiz_attempt.case_attempts.get()
    assert not Attempt.objects.practice().filter(pk=in_quiz.pk).exists()
    monkeypatch.setattr(policies, "_policies", [])
    assert Attempt.objects.practice().filter(pk=in_quiz.pk).exists()
    assert case_services.attempt_choose_step(attempt=in_quiz, step=bundle.steps["peripheral-smear"]).created


def test_a_quiz_attempt_is_deleted_with_its_learner_never_alone():
    """Deleted alone, a quiz attempt would leave its case attempts looking like practice ones
    (with an exam's reports visible): refused. Deleting the learner deletes both."""
    bundle = make_case()
    user = make_user()
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=make_quiz(cases=[bundle.case]), user=user)
    with pytest.raises(RestrictedError):
        quiz_attempt.delete()
    assert QuizAttemptCase.objects.count() == 1
    user.delete()
    assert not (QuizAttempt.objects.exists() or Attempt.objects.exists() or QuizAttemptCase.objects.exists())


def test_the_database_holds_each_case_to_one_attempt_per_quiz_attempt():
    from django.db import IntegrityError, transaction

    bundle = make_case()
    user = make_user()
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=make_quiz(cases=[bundle.case]), user=user)
    second = Attempt.objects.create(case=bundle.case, user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuizAttemptCase.objects.create(quiz_attempt=quiz_attempt, attempt=second, case=bundle.case)
