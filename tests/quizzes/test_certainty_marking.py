"""Certainty-based marking, a quiz option, and calibration on the dashboard (issue 18)."""

import re

import pytest
from django.urls import reverse

from leucocases.cases.models import Attempt
from leucocases.quizzes.models import Quiz, QuizAttempt
from tests.cases.factories import make_case
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def start(client, quiz) -> QuizAttempt:
    client.post(reverse("quizzes:start", kwargs={"slug": quiz.slug}))
    return QuizAttempt.objects.filter(quiz=quiz).order_by("-pk").first()


def take(client, quiz, answers, quiz_attempt=None):
    """Submit one (cause, certainty) per case of ``quiz`` (started now unless given); return the quiz attempt."""
    quiz_attempt = quiz_attempt or start(client, quiz)
    case_attempts = Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt).order_by("pk")
    for case_attempt, (cause, certainty) in zip(case_attempts, answers, strict=True):
        client.post(
            reverse("quizzes:submit", kwargs={"pk": quiz_attempt.pk}),
            {"attempt": case_attempt.pk, "diagnosis": cause, "certainty": certainty},
        )
    return quiz_attempt


def marked_quiz(**fields):
    cases = [make_case(title=f"Marked case {i}").case for i in (1, 2)]
    return make_quiz(cases=cases, mode=Quiz.Mode.PRACTICE, title="Marked quiz", **fields)


def test_a_marking_quiz_states_the_scale_before_and_gives_marks_after(client, learner):
    quiz = marked_quiz(certainty_based_marking=True)
    quiz_attempt = start(client, quiz)
    runner = client.get(quiz_attempt.get_absolute_url()).content.decode()
    assert "This quiz uses certainty-based marking: a right diagnosis earns 1, 2, 3 marks" in runner
    take(client, quiz, [("thiopurines", "high"), ("aplastic-anaemia", "medium")], quiz_attempt)
    first, second = Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt).order_by("pk")
    assert (first.certainty, second.certainty) == ("high", "medium")
    report = text(client.get(first.get_absolute_url()).content.decode())
    assert "Certainty stated with the diagnosis: high . Certainty-based mark: +3 ." in report
    assert "a wrong one 0, \u22122, \u22126 marks at low, medium, high certainty (Moodle" in report
    assert "Certainty-based mark: \u22122" in text(client.get(second.get_absolute_url()).content.decode())

    quiz_report = text(client.get(reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})).content.decode())
    assert "Certainty-based marks: 1 of a possible 6." in quiz_report
    assert "High: +3" in quiz_report and "Medium: -2" in quiz_report


def test_without_the_option_the_report_gives_the_certainty_only(client, learner):
    quiz = marked_quiz()
    quiz_attempt = take(client, quiz, [("thiopurines", "low"), ("thiopurines", "high")])
    first = Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt).order_by("pk").first()
    report = text(client.get(first.get_absolute_url()).content.decode())
    assert "Certainty stated with the diagnosis: low . Certainty does not change the score." in report
    assert "Certainty-based mark" not in report
    quiz_report = client.get(reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})).content.decode()
    assert "Certainty-based marks" not in quiz_report and "Certainty mark" not in quiz_report


def test_the_dashboard_shows_how_often_each_certainty_was_right(client, learner):
    empty = text(client.get(reverse("accounts:dashboard")).content.decode())
    assert "say how certain you are with each diagnosis" in empty
    cases = [make_case(title=f"Calibration case {i}").case for i in range(4)]
    quiz = make_quiz(cases=cases, mode=Quiz.Mode.PRACTICE)
    take(
        client,
        quiz,
        [("thiopurines", "high"), ("aplastic-anaemia", "high"), ("thiopurines", "high"), ("thiopurines", "low")],
    )
    html = client.get(reverse("accounts:dashboard")).content.decode()
    page = text(html)
    assert "When you said high certainty, your diagnosis was right 2 times out of 3 (67%)." in page
    table = text(re.search(r"<caption>Diagnoses by the certainty you stated</caption>.*?</table>", html, re.S).group(0))
    assert "Low 1 1 100%" in table and "Medium 0 0 —" in table and "High 3 2 67%" in table
    chart = re.search(r'<svg class="bar-chart"[^>]*aria-label="([^"]+)"', html.split('id="calibration-heading"')[1])
    assert chart.group(1) == (
        "How often you were right, by stated certainty (percent right). "
        "Low certainty (1 answer): 100%; High certainty (3 answers): 66.7%."
    )
