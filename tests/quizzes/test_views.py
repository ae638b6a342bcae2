"""Taking a quiz through the web: list, page, start, the runner, exam and practice modes,
the server-side deadline, and the quiz report."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from leucocases.cases.models import Attempt, Choice, GradedReport
from leucocases.quizzes import services
from leucocases.quizzes.models import Quiz, QuizAttempt
from tests.accounts.factories import make_user
from tests.cases.factories import make_case
from tests.cases.test_views import assert_no_key
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db


def start(client, quiz):
    response = client.post(reverse("quizzes:start", kwargs={"slug": quiz.slug}))
    quiz_attempt = QuizAttempt.objects.filter(quiz=quiz).order_by("-pk").first()
    return response, quiz_attempt


def choose(client, quiz_attempt, case_attempt, slug, **headers):
    return client.post(
        reverse("quizzes:choose", kwargs={"pk": quiz_attempt.pk}), {"attempt": case_attempt.pk, "step": slug}, **headers
    )


def submit(client, quiz_attempt, case_attempt, cause="thiopurines", **extra):
    return client.post(
        reverse("quizzes:submit", kwargs={"pk": quiz_attempt.pk}),
        {"attempt": case_attempt.pk, "diagnosis": cause, "certainty": "medium"},
        **extra,
    )


def case_attempts(quiz_attempt):
    return list(Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt).order_by("pk"))


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def past_deadline(quiz_attempt):
    QuizAttempt.objects.filter(pk=quiz_attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def exam():
    """A timed exam over three cases (each from tests.cases.factories.make_case)."""
    bundles = [make_case(title=f"Exam case {i}") for i in (1, 2, 3)]
    quiz = make_quiz(cases=[b.case for b in bundles], mode=Quiz.Mode.EXAM, time_limit_minutes=40, title="The exam")
    quiz.bundles = bundles
    return quiz


@pytest.fixture
def practice_quiz():
    bundles = [make_case(title=f"Practice case {i}") for i in (1, 2)]
    quiz = make_quiz(cases=[b.case for b in bundles], mode=Quiz.Mode.PRACTICE, title="The practice quiz")
    quiz.bundles = bundles
    return quiz


# --- list and page --------------------------------------------------------------------


def test_the_quiz_list_is_public_and_invites_login(client, exam):
    """Anyone sees the available quizzes; taking one needs an account."""
    make_quiz(title="Opens next week", available_from=timezone.now() + timedelta(days=7))
    html = client.get(reverse("quizzes:list")).content.decode()
    assert "The exam" in html and "Exam mode" in html and "Timed: 40 minutes" in html and "3 cases" in html
    assert "Opens next week" not in html
    assert "To take one," in html and "/accounts/login/?next=/quizzes/" in html


def test_the_quiz_page_shows_mode_time_cases_attempts_and_a_start_button(client, learner, exam):
    """The page says how the quiz is taken and offers Start as a POST form."""
    exam.max_attempts = 2
    exam.save()
    html = client.get(exam.get_absolute_url()).content.decode()
    assert "<h1>The exam</h1>" in html
    assert "Exam: each case's report appears when you finish the whole quiz" in html
    assert "40 minutes from when you start" in html
    assert "<dt>Cases</dt><dd>3</dd>" in html
    assert "0 used of 2 allowed" in html
    assert re.search(
        r'<form method="post" action="/quizzes/[\w-]+/start/">\s*<input type="hidden" name="csrfmiddlewaretoken"', html
    )
    assert "Start the quiz" in html and "The clock starts when you press Start" in html


def test_anonymous_visitors_are_asked_to_log_in_to_start(client, exam):
    """The page offers a login link; a POST to start redirects to login and back to the quiz page."""
    html = client.get(exam.get_absolute_url()).content.decode()
    assert "Log in to take this quiz" in html and "Start the quiz" not in html
    response = client.post(reverse("quizzes:start", kwargs={"slug": exam.slug}))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={exam.get_absolute_url()}"
    assert not QuizAttempt.objects.exists()
    assert client.get(reverse("quizzes:start", kwargs={"slug": exam.slug})).status_code == 405


def test_draft_and_other_cohorts_quizzes_are_not_found(client, learner):
    from tests.quizzes.factories import make_cohort

    draft = make_quiz(status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404
    theirs = make_quiz()
    theirs.cohorts.add(make_cohort(learners=[make_user()]))
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(reverse("quizzes:start", kwargs={"slug": theirs.slug})).status_code == 404


# --- start, the runner, resuming ---------------------------------------------------------


def test_start_opens_the_runner_on_case_one_with_progress_and_time_left(client, learner, exam):
    """Start redirects to the runner: case 1 of 3, a <progress> element, the server's time left, no key."""
    response, quiz_attempt = start(client, exam)
    assert response.status_code == 302 and response["Location"] == quiz_attempt.get_absolute_url()
    response = client.get(quiz_attempt.get_absolute_url())
    html = response.content.decode()
    assert "<h1>Exam case 1</h1>" in html
    assert '<label for="quiz-progress">Case 1 of 3</label>' in html
    assert '<progress id="quiz-progress" max="3" value="1">' in html
    assert re.search(r"Time left: <strong[^>]*data-seconds-left=\"(2[34]\d\d)\"[^>]*>(39|40) min", html)
    assert 'style="' not in html
    assert f'action="/quizzes/attempts/{quiz_attempt.pk}/choose/"' in html
    assert f'action="/quizzes/attempts/{quiz_attempt.pk}/submit/"' in html
    assert "Submit my diagnosis and go to the next case" in html
    assert_no_key(html, exam.bundles[0])


