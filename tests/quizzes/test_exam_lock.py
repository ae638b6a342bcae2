"""An exam locks its cases for everyone, in every session and every quiz (docs/quizzes.md).

While an exam is in force (any review status, until ``available_until`` has
passed) nobody plays its cases outside it and no report or score on them
shows anywhere but in the learner's own finished attempt at that exam. These
tests come at it from each side the adversarial pass used: an anonymous
session, a second browser of the learner taking the exam, another learner,
and a practice quiz sharing a case with the exam (which the authoring rules
now refuse, see test_exam_rules.py; here it is made directly in the
database, as old data could have it).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leucocases.cases import services as case_services
from leucocases.cases.models import Attempt, Case
from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes import services
from leucocases.quizzes.models import Quiz, QuizAttempt
from leucocases.quizzes.policy import EXAM_LOCK_MESSAGE, REPORT_HELD_MESSAGE
from tests.accounts.factories import make_user
from tests.cases.factories import make_case
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db

TITLE = "The locked case"


def play_url(case: Case) -> str:
    return reverse("cases:play", kwargs={"slug": case.slug})


def report_url(attempt: Attempt) -> str:
    return reverse("cases:report", kwargs={"pk": attempt.pk})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def anonymous_with_session() -> Client:
    client = Client()
    client.get(reverse("cases:list"))  # no session yet: make one
    session = client.session
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def practise_and_submit(client: Client, case: Case, cause: str = "thiopurines") -> Attempt:
    client.post(reverse("cases:choose", kwargs={"slug": case.slug}), {"step": "peripheral-smear"})
    client.post(reverse("cases:submit", kwargs={"slug": case.slug}), {"diagnosis": cause, "certainty": "medium"})
    return Attempt.objects.filter(case=case, quiz_case__isnull=True).order_by("-pk").first()


def close(quiz: Quiz) -> None:
    Quiz.objects.filter(pk=quiz.pk).update(available_until=timezone.now() - timedelta(minutes=1))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def bundle():
    """A case first offered as practice (as the shipped exam's cases once were)."""
    return make_case(title=TITLE, is_practice=True)


def test_nobody_plays_an_exam_case_outside_the_exam_while_the_exam_is_in_force(bundle):
    """Anonymous or signed in, the case is not listed, not found and takes no choice or submission;
    once the exam has closed it is practice again."""
    case = bundle.case
    exam = make_quiz(cases=[case], mode=Quiz.Mode.EXAM, time_limit_minutes=30)
    for client in (Client(), anonymous_with_session(), signed_in(make_user())):
        assert TITLE not in client.get(reverse("cases:list")).content.decode()
        assert client.get(play_url(case)).status_code == 404
        choose = client.post(reverse("cases:choose", kwargs={"slug": case.slug}), {"step": "peripheral-smear"})
        submit = client.post(
            reverse("cases:submit", kwargs={"slug": case.slug}), {"diagnosis": "thiopurines", "certainty": "high"}
        )
        assert choose.status_code == submit.status_code == 404
    assert not Attempt.objects.filter(case=case).exists()

    close(exam)
    client = Client()
    assert TITLE in client.get(reverse("cases:list")).content.decode()
    assert client.get(play_url(case)).status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"status": ReviewStatus.DRAFT},
        {"available_from": timezone.now() + timedelta(days=7), "available_until": timezone.now() + timedelta(days=8)},
    ],
    ids=["a draft exam", "an exam scheduled for next week"],
)
def test_an_exam_not_yet_open_already_locks_its_cases(bundle, fields):
    """Rehearsing a case before its exam opens is what the lock is for."""
    make_quiz(cases=[bundle.case], mode=Quiz.Mode.EXAM, **fields)
    assert Client().get(play_url(bundle.case)).status_code == 404
    assert signed_in(make_user()).get(play_url(bundle.case)).status_code == 404


def test_a_second_browser_of_the_learner_taking_the_exam_is_sent_back_to_it(bundle):
    """The lock follows the learner, not the browser: another session of the same account is
    sent to the exam for play, choices (htmx too) and reports of earlier attempts."""
    learner = make_user()
    second = signed_in(learner)
    earlier = practise_and_submit(second, bundle.case)  # before the case was in an exam
    exam = make_quiz(cases=[bundle.case], mode=Quiz.Mode.EXAM, time_limit_minutes=30)
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=exam, user=learner)
    runner = quiz_attempt.get_absolute_url()

    response = second.get(play_url(bundle.case))
    assert response.status_code == 302 and response["Location"] == runner
    assert EXAM_LOCK_MESSAGE in messages_of(response)
    htmx = second.post(
        reverse("cases:choose", kwargs={"slug": bundle.case.slug}), {"step": "prior-counts"}, HTTP_HX_REQUEST="true"
    )
    assert htmx["HX-Redirect"] == runner
    assert second.get(report_url(earlier))["Location"] == runner
    assert TITLE not in second.get(reverse("accounts:dashboard")).content.decode()


