"""Taking a quiz through the services: start, resume, refusals, the deadline, finishing, the report."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from leucocases.cases import services as case_services
from leucocases.cases.models import Attempt, Choice, GradedReport
from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes import services
from leucocases.quizzes.exam_lock import exam_attempt_holding
from leucocases.quizzes.models import Quiz, QuizAttempt, quiz_attempt_of
from tests.accounts.factories import make_user
from tests.cases.factories import make_case
from tests.quizzes.factories import make_cohort, make_quiz

pytestmark = pytest.mark.django_db


def new_session():
    return import_module(settings.SESSION_ENGINE).SessionStore()


def past_deadline(quiz_attempt, minutes=1):
    QuizAttempt.objects.filter(pk=quiz_attempt.pk).update(deadline=timezone.now() - timedelta(minutes=minutes))
    quiz_attempt.refresh_from_db()


# --- starting and resuming ---------------------------------------------------------


def test_start_creates_the_attempt_with_its_deadline_and_one_case_attempt_per_case_in_order():
    """Starting fixes the deadline (now + limit) and creates a case attempt per quiz case, in quiz order."""
    cases = [make_case(title=t).case for t in ("Third", "First", "Second")]
    quiz = make_quiz(cases=[cases[1], cases[2], cases[0]], time_limit_minutes=40)
    user = make_user()
    now = timezone.now()
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=user, now=now)
    assert quiz_attempt.deadline == now + timedelta(minutes=40)
    assert quiz_attempt.started_at == now
    progress = services.quiz_attempt_progress(quiz_attempt=quiz_attempt, now=now)
    assert [a.case.title for a in progress.case_attempts] == ["First", "Second", "Third"]
    assert all(a.user == user and not a.is_submitted for a in progress.case_attempts)
    assert progress.current == progress.case_attempts[0]
    assert progress.position == 1 and progress.total == 3
    assert progress.seconds_left == 40 * 60


def test_starting_again_resumes_the_open_attempt():
    """A second start (another tab, a return visit) returns the same attempt and creates nothing."""
    quiz = make_quiz()
    user = make_user()
    first = services.quiz_attempt_start_or_resume(quiz=quiz, user=user)
    again = services.quiz_attempt_start_or_resume(quiz=quiz, user=user)
    assert again.pk == first.pk
    assert QuizAttempt.objects.count() == 1
    assert Attempt.objects.count() == 3


def test_an_untimed_quiz_has_no_deadline_unless_its_window_closes():
    """No limit: no deadline; a closing window caps any deadline."""
    user = make_user()
    assert services.quiz_attempt_start_or_resume(quiz=make_quiz(), user=user).deadline is None
    closes = timezone.now() + timedelta(minutes=10)
    windowed = make_quiz(time_limit_minutes=40, available_until=closes)
    assert services.quiz_attempt_start_or_resume(quiz=windowed, user=user).deadline == closes


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"available_from": timezone.now() + timedelta(days=2)}, "not_open_yet", "This quiz opens on"),
        ({"available_until": timezone.now() - timedelta(days=2)}, "closed", "This quiz closed on"),
        ({"review_status": ReviewStatus.DRAFT}, "not_published", "not published"),
    ],
)
def test_a_quiz_outside_its_window_or_unpublished_cannot_start(fields, code, message):
    """The availability window and the review status are enforced with a clear message."""
    status = fields.pop("review_status", ReviewStatus.APPROVED)
    quiz = make_quiz(status=status, **fields)
    with pytest.raises(ValidationError) as error:
        services.quiz_attempt_start_or_resume(quiz=quiz, user=make_user())
    assert error.value.code == code
    assert message in " ".join(error.value.messages)
    assert not QuizAttempt.objects.exists()


def test_max_attempts_counts_finished_attempts():
    """With two attempts allowed, a third cannot start; the message says so."""
    quiz = make_quiz(max_attempts=2)
    user = make_user()
    for _ in range(2):
        attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=user)
        services.quiz_attempt_finish(quiz_attempt=attempt, reason=QuizAttempt.FinishReason.COMPLETED)
    with pytest.raises(ValidationError) as error:
        services.quiz_attempt_start_or_resume(quiz=quiz, user=user)
    assert error.value.code == "no_attempts_left"
    assert error.value.messages == ["You have used all 2 of your attempts at this quiz."]
    standing = services.quiz_standing(quiz=quiz, user=user)
    assert not standing.can_start and standing.attempts_left == 0 and standing.attempts_used == 2


def test_cohort_quizzes_are_for_their_learners_only():
    """A quiz assigned to a cohort is listed for and startable by its learners only; no cohort = everyone."""
    member, outsider = make_user(), make_user()
    cohort_quiz = make_quiz(title="Cohort quiz")
    cohort_quiz.cohorts.add(make_cohort(learners=[member]))
    open_quiz = make_quiz(title="Open quiz")
    assert set(Quiz.objects.available().for_learner(member)) == {cohort_quiz, open_quiz}
    assert list(Quiz.objects.available().for_learner(outsider)) == [open_quiz]
    services.quiz_attempt_start_or_resume(quiz=cohort_quiz, user=member)
    with pytest.raises(ValidationError) as error:
        services.quiz_attempt_start_or_resume(quiz=cohort_quiz, user=outsider)
    assert error.value.code == "not_assigned"


def test_a_quiz_without_playable_cases_cannot_start():
    """Archived or draft cases are left out; none left means the quiz cannot start."""
    draft = make_case(status=ReviewStatus.DRAFT).case
    quiz = make_quiz(cases=[draft])
    with pytest.raises(ValidationError) as error:
        services.quiz_attempt_start_or_resume(quiz=quiz, user=make_user())
    assert error.value.code == "no_cases"


# --- quiz case attempts stay out of practice ----------------------------------------


def test_practice_never_picks_up_a_quiz_case_attempt():
    """Opening the case for practice starts a separate attempt; the quiz's is untouched."""
    bundle = make_case()
    quiz = make_quiz(cases=[bundle.case])
    user = make_user()
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=user)
    in_quiz = Attempt.objects.get(quiz_case__quiz_attempt=quiz_attempt)
    assert case_services.attempt_find_open(case=bundle.case, user=user, session_key=None) is None
    practice = case_services.attempt_start_or_resume(case=bundle.case, user=user, session=new_session())
    assert practice.pk != in_quiz.pk and quiz_attempt_of(practice) is None