def test_choosing_in_the_runner_stores_the_step_plain_and_htmx(client, learner, exam):
    """A choice through the runner is stored on the quiz's case attempt; htmx gets the results partial."""
    _, quiz_attempt = start(client, exam)
    first = case_attempts(quiz_attempt)[0]
    response = choose(client, quiz_attempt, first, "peripheral-smear")
    assert response.status_code == 302
    assert response["Location"] == f"{quiz_attempt.get_absolute_url()}#finding-1"
    response = choose(client, quiz_attempt, first, "cmv-pcr", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<h1" not in html
    assert "CMV PCR" in html and 'href="#finding-2"' in html and 'data-hx-swap-oob="true"' in html
    assert_no_key(html, exam.bundles[0])
    assert list(Choice.objects.filter(attempt=first).values_list("step__slug", flat=True)) == [
        "peripheral-smear",
        "cmv-pcr",
    ]


def test_coming_back_resumes_exactly_where_the_learner_was(client, learner, exam):
    """After submitting case 1 and ordering a step in case 2, a fresh visit (new login) shows case 2 with that step."""
    _, quiz_attempt = start(client, exam)
    first, second, _ = case_attempts(quiz_attempt)
    submit(client, quiz_attempt, first)
    choose(client, quiz_attempt, second, "prior-counts")
    client.logout()
    client.force_login(learner)
    # From the quiz page: Resume (a POST) leads back to the same attempt.
    html = client.get(exam.get_absolute_url()).content.decode()
    assert "Resume the quiz" in html
    response = client.post(reverse("quizzes:start", kwargs={"slug": exam.slug}))
    assert response["Location"] == quiz_attempt.get_absolute_url()
    html = client.get(response["Location"]).content.decode()
    assert "<h1>Exam case 2</h1>" in html and "Case 2 of 3" in html and "1 of 3 submitted" in html
    assert 'id="finding-1"' in html and "Review of prior blood counts" in html
    assert QuizAttempt.objects.count() == 1


def test_someone_elses_quiz_attempt_is_not_found(client, learner, exam):
    other = make_user()
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=exam, user=other)
    first = case_attempts(quiz_attempt)[0]
    assert client.get(quiz_attempt.get_absolute_url()).status_code == 404
    assert choose(client, quiz_attempt, first, "cmv-pcr").status_code == 404
    assert submit(client, quiz_attempt, first).status_code == 404
    assert client.get(reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})).status_code == 404
    assert not Choice.objects.exists()


def test_a_case_attempt_of_another_quiz_attempt_is_refused(client, learner, exam, practice_quiz):
    """Posting a case attempt id that is not part of this quiz attempt changes nothing."""
    _, mine = start(client, exam)
    _, other = start(client, practice_quiz)
    response = choose(client, mine, case_attempts(other)[0], "cmv-pcr", follow=True)
    assert "That case is not part of this quiz attempt." in response.content.decode()
    assert not Choice.objects.exists()


