"""Spaced practice with FSRS (issue 18): each submitted practice case reviews the learner's card of it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from leucocases.cases import services as case_services
from leucocases.cases.models import Attempt, GradedReport
from leucocases.quizzes import services
from leucocases.quizzes.models import PracticeCard, PracticeReview, Quiz
from leucocases.quizzes.spaced_practice import practice_review_record
from leucocases.taxonomy.models import WorkupStep
from tests.accounts.factories import make_user
from tests.cases.factories import EXPERT_PATH, make_case
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db

RATINGS = PracticeReview.Rating


@pytest.fixture
def hooks_run(django_capture_on_commit_callbacks):
    """Run what ``on_commit`` queued in the block, as a real commit would (the hooks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def practise(client, bundle, steps, cause, certainty="medium", *, hooks_run):
    """Play ``bundle``'s case through the web as a practice case; return the attempt."""
    for slug in steps:
        client.post(reverse("cases:choose", kwargs={"slug": bundle.case.slug}), {"step": slug})
    attempt = Attempt.objects.filter(case=bundle.case).order_by("-pk").first()
    with hooks_run():
        client.post(
            reverse("cases:submit", kwargs={"slug": bundle.case.slug}),
            {"attempt": attempt.pk, "diagnosis": cause, "certainty": certainty},
        )
    attempt.refresh_from_db()
    assert attempt.is_submitted
    return attempt


@pytest.mark.parametrize(
    ("steps", "cause", "certainty", "rating"),
    [
        (EXPERT_PATH, "aplastic-anaemia", "high", RATINGS.AGAIN),  # wrong cause
        (EXPERT_PATH, "drugs-and-environmental-toxins", "low", RATINGS.AGAIN),  # partial credit is not right
        (EXPERT_PATH[:2], "thiopurines", "high", RATINGS.HARD),  # an essential step missed
        ([*EXPERT_PATH, "b12-folate"], "thiopurines", "high", RATINGS.GOOD),  # right, one low-yield step
        (EXPERT_PATH, "thiopurines", "medium", RATINGS.GOOD),  # right and efficient, not certain
        (EXPERT_PATH, "thiopurines", "high", RATINGS.EASY),  # right, efficient and certain
    ],
)
def test_each_practice_submission_reviews_the_card_with_the_reports_rating(
    client, learner, hooks_run, steps, cause, certainty, rating
):
    bundle = make_case()
    attempt = practise(client, bundle, steps, cause, certainty, hooks_run=hooks_run)
    card = PracticeCard.objects.get(user=learner, case=bundle.case)
    review = card.reviews.get()
    assert (review.attempt_id, review.rating, review.reviewed_at) == (attempt.pk, rating, attempt.submitted_at)
    assert card.due == review.due > attempt.submitted_at + timedelta(hours=12)  # days, never minutes
    assert card.card["state"] == review.state and card.last_reviewed_at == attempt.submitted_at


def test_a_wrong_case_comes_back_tomorrow_and_a_right_one_later_each_time(client, learner, hooks_run):
    """Again brings the case back tomorrow; played when due and got right, it comes back later and
    later. The dashboard gives the wait in words."""
    bundle = make_case(title="Comes back")
    first = practise(client, bundle, EXPERT_PATH, "aplastic-anaemia", hooks_run=hooks_run)
    card = PracticeCard.objects.get(user=learner, case=bundle.case)
    assert card.due - first.submitted_at == timedelta(days=1)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "<li>Comes back: due again tomorrow (" in html
    waits = []
    for _ in range(3):
        # Played on the day it is due (the submission time is what FSRS counts from).
        attempt = Attempt.objects.create(case=bundle.case, user=learner)
        for slug in EXPERT_PATH:
            case_services.attempt_choose_step(attempt=attempt, step=WorkupStep.objects.get(slug=slug))
        report = case_services.attempt_submit(attempt=attempt, diagnosis=bundle.causes["thiopurines"])
        Attempt.objects.filter(pk=attempt.pk).update(submitted_at=card.due)
        attempt.refresh_from_db()
        practice_review_record(attempt=attempt, report_data=report.data)
        card.refresh_from_db()
        waits.append(card.due - attempt.submitted_at)
    assert waits[0] < waits[1] < waits[2] and waits[0] > timedelta(days=1)
    assert [r.rating for r in card.reviews.all()] == [RATINGS.AGAIN, RATINGS.GOOD, RATINGS.GOOD, RATINGS.GOOD]


def test_quiz_cases_anonymous_attempts_and_regrades_review_nothing(client, learner, hooks_run):
    """A quiz's case is not practice (an exam's due date would tell the learner how it went before its
    reports are out); an anonymous attempt has nobody to schedule for; a regrade changes the report,
    not what the learner remembered."""
    bundle = make_case()
    quiz = make_quiz(cases=[bundle.case], mode=Quiz.Mode.EXAM)
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=learner)
    anonymous = Attempt.objects.create(case=bundle.case, session_key="anon-session")
    with hooks_run():
        case_services.attempt_submit(
            attempt=quiz_attempt.case_attempts.get(), diagnosis=bundle.causes["thiopurines"], certainty="high"
        )
        case_services.attempt_submit(attempt=anonymous, diagnosis=bundle.causes["thiopurines"], certainty="high")
    assert not PracticeCard.objects.exists() and not PracticeReview.objects.exists()