def test_reports_and_scores_stay_hidden_until_the_learner_finishes_and_outside_the_exam_until_it_closes(bundle):
    """Mid-exam: no report, no dashboard score, nothing on the cause page. Finished: the exam's
    own report and score show. An attempt made outside the exam stays held until the exam closes."""
    learner = make_user()
    browser = signed_in(learner)
    earlier = practise_and_submit(browser, bundle.case)
    cause_url = bundle.causes["thiopurines"].get_absolute_url()
    assert report_url(earlier) in browser.get(cause_url).content.decode()

    exam = make_quiz(cases=[bundle.case], mode=Quiz.Mode.EXAM, time_limit_minutes=30)
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=exam, user=learner)
    in_exam = quiz_attempt.case_attempts.get()
    case_services.attempt_submit(attempt=in_exam, diagnosis=bundle.causes["thiopurines"])
    for url in (report_url(earlier), report_url(in_exam)):
        assert browser.get(url)["Location"] == quiz_attempt.get_absolute_url()
    dashboard = browser.get(reverse("accounts:dashboard")).content.decode()
    assert TITLE not in dashboard and "/ 100" not in dashboard
    assert report_url(earlier) not in browser.get(cause_url).content.decode()

    services.quiz_attempt_finish_if_complete(quiz_attempt=quiz_attempt)
    assert QuizAttempt.objects.get(pk=quiz_attempt.pk).is_finished
    finished_report = browser.get(report_url(in_exam))
    assert finished_report.status_code == 200
    assert "Try this case again" not in finished_report.content.decode()  # played in its exam only
    dashboard = browser.get(reverse("accounts:dashboard")).content.decode()
    assert TITLE in dashboard and report_url(in_exam) in dashboard and report_url(earlier) not in dashboard
    cause_page = browser.get(cause_url).content.decode()
    assert report_url(in_exam) in cause_page and report_url(earlier) not in cause_page
    held = browser.get(report_url(earlier))
    assert held["Location"] == reverse("cases:list") and REPORT_HELD_MESSAGE in messages_of(held)

    close(exam)
    reopened = browser.get(report_url(earlier))
    assert reopened.status_code == 200 and "Try this case again" in reopened.content.decode()


def test_another_learner_and_an_anonymous_session_cannot_read_their_old_reports_on_an_exam_case(bundle):
    """Reports made before the case joined the exam are held for everyone while the exam is in force."""
    anonymous = anonymous_with_session()
    anonymous_attempt = practise_and_submit(anonymous, bundle.case)
    other = signed_in(make_user())
    other_attempt = practise_and_submit(other, bundle.case)
    assert anonymous.get(report_url(anonymous_attempt)).status_code == 200
    exam = make_quiz(cases=[bundle.case], mode=Quiz.Mode.EXAM)
    for client, attempt in ((anonymous, anonymous_attempt), (other, other_attempt)):
        response = client.get(report_url(attempt))
        assert response.status_code == 302 and REPORT_HELD_MESSAGE in messages_of(response)
    close(exam)
    assert anonymous.get(report_url(anonymous_attempt)).status_code == 200


def test_a_practice_quiz_sharing_an_exam_case_neither_plays_it_nor_shows_its_score_mid_exam(bundle):
    """Old data: a practice quiz and the exam share a case. The practice score does not show on the
    case list while the exam is in force, and the practice quiz no longer opens that case."""
    learner = make_user()
    browser = signed_in(learner)
    other_case = make_case(title="A case of the practice quiz only").case
    practice = make_quiz(cases=[bundle.case, other_case], mode=Quiz.Mode.PRACTICE)
    done = services.quiz_attempt_start_or_resume(quiz=practice, user=learner)
    for attempt in done.case_attempts.all():
        case_services.attempt_submit(attempt=attempt, diagnosis=bundle.causes["thiopurines"])
    services.quiz_attempt_finish_if_complete(quiz_attempt=done)
    listing = browser.get(reverse("cases:list")).content.decode()
    assert TITLE in listing and listing.count("Your best score") == 2

    exam = make_quiz(cases=[bundle.case], mode=Quiz.Mode.EXAM, time_limit_minutes=30)
    services.quiz_attempt_start_or_resume(quiz=exam, user=learner)
    listing = browser.get(reverse("cases:list")).content.decode()
    assert TITLE not in listing and listing.count("Your best score") == 1
    assert [item.case for item in services.quiz_playable_items(quiz=practice)] == [other_case]
    again = services.quiz_attempt_start_or_resume(quiz=practice, user=learner)
    assert [a.case for a in again.case_attempts.all()] == [other_case]
    assert [item.case for item in services.quiz_playable_items(quiz=exam)] == [bundle.case]


def test_an_instructor_previews_an_exam_case_read_only(client, bundle):
    """Instructors see the case as a disabled preview that says why learners cannot open it; it records nothing."""
    from tests.accounts.factories import make_instructor

    make_quiz(cases=[bundle.case], mode=Quiz.Mode.EXAM)
    client.force_login(make_instructor())
    html = client.get(play_url(bundle.case)).content.decode()
    assert "Preview — learners cannot open this case" in html and "in an exam that has not closed" in html
    chosen = client.post(reverse("cases:choose", kwargs={"slug": bundle.case.slug}), {"step": "peripheral-smear"})
    assert chosen.status_code == 404 and not Attempt.objects.filter(case=bundle.case).exists()