def test_quiz_case_attempts_are_played_only_through_the_quiz(client, learner, exam):
    """The practice URLs neither find nor resume a quiz's case attempt."""
    _, quiz_attempt = start(client, exam)
    first = case_attempts(quiz_attempt)[0]
    case = exam.bundles[0].case
    # The exam is under way, so practising its case is refused outright …
    response = client.get(case.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == quiz_attempt.get_absolute_url()
    assert "This case is part of the exam you are taking" in " ".join(messages_of(response))
    # … and a practice POST naming the quiz's case attempt does not reach it.
    client.post(reverse("cases:choose", kwargs={"slug": case.slug}), {"attempt": first.pk, "step": "cmv-pcr"})
    assert not Choice.objects.filter(attempt=first).exists()


# --- exam and practice modes ---------------------------------------------------------------


def test_exam_goes_straight_to_the_next_case_and_hides_reports_until_finished(client, learner, exam):
    """In exam mode a submission leads to the next case; case reports redirect to the runner until the end."""
    _, quiz_attempt = start(client, exam)
    first, second, third = case_attempts(quiz_attempt)
    choose(client, quiz_attempt, first, "peripheral-smear")
    response = submit(client, quiz_attempt, first)
    assert response["Location"] == quiz_attempt.get_absolute_url()
    assert "Case 1 of 3 submitted. Here is the next case." in messages_of(response)
    assert GradedReport.objects.filter(attempt=first).count() == 1
    response = client.get(reverse("cases:report", kwargs={"pk": first.pk}))
    assert response.status_code == 302 and response["Location"] == quiz_attempt.get_absolute_url()
    assert "Case reports of an exam appear when you have finished the whole quiz." in messages_of(response)
    assert (
        client.get(reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk}))["Location"]
        == quiz_attempt.get_absolute_url()
    )
    runner = client.get(quiz_attempt.get_absolute_url()).content.decode()
    assert_no_key(runner, exam.bundles[1])
    assert "RESULT-PERIPHERAL-SMEAR" not in runner  # case 1's findings are gone with case 1
    submit(client, quiz_attempt, second)
    html = client.get(quiz_attempt.get_absolute_url()).content.decode()
    assert "Submit my diagnosis and finish the quiz" in html
    response = submit(client, quiz_attempt, third)
    assert response["Location"] == reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})
    report = client.get(reverse("cases:report", kwargs={"pk": first.pk}))
    assert report.status_code == 200 and "Back to the quiz report" in report.content.decode()


def test_practice_shows_each_case_report_then_continues(client, learner, practice_quiz):
    """In practice mode a submission shows that case's report with a button to the next case."""
    _, quiz_attempt = start(client, practice_quiz)
    first, second = case_attempts(quiz_attempt)
    html = client.get(quiz_attempt.get_absolute_url()).content.decode()
    assert "Submit my diagnosis and see the report" in html
    response = submit(client, quiz_attempt, first)
    assert response["Location"] == first.get_absolute_url()
    html = client.get(response["Location"]).content.decode()
    assert "Report: Practice case 1" in html
    assert f'href="{quiz_attempt.get_absolute_url()}">Continue to case 2 of 2</a>' in html
    response = submit(client, quiz_attempt, second)
    assert response["Location"] == reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})


def test_submitting_without_a_cause_shows_the_error_in_the_runner(client, learner, exam):
    """A missing diagnosis re-renders the runner with the error (400), nothing submitted."""
    _, quiz_attempt = start(client, exam)
    first = case_attempts(quiz_attempt)[0]
    response = submit(client, quiz_attempt, first, cause="")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose the cause you think most likely." in html and "Case 1 of 3" in html
    assert_no_key(html, exam.bundles[0])
    first.refresh_from_db()
    assert not first.is_submitted


# --- the deadline, enforced by the server ---------------------------------------------------