def test_an_exam_under_way_locks_its_cases_until_finished_or_timed_out():
    """While an exam attempt is open and in time, its cases are locked for practice and reports."""
    bundle = make_case()
    user = make_user()
    exam = make_quiz(cases=[bundle.case], mode=Quiz.Mode.EXAM, time_limit_minutes=30)
    practice_quiz = make_quiz(cases=[make_case().case], mode=Quiz.Mode.PRACTICE)
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=exam, user=user)
    services.quiz_attempt_start_or_resume(quiz=practice_quiz, user=user)
    assert exam_attempt_holding(case=bundle.case, user=user) == quiz_attempt
    assert exam_attempt_holding(case=practice_quiz.items.get().case, user=user) is None
    assert exam_attempt_holding(case=bundle.case, user=make_user()) is None
    past_deadline(quiz_attempt)
    assert exam_attempt_holding(case=bundle.case, user=user) is None


# --- the deadline -------------------------------------------------------------------


def test_choosing_or_submitting_after_the_deadline_is_refused_by_the_case_services():
    """Whoever calls, a quiz case attempt takes no choice and no submission once time is up."""
    bundle = make_case()
    quiz = make_quiz(cases=[bundle.case], time_limit_minutes=5)
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=make_user())
    case_attempt = Attempt.objects.get(quiz_case__quiz_attempt=quiz_attempt)
    case_services.attempt_choose_step(attempt=case_attempt, step=bundle.steps["peripheral-smear"])
    past_deadline(quiz_attempt)
    with pytest.raises(ValidationError) as error:
        case_services.attempt_choose_step(attempt=case_attempt, step=bundle.steps["prior-counts"])
    assert error.value.code == "time_up"
    with pytest.raises(ValidationError) as error:
        case_services.attempt_submit(attempt=case_attempt, diagnosis=bundle.causes["thiopurines"])
    assert error.value.code == "time_up"
    assert Choice.objects.filter(attempt=case_attempt).count() == 1
    assert not GradedReport.objects.exists()


