"""The learner dashboard: history, mastery, workup habits and weak spots from stored reports."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leucocases.quizzes import services
from leucocases.quizzes.models import Quiz, QuizAttempt
from leucocases.quizzes.selectors import dashboard_for
from tests.accounts.factories import make_user
from tests.cases.factories import make_case
from tests.quizzes.factories import bulk_submitted, make_card, make_quiz, make_submitted

pytestmark = pytest.mark.django_db


def row(html, header):
    """The text of the table row whose header cell is ``header``, tags stripped."""
    match = re.search(rf"<tr><th scope=\"row\">{re.escape(header)}</th>(.*?)</tr>", html, re.S)
    assert match, f"no row for {header!r}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_dashboard_numbers_come_from_the_stored_reports(client, learner):
    """Mastery uses each case's latest total per group; habits count misses and over-ordering; the
    weak spots are the due poor cases, then (a group being weak) unseen cases, never chosen or
    described by group: an unseen case's group is part of its answer."""
    now = timezone.now()
    med_a = make_case(title="Medication A", group_slugs=("medication",)).case
    med_b = make_case(title="Medication B", group_slugs=("medication",)).case
    tox_c = make_case(title="Toxic C", group_slugs=("toxic",)).case
    tox_d = make_case(title="Toxic D, never tried", group_slugs=("toxic",)).case
    make_case(title="Marrow E, never tried", group_slugs=("marrow",))
    make_submitted(
        user=learner,
        case=med_a,
        total=40,
        submitted_at=now - timedelta(days=5),
        lines=[("peripheral-smear", "essential", "essential"), ("bone-marrow-biopsy", "harmful", "harmful")],
        missed=["prior-counts"],
    )
    make_submitted(
        user=learner,
        case=med_a,
        total=80,
        submitted_at=now - timedelta(days=1),
        lines=[("peripheral-smear", "essential", "essential"), ("prior-counts", "essential", "essential")],
    )
    make_submitted(
        user=learner,
        case=med_b,
        total=50,
        submitted_at=now - timedelta(days=3),
        lines=[("cmv-pcr", "not_contributory", None)],
        missed=["prior-counts", "peripheral-smear"],
    )
    make_submitted(
        user=learner,
        case=tox_c,
        total=30,
        submitted_at=now - timedelta(days=2),
        lines=[("bone-marrow-biopsy", "premature", "harmful")],
    )
    make_submitted(user=make_user(), case=tox_d, total=5)  # someone else's
    # When each practised case comes back (spaced_practice writes these after each submission).
    make_card(user=learner, case=med_b, due=now - timedelta(days=2))
    make_card(user=learner, case=tox_c, due=now - timedelta(days=1))
    make_card(user=learner, case=med_a, due=now + timedelta(days=5, hours=1))
    make_card(user=make_user(), case=tox_d, due=now - timedelta(days=9))  # someone else's

    html = client.get("/accounts/dashboard/").content.decode()
    # Mastery: medication (80 + 50) / 2; toxic 30.
    assert row(html, "Medication") == "2 3 65.0"
    assert row(html, "Environmental and toxic exposures") == "1 1 30.0"
    assert (
        'aria-label="Mastery by cause group (mean score out of 100). '
        'Medication: 65; Environmental and toxic exposures: 30."' in html
    )
    # Habits: prior counts missed in 2 of 3 attempts that needed it; smear 1 of 3.
    assert row(html, "Review of prior blood counts") == "2 3 67%"
    assert row(html, "Peripheral blood smear") == "1 3 33%"
    assert row(html, "Bone-marrow aspirate and biopsy") == "2 harmful 1, premature 1"
    assert row(html, "CMV PCR") == "1 not contributory 1"
    spots = re.search(r'<ol class="weak-spots">(.*?)</ol>', html, re.S).group(1)
    titles = re.findall(r'<a href="/cases/([\w-]+)/">([^<]+)</a>', spots)
    # Due cards first, most overdue first (groups alternating); then, toxic being weak, the unseen
    # cases by difficulty and title, whatever their group. Medication A comes back in 6 days.
    assert [t for _, t in titles] == ["Medication B", "Toxic C", "Marrow E, never tried", "Toxic D, never tried"]
    assert "Due now: you last scored 30 on" in " ".join(re.sub(r"<[^>]+>", " ", spots).split())
    assert "<li>Medication A: due again in 6 days (" in html and "; last score 80)</li>" in html
    assert "New to you." in spots and "New to you, in" not in spots and "toxic" not in spots.split("Medication B")[1]
    # History: newest first, with the score.
    history = re.search(r'id="attempts-heading".*?</table>', html, re.S).group(0)
    assert history.index("Medication A") < history.index("Toxic C") < history.index("Medication B")
    assert "80 / 100" in history