def test_a_direct_post_after_the_deadline_is_refused_and_ends_the_quiz(client, learner, exam):
    """Even a hand-made POST after the deadline stores nothing: the quiz ends (time up), open cases
    are graded as they stand, and the learner lands on the quiz report with "Time is up"."""
    _, quiz_attempt = start(client, exam)
    first, second, third = case_attempts(quiz_attempt)
    choose(client, quiz_attempt, first, "peripheral-smear")
    submit(client, quiz_attempt, first)
    choose(client, quiz_attempt, second, "prior-counts")
    past_deadline(quiz_attempt)

    report_url = reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})
    response = choose(client, quiz_attempt, second, "bone-marrow-biopsy")
    assert response.status_code == 302 and response["Location"] == report_url
    assert any(m.startswith("Time is up") for m in messages_of(response))
    response = submit(client, quiz_attempt, second, cause="thiopurines")
    assert response["Location"] == report_url
    response = choose(client, quiz_attempt, third, "cmv-pcr", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == report_url

    quiz_attempt.refresh_from_db()
    assert quiz_attempt.finish_reason == QuizAttempt.FinishReason.TIME_UP
    assert list(Choice.objects.filter(attempt=second).values_list("step__slug", flat=True)) == ["prior-counts"]
    assert not Choice.objects.filter(attempt=third).exists()
    for attempt in (second, third):
        attempt.refresh_from_db()
        assert attempt.is_submitted and attempt.diagnosis is None
        assert GradedReport.objects.filter(attempt=attempt).count() == 1
    html = client.get(report_url).content.decode()
    assert "Time ran out." in html and "You submitted 1 of 3 cases" in html
    assert html.count("Not submitted in time") == 2


def test_a_late_submit_racing_the_deadline_is_refused_by_the_case_services(client, learner, exam, monkeypatch):
    """If time runs out between the runner's check and the submission, the case service refuses it:
    the quiz ends with time up and the late diagnosis is not stored."""
    _, quiz_attempt = start(client, exam)
    first = case_attempts(quiz_attempt)[0]
    # The view's own check sees time left; the deadline passes before the service runs.
    monkeypatch.setattr(services, "quiz_attempt_enforce_deadline", lambda **kwargs: False)
    past_deadline(quiz_attempt)
    response = submit(client, quiz_attempt, first)
    assert response["Location"] == reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})
    first.refresh_from_db()
    assert first.diagnosis is None and first.is_submitted
    quiz_attempt.refresh_from_db()
    assert quiz_attempt.finish_reason == QuizAttempt.FinishReason.TIME_UP


def test_opening_the_runner_after_the_deadline_shows_the_quiz_report(client, learner, exam):
    _, quiz_attempt = start(client, exam)
    past_deadline(quiz_attempt)
    response = client.get(quiz_attempt.get_absolute_url(), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})
    assert "Time is up: this quiz has ended." in html
    assert "<h1>Quiz report: The exam</h1>" in html


# --- attempts and availability on the web -----------------------------------------------------


def test_max_attempts_and_window_are_explained_on_the_page_and_enforced_on_post(client, learner, exam):
    exam.max_attempts = 1
    exam.save()
    _, quiz_attempt = start(client, exam)
    services.quiz_attempt_finish(quiz_attempt=quiz_attempt, reason=QuizAttempt.FinishReason.COMPLETED)
    html = client.get(exam.get_absolute_url()).content.decode()
    assert "You have used all 1 of your attempts at this quiz." in html and "Start the quiz" not in html
    assert "Your finished attempts" in html
    response = client.post(reverse("quizzes:start", kwargs={"slug": exam.slug}), follow=True)
    assert "You have used all 1 of your attempts at this quiz." in response.content.decode()
    assert QuizAttempt.objects.count() == 1

    later = make_quiz(title="Later", available_from=timezone.now() + timedelta(days=3))
    html = client.get(later.get_absolute_url()).content.decode()
    assert "This quiz opens on" in html and "Start the quiz" not in html
    response = client.post(reverse("quizzes:start", kwargs={"slug": later.slug}), follow=True)
    assert "This quiz opens on" in response.content.decode()


# --- the quiz report -------------------------------------------------------------------------------