def test_time_up_finishes_the_attempt_and_grades_the_rest_as_they_stand_exactly_once():
    """Past the deadline the quiz attempt finishes (time_up, at the deadline); submitted cases keep
    their reports; open ones are graded with their choices and no diagnosis, once, however often it runs."""
    one, two, three = (make_case() for _ in range(3))
    quiz = make_quiz(cases=[one.case, two.case, three.case], time_limit_minutes=30)
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=make_user())
    a1, a2, a3 = services.quiz_attempt_progress(quiz_attempt=quiz_attempt).case_attempts
    case_services.attempt_choose_step(attempt=a1, step=one.steps["peripheral-smear"])
    first_report = case_services.attempt_submit(attempt=a1, diagnosis=one.causes["thiopurines"])
    case_services.attempt_choose_step(attempt=a2, step=two.steps["peripheral-smear"])
    past_deadline(quiz_attempt, minutes=3)
    deadline = quiz_attempt.deadline

    assert services.quiz_attempt_enforce_deadline(quiz_attempt=quiz_attempt) is True
    assert services.quiz_attempt_enforce_deadline(quiz_attempt=quiz_attempt) is False  # already done
    services.quiz_attempt_finish(quiz_attempt=quiz_attempt, reason=QuizAttempt.FinishReason.TIME_UP)

    quiz_attempt.refresh_from_db()
    assert quiz_attempt.finish_reason == QuizAttempt.FinishReason.TIME_UP
    assert quiz_attempt.finished_at == deadline
    for attempt in (a1, a2, a3):
        attempt.refresh_from_db()
        assert attempt.is_submitted
        assert GradedReport.objects.filter(attempt=attempt).count() == 1
    assert GradedReport.objects.get(attempt=a1).pk == first_report.pk
    assert a2.diagnosis is None and a3.diagnosis is None
    assert GradedReport.objects.get(attempt=a2).data["learner_path"] == ["peripheral-smear"]
    assert GradedReport.objects.get(attempt=a3).data["learner_path"] == []


def test_the_quiz_finishes_as_completed_when_the_last_case_is_submitted():
    """finish_if_complete waits for every case, then records completion once."""
    bundle = make_case()
    quiz = make_quiz(cases=[bundle.case, make_case().case])
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=make_user())
    a1, a2 = services.quiz_attempt_progress(quiz_attempt=quiz_attempt).case_attempts
    case_services.attempt_submit(attempt=a1, diagnosis=bundle.causes["thiopurines"])
    assert services.quiz_attempt_finish_if_complete(quiz_attempt=quiz_attempt) is False
    progress = services.quiz_attempt_progress(quiz_attempt=quiz_attempt)
    assert progress.current == a2 and progress.position == 2 and progress.is_last
    case_services.attempt_submit(attempt=a2, diagnosis=bundle.causes["thiopurines"])
    assert services.quiz_attempt_finish_if_complete(quiz_attempt=quiz_attempt) is True
    quiz_attempt.refresh_from_db()
    assert quiz_attempt.finish_reason == QuizAttempt.FinishReason.COMPLETED


def test_an_overdue_open_attempt_is_finished_rather_than_resumed():
    """Coming back after the deadline returns the attempt finished (time up), not a fresh one."""
    quiz = make_quiz(time_limit_minutes=10)
    user = make_user()
    first = services.quiz_attempt_start_or_resume(quiz=quiz, user=user)
    past_deadline(first)
    again = services.quiz_attempt_start_or_resume(quiz=quiz, user=user)
    assert again.pk == first.pk and again.is_finished
    assert again.finish_reason == QuizAttempt.FinishReason.TIME_UP
    standing = services.quiz_standing(quiz=quiz, user=user)
    assert standing.open_attempt is None and standing.can_start


# --- the quiz report and the list ----------------------------------------------------