def test_an_exam_under_way_stays_off_the_dashboard_until_finished(client, learner):
    """Scores from an exam not yet finished are not shown (or counted); once finished they are."""
    bundle = make_case(title="Exam-only case", group_slugs=("marrow",))
    exam = make_quiz(cases=[bundle.case], mode=Quiz.Mode.EXAM, title="Big exam")
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=exam, user=learner)
    from leucocases.cases import services as case_services

    case_attempt = quiz_attempt.case_attempts.get()
    case_services.attempt_submit(attempt=case_attempt, diagnosis=bundle.causes["thiopurines"])
    dash = dashboard_for(user=learner)
    assert dash.case_attempt_count == 0 and dash.mastery == ()
    assert [(line.quiz_title, line.mean_total) for line in dash.quiz_history] == [("Big exam", None)]
    html = client.get("/accounts/dashboard/").content.decode()
    assert "Exam-only case" not in html and "In progress" in html
    services.quiz_attempt_finish_if_complete(quiz_attempt=quiz_attempt)
    html = client.get("/accounts/dashboard/").content.decode()
    assert "Exam-only case" in html and "Quiz: Big exam" in html
    assert row(html, "Bone-marrow disorders").startswith("1 1")


def test_dashboard_for_a_new_learner_points_to_cases_and_quizzes(client, learner):
    html = client.get("/accounts/dashboard/").content.decode()
    assert "Submit a few cases first" in html
    assert "You have not taken a quiz yet." in html
    assert "You have not submitted a case yet" in html


def _dashboard_queries(client):
    client.get("/accounts/dashboard/")  # the first visit creates the learner's profile
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/accounts/dashboard/")
    assert response.status_code == 200
    return len(ctx), response.content.decode()


@pytest.mark.parametrize("past", [10, 1000])
def test_dashboard_queries_do_not_grow_with_attempts(client, learner, past, record_property):
    """The dashboard costs the same number of queries with 10 or 1,000 past attempts (and past quizzes)."""
    cases = [
        make_case(title=f"Case {i}", group_slugs=(g,)).case for i, g in enumerate(("medication", "toxic", "marrow"))
    ]
    bulk_submitted(user=learner, cases=cases, count=past)
    exam = make_quiz(cases=cases)
    for _ in range(max(1, min(past // 100, 10))):
        old = services.quiz_attempt_start_or_resume(quiz=exam, user=learner)
        services.quiz_attempt_finish(quiz_attempt=old, reason=QuizAttempt.FinishReason.TIME_UP)
    # Closed, so that the practice attempts on its cases count (an exam in force would hold them back).
    Quiz.objects.filter(pk=exam.pk).update(available_until=timezone.now() - timedelta(minutes=1))
    count, html = _dashboard_queries(client)
    print(f"\ndashboard queries with {past} past attempts: {count}")
    record_property("dashboard_queries", count)
    # Session with the account (account_rows), profile, then the dashboard's seven: reports, case
    # groups, group names, step names, candidate cases, quiz attempts, practice cards.
    assert count == 9
    assert f"most recent of {past + 3 * max(1, min(past // 100, 10))} submitted cases" in html or past < 20
    dash = dashboard_for(user=learner)
    assert dash.case_attempt_count >= past
    assert {g.slug for g in dash.mastery} == {"medication", "toxic", "marrow"}