def test_the_quiz_report_lists_scores_the_mean_groups_and_links_each_case_report(client, learner, exam):
    _, quiz_attempt = start(client, exam)
    attempts = case_attempts(quiz_attempt)
    bundle = exam.bundles[0]
    for slug in ("peripheral-smear", "prior-counts", "medication-review"):
        choose(client, quiz_attempt, attempts[0], slug)
    for attempt in attempts:
        submit(client, quiz_attempt, attempt)
    html = client.get(reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})).content.decode()
    totals = [GradedReport.objects.get(attempt=a).total for a in attempts]
    assert totals[0] == 100.0
    mean = round(sum(totals) / 3, 1)
    assert f'<span class="quiz-total-number">{mean:.1f}</span>' in html
    for attempt in attempts:
        assert f'href="/cases/attempts/{attempt.pk}/report/"' in html
    assert "100.0 / 100" in html
    assert "Results by cause group" in html and '<th scope="row">Medication</th>' in html
    assert 'role="img"' in html and 'aria-label="Mean score by cause group in this quiz. Medication: ' in html
    assert bundle.case.title in html


# --- query counts --------------------------------------------------------------------------------


def count_queries(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code in (200, 302), response.status_code
    return len(ctx)


@pytest.mark.parametrize("past", [10, 1000])
def test_quiz_pages_use_a_constant_number_of_queries(client, learner, exam, past, record_property):
    """The list, quiz page, runner, a choice, a submission and the quiz report cost the same with 10 or
    1,000 past attempts (numbers are printed for the work notes)."""
    from tests.quizzes.factories import bulk_submitted

    bulk_submitted(user=learner, cases=[b.case for b in exam.bundles], count=past)
    # Past quiz attempts too (finished), each with its case attempts.
    for _ in range(max(1, min(past // 100, 10))):
        old = services.quiz_attempt_start_or_resume(quiz=exam, user=learner)
        services.quiz_attempt_finish(quiz_attempt=old, reason=QuizAttempt.FinishReason.TIME_UP)
    _, quiz_attempt = start(client, exam)
    first, second, _ = case_attempts(quiz_attempt)
    # The first look builds what each worker keeps of the case's page (cases.play_content): count the next.
    client.get(quiz_attempt.get_absolute_url())
    counts = {
        "list": count_queries(lambda: client.get(reverse("quizzes:list"))),
        "detail": count_queries(lambda: client.get(exam.get_absolute_url())),
        "runner": count_queries(lambda: client.get(quiz_attempt.get_absolute_url())),
        "choose": count_queries(lambda: choose(client, quiz_attempt, first, "peripheral-smear")),
        "choose-htmx": count_queries(
            lambda: choose(client, quiz_attempt, first, "prior-counts", HTTP_HX_REQUEST="true")
        ),
        "submit": count_queries(lambda: submit(client, quiz_attempt, first)),
    }
    submit(client, quiz_attempt, second)
    submit(client, quiz_attempt, case_attempts(quiz_attempt)[2])
    counts["quiz-report"] = count_queries(lambda: client.get(reverse("quizzes:report", kwargs={"pk": quiz_attempt.pk})))
    counts["case-report"] = count_queries(lambda: client.get(reverse("cases:report", kwargs={"pk": first.pk})))
    print(f"\nqueries with {past} past attempts: {counts}")
    record_property("queries", counts)
    # Each reads the session with the account (account_rows): the worker has seen the session.
    expected = {
        "list": 2,
        "detail": 6,
        # The learner's state in one query; the case's page parts kept per worker (cases.play_content).
        "runner": 4,
        # SQLite adds two: the savepoint around the new choice, which PostgreSQL's row lock on the
        # attempt makes needless (cases.attempts).
        "choose": 8 if connection.vendor == "postgresql" else 10,
        "choose-htmx": 8 if connection.vendor == "postgresql" else 10,
        # PostgreSQL adds one: the share lock on the case row that makes key edits wait for submissions
        # in flight (cases.attempts); SQLite serialises writes anyway, and adds two: the savepoint
        # around the report, which PostgreSQL's row lock on the attempt makes needless. The case's
        # key is kept per worker once an earlier submission built it (cases.keys).
        "submit": 13 if connection.vendor == "postgresql" else 14,
        "quiz-report": 6,
        # One for the case's peer difficulty (cases.facility) and one for the peer distribution's
        # grade letters and never choices (cases.peer_stats), both cached after the first look; and
        # one for its differential report (cases.differentials; none here). Its cause names and
        # references are read once per worker and content version (taxonomy.kept_names).
        "case-report": 15,
    }
    assert counts == expected
