"""Regrade and issue 18: the stored differential comparison is left as the learner read it
(docs/case-format.md: "a regrade does not recompute it"); certainty-based marks follow the
current report, so a regrade that makes a diagnosis right or wrong changes the mark, and so
does turning the quiz's marking on or off."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from leucocases.cases.models import Case, DiagnosisOption, DifferentialReport
from leucocases.instructor.services import case_regrade_apply
from leucocases.quizzes.models import Quiz, QuizAttempt
from leucocases.quizzes.report import quiz_attempt_report
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import make_differential_case
from tests.quizzes.factories import make_quiz

from .factories import make_reasoned_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    case = make_differential_case()
    quiz = make_quiz(cases=[case], mode="practice", certainty_based_marking=True)
    learner = make_user(username="ada")
    qa = QuizAttempt.objects.create(quiz=quiz, user=learner)
    # The partial-credit cause at high certainty: wrong, -6.
    attempt = make_reasoned_attempt(
        case=case,
        user=learner,
        first=["drugs-and-environmental-toxins"],
        final=["drugs-and-environmental-toxins"],
        diagnosis="drugs-and-environmental-toxins",
        certainty="high",
        quiz_attempt=qa,
    )
    QuizAttempt.objects.filter(pk=qa.pk).update(finished_at=qa.started_at, finish_reason="completed")
    return case, quiz, qa, attempt


def make_toxins_the_answer(case: Case) -> None:
    DiagnosisOption.objects.filter(case=case, cause__slug="thiopurines").update(credit=Decimal("0.5"))
    DiagnosisOption.objects.filter(case=case, cause__slug="drugs-and-environmental-toxins").update(credit=1)
    Case.objects.filter(pk=case.pk).update(
        differential={"final": [{"cause": "drugs-and-environmental-toxins"}, {"cause": "thiopurines"}]}
    )


def csv_mark(client, quiz) -> str:
    response = client.get(reverse("instructor:quiz_results_csv", args=[quiz.slug]))
    (row,) = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    return row["certainty_mark"]


def test_a_regrade_leaves_the_stored_differential_and_moves_the_certainty_mark(client, world):
    case, quiz, qa, attempt = world
    stored = DifferentialReport.objects.get(attempt=attempt)
    before = stored.data
    assert before["never_considered"] == ["aplastic-anaemia"] and before["correct_cause"] == "thiopurines"
    assert quiz_attempt_report(quiz_attempt=qa).cbm_total == -6
    client.force_login(make_instructor())
    assert csv_mark(client, quiz) == "-6"

    make_toxins_the_answer(case)
    result = case_regrade_apply(case=case, user=make_instructor())
    assert result.changed == 1

    stored.refresh_from_db()
    assert stored.data == before  # compared as at submission: the same expert list, the same never-considered cause
    assert DifferentialReport.objects.filter(attempt=attempt).count() == 1
    # The diagnosis is now right: +3 at high certainty, on the learner's quiz report and in the results CSV.
    assert quiz_attempt_report(quiz_attempt=qa).cbm_total == 3
    assert csv_mark(client, quiz) == "3"
    # The learner's report still shows the differential as it was compared.
    client.force_login(attempt.user)
    page = client.get(attempt.get_absolute_url()).content.decode()
    assert "Aplastic anaemia" in page


def test_turning_the_quizs_marking_off_removes_the_marks(client, world):
    _case, quiz, qa, _attempt = world
    Quiz.objects.filter(pk=quiz.pk).update(certainty_based_marking=False)
    qa.refresh_from_db()
    assert quiz_attempt_report(quiz_attempt=qa).cbm_total is None
    client.force_login(make_instructor())
    assert csv_mark(client, quiz) == ""


def test_the_regrade_page_says_what_it_does_not_redo(client, world):
    case, *_ = world
    client.force_login(make_instructor())
    page = client.get(reverse("instructor:case_regrade", args=[case.slug])).content.decode()
    assert "each learner&#x27;s differential stays compared with the expert differential" in page or (
        "each learner's differential stays compared with the expert differential" in page
    )