def test_a_hook_delivered_twice_reviews_once(learner, hooks_run):
    from leucocases.cases import hooks
    from leucocases.quizzes.spaced_practice import on_report_stored

    bundle = make_case()
    attempt = Attempt.objects.create(case=bundle.case, user=learner)
    with hooks_run():
        report = case_services.attempt_submit(attempt=attempt, diagnosis=bundle.causes["aplastic-anaemia"])
    on_report_stored(hooks.ReportStored(attempt.pk, report.pk, hooks.SUBMISSION))
    on_report_stored(hooks.ReportStored(attempt.pk, report.pk, hooks.REGRADE))
    assert PracticeReview.objects.filter(attempt=attempt).count() == 1


@pytest.mark.django_db(transaction=True)
def test_learners_who_practised_before_fsrs_get_cards_from_their_history():
    """The data migration replays each learner's practice attempts, oldest first, through the same
    rating and scheduler; quiz cases and anonymous attempts are left out."""
    # Only quizzes goes back: the attempts and reports are written with today's cases models.
    executor = MigrationExecutor(connection)
    executor.migrate([("quizzes", "0006_quiz_certainty_based_marking")])
    bundle_case = make_case().case
    user = make_user()
    Attempt_, GradedReport_ = Attempt, GradedReport
    start = timezone.now() - timedelta(days=30)

    def submitted(days, verdict, *, who=user):
        attempt = Attempt_.objects.create(
            case_id=bundle_case.pk, user_id=who and who.pk, session_key="" if who else "s", submitted_at=start + days
        )
        data = {"diagnosis": {"verdict": verdict}, "missed_essentials": [], "efficiency": 1.0}
        GradedReport_.objects.create(
            attempt=attempt, data=data, engine_version="t", total=50, workup_score=50, diagnosis_score=50
        )
        return attempt

    wrong = submitted(timedelta(days=0), "incorrect")
    right = submitted(timedelta(days=2), "correct")
    submitted(timedelta(days=3), "incorrect", who=None)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    card = PracticeCard.objects.get()
    assert (card.user_id, card.case_id) == (user.pk, bundle_case.pk)
    reviews = list(card.reviews.values_list("attempt_id", "rating"))
    assert reviews == [(wrong.pk, RATINGS.AGAIN), (right.pk, RATINGS.GOOD)]
    assert card.due == card.reviews.last().due and card.last_reviewed_at == start + timedelta(days=2)
    assert WorkupStep.objects.exists()  # the catalogue survived the round trip


def test_a_case_played_before_signing_up_is_reviewed_once_when_it_joins_the_account(client, hooks_run):
    """An anonymous reader plays and submits a practice case, then signs up: the attempt joins the
    account and reviews its card as if they had been logged in (the dashboard gives the case's due
    date); logging in again later reviews nothing more."""
    bundle = make_case(title="Played anonymously")
    attempt = practise(client, bundle, EXPERT_PATH, "thiopurines", "high", hooks_run=hooks_run)
    assert attempt.user_id is None and not PracticeCard.objects.exists()
    password = "marrow-smear-citrate-77"
    form = {"username": "latecomer", "email": "late@example.com", "password1": password, "password2": password}
    with hooks_run():
        assert client.post(reverse("accounts:signup"), form).status_code == 302
    attempt.refresh_from_db()
    assert attempt.user is not None and attempt.user.username == "latecomer"

    card = PracticeCard.objects.get(user=attempt.user, case=bundle.case)
    review = PracticeReview.objects.get()
    assert (review.card, review.attempt_id, review.rating) == (card, attempt.pk, RATINGS.EASY)
    assert review.reviewed_at == card.last_reviewed_at == attempt.submitted_at
    days = (card.due - attempt.submitted_at).days
    assert days > 1
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert f'<li>Played anonymously: due again in {days} days (<time datetime="{card.due:%Y-%m-%d}' in html

    client.post(reverse("accounts:logout"))
    for _ in range(2):
        with hooks_run():
            login = client.post(reverse("accounts:login"), {"username": "latecomer", "password": password})
        assert login.status_code == 302
    assert PracticeReview.objects.count() == 1
    card.refresh_from_db()
    assert card.last_reviewed_at == attempt.submitted_at


def test_the_same_claim_delivered_twice_reviews_once(learner, hooks_run):
    """The hook delivered twice (or two logins racing with the same attempt) records one review; an
    open claimed attempt reviews nothing until it is submitted, and then through the usual path."""
    from leucocases.cases import hooks
    from leucocases.quizzes.spaced_practice import on_attempts_claimed

    bundle = make_case()
    played = Attempt.objects.create(case=bundle.case, session_key="anon-session")
    still_open = Attempt.objects.create(case=make_case(slug="second-case").case, session_key="anon-session")
    with hooks_run():
        case_services.attempt_submit(attempt=played, diagnosis=bundle.causes["aplastic-anaemia"])
        claimed = case_services.attempts_claim_for_user(session_key="anon-session", user=learner)
    assert claimed == 2
    event = hooks.AttemptsClaimed(learner.pk, (played.pk, still_open.pk))
    on_attempts_claimed(event)
    on_attempts_claimed(event)
    assert list(PracticeReview.objects.values_list("attempt_id", "rating")) == [(played.pk, RATINGS.AGAIN)]
    with hooks_run():
        again = case_services.attempts_claim_for_user(session_key="anon-session", user=learner)
    assert again == 0 and PracticeReview.objects.count() == 1