def test_quiz_report_has_scores_per_case_the_mean_and_groups():
    """Per case totals in quiz order, the mean, and the mean per cause group."""
    med = make_case(group_slugs=("medication",))
    tox = make_case(group_slugs=("toxic", "medication"))
    quiz = make_quiz(cases=[med.case, tox.case])
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=make_user())
    a1, a2 = services.quiz_attempt_progress(quiz_attempt=quiz_attempt).case_attempts
    for slug in ("peripheral-smear", "prior-counts", "medication-review"):
        case_services.attempt_choose_step(attempt=a1, step=med.steps[slug])
    r1 = case_services.attempt_submit(attempt=a1, diagnosis=med.causes["thiopurines"])
    services.quiz_attempt_finish(quiz_attempt=quiz_attempt, reason=QuizAttempt.FinishReason.TIME_UP)
    report = services.quiz_attempt_report(quiz_attempt=quiz_attempt)
    r2 = GradedReport.objects.get(attempt=a2)
    assert r1.total == 100.0 and r2.total == 0.0
    assert [(line.position, line.total, line.graded_at_time_up) for line in report.lines] == [
        (1, 100.0, False),
        (2, 0.0, True),
    ]
    assert report.mean_total == 50.0
    assert report.answered == 1
    assert [(g.slug, g.mean_total) for g in report.groups] == [("medication", 50.0), ("toxic", 0.0)]


def test_the_quiz_list_shows_available_quizzes_with_counts_in_one_query(django_assert_num_queries):
    """Available, published, assigned quizzes with their case counts and the learner's attempts: one query."""
    user = make_user()
    shared = make_case().case
    listed = make_quiz(title="A listed quiz", cases=[shared, make_case().case])
    make_quiz(title="Draft", status=ReviewStatus.DRAFT)
    make_quiz(title="Not yet", available_from=timezone.now() + timedelta(days=1))
    make_quiz(title="Over", available_until=timezone.now() - timedelta(days=1))
    make_quiz(title="Cohort only").cohorts.add(make_cohort())
    services.quiz_attempt_start_or_resume(quiz=listed, user=user)
    with django_assert_num_queries(1):
        rows = [
            (q.title, q.case_count, q.attempts_used, bool(q.open_attempt_id))
            for q in services.quizzes_for_list(user=user)
        ]
    assert rows == [("A listed quiz", 2, 1, True)]


# --- real concurrency (PostgreSQL: SQLite serialises writers anyway) -----------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_finishing_at_time_up_racing_the_runner_grades_each_case_once():
    """Two requests finishing the same overdue quiz attempt at once (two tabs, say) and a late
    submission: one report per case, the quiz finished once, the late diagnosis refused."""
    from tests.concurrency.threads import run_together

    bundle = make_case()
    quiz = make_quiz(cases=[bundle.case, make_case().case], time_limit_minutes=5)
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=quiz, user=make_user())
    first, _ = services.quiz_attempt_progress(quiz_attempt=quiz_attempt).case_attempts
    past_deadline(quiz_attempt)

    def finish():
        return services.quiz_attempt_enforce_deadline(quiz_attempt=QuizAttempt.objects.get(pk=quiz_attempt.pk))

    def late_submit():
        try:
            return case_services.attempt_submit(attempt=first, diagnosis=bundle.causes["thiopurines"])
        except ValidationError as refused:  # an expected outcome, checked below
            return refused

    results = run_together([finish, finish, late_submit])
    assert sorted(r for r in results[:2]) == [False, True] or results[:2] == [True, True], results
    # The late submission is refused (time_up) or, if a finisher graded the case first, it gets
    # that report back (submitting twice changes nothing): either way its diagnosis is not stored.
    late = results[2]
    assert (isinstance(late, ValidationError) and late.code == "time_up") or (
        isinstance(late, GradedReport) and late.attempt_id == first.pk and late.total == 0
    ), late
    quiz_attempt.refresh_from_db()
    assert quiz_attempt.finish_reason == QuizAttempt.FinishReason.TIME_UP
    for attempt in Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt):
        assert GradedReport.objects.filter(attempt=attempt).count() == 1
        assert attempt.diagnosis is None
