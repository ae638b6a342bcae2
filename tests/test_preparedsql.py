"""A query compiled once per worker returns what its queryset returns, for any values."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from leucocases.cases import visibility
from leucocases.cases.models import Attempt, Choice
from leucocases.preparedsql import PreparedQuery
from tests.accounts.factories import make_user
from tests.cases.factories import make_attempt, make_case, make_case_for
from tests.taxonomy.factories import make_cause
from tests.taxonomy.test_views import submitted

pytestmark = pytest.mark.django_db


def started_before(*, user_id: int, now):
    return Attempt.objects.filter(user_id=user_id, started_at__lte=now).order_by("pk").values_list("pk", "started_at")


def test_a_prepared_query_returns_what_its_queryset_returns_for_each_set_of_values():
    query = PreparedQuery(started_before, user_id=int, now=datetime)
    case = make_case().case
    first, second = make_user(), make_user()
    for user in (first, first, second):
        Attempt.objects.create(case=case, user=user)
    later = timezone.now() + timedelta(minutes=1)
    for user_id, now in ((first.pk, later), (second.pk, later), (first.pk, later - timedelta(days=1))):
        assert query.rows(user_id=user_id, now=now) == list(started_before(user_id=user_id, now=now))
    assert query.is_prepared()
    assert [type(value) for value in query.rows(user_id=second.pk, now=later)[0]] == [int, type(later)]


def first_ones(*, user_id: int, count: int):
    return Attempt.objects.filter(user_id=user_id).order_by("pk").values_list("pk", flat=False)[:count]


def test_a_query_whose_sql_text_depends_on_a_value_is_built_every_time():
    """A slice's LIMIT is written into the SQL, not passed as a parameter: no preparing that."""
    query = PreparedQuery(first_ones, user_id=int, count=int)
    user = make_user()
    case = make_case().case
    made = [Attempt.objects.create(case=case, user=user).pk for _ in range(3)]
    assert [pk for (pk,) in query.rows(user_id=user.pk, count=2)] == made[:2]
    assert [pk for (pk,) in query.rows(user_id=user.pk, count=3)] == made
    assert not query.is_prepared()


def test_the_cause_pages_reader_cases_query_is_prepared_for_learners_and_visitors():
    cause = make_cause()
    learner = make_user()
    mine = submitted(make_case_for(cause, title="Mine"), user=learner)
    theirs = submitted(make_case_for(cause, title="A visitor's"), session_key="visitor-session")

    signed_in = visibility.reader_cases_for_cause(cause=cause, user=learner, session_key=None)
    anonymous = visibility.reader_cases_for_cause(cause=cause, user=None, session_key="visitor-session")

    assert [case.report_url for case in signed_in] == [mine.get_absolute_url()]
    assert [case.report_url for case in anonymous] == [theirs.get_absolute_url()]
    build = visibility._reader_attempts
    assert visibility.prepared(build, signed_in=True, cause_id=int).is_prepared()
    assert visibility.prepared(build, signed_in=False, cause_id=int).is_prepared()


def test_the_case_lists_queries_are_prepared():
    from leucocases.cases import case_list

    learner = make_user()
    make_case_for(make_cause(), title="A case")
    case_list.learner_progress(user=learner, session_key=None)
    case_list.learner_progress(user=None, session_key="visitor-session")
    visibility.locked_case_ids()

    assert visibility.prepared(case_list._progress, signed_in=True).is_prepared()
    assert visibility.prepared(case_list._progress, signed_in=False).is_prepared()
    assert visibility.prepared(visibility._locked_cases, signed_in=None).is_prepared()


@pytest.mark.skipif("not connection.vendor == 'postgresql'", reason="PostgreSQL keeps plans; SQLite has none to keep")
def test_postgresql_keeps_the_plan_and_answers_the_same_with_or_without_it():
    """The statement is sent with its values apart and prepared once per connection
    (pg_prepared_statements lists it, run again, not prepared anew); without
    preparing (DJANGO_DB_PREPARED_STATEMENTS=0) the rows are the same."""
    query = PreparedQuery(started_before, user_id=int, now=datetime)
    case = make_case().case
    user = make_user()
    Attempt.objects.create(case=case, user=user)
    later = timezone.now() + timedelta(minutes=1)
    expected = list(started_before(user_id=user.pk, now=later))

    def kept_plans() -> list[tuple[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
                ['%"cases_attempt"."user_id" = $%'],
            )
            return cursor.fetchall()

    for _ in range(3):
        assert query.rows(user_id=user.pk, now=later) == expected
    [(statement, runs)] = kept_plans()
    assert runs == 3 and "$1" in statement

    psycopg_connection = connection.connection
    threshold, psycopg_connection.prepare_threshold = psycopg_connection.prepare_threshold, None
    try:
        assert query.rows(user_id=user.pk, now=later) == expected
    finally:
        psycopg_connection.prepare_threshold = threshold
    assert kept_plans()[0][1] == 3  # run without the kept plan


def test_a_choices_read_of_its_attempts_picks_is_prepared_and_sees_every_choice():
    from leucocases.cases import attempts

    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    for step in list(bundle.steps.values())[:2]:
        attempts.attempt_choose_step(attempt=attempt, step=step)
    assert attempts._PICKS.is_prepared()
    stored = (
        Choice.objects.filter(attempt=attempt).order_by("position").values_list("position", "step_id", "occurrence")
    )
    assert attempts._stored_picks(attempt) == tuple(stored) and len(stored) == 2


@pytest.mark.skipif("not connection.vendor == 'postgresql'", reason="a PostgreSQL plan")
def test_a_visitors_attempt_is_found_through_the_visitor_index_whatever_the_statistics_say():
    """The kept (generic) plan of a visitor's lookup reads the visitor index. The statistics
    are taken while every attempt has a user, as on a site before its visitors came (and in
    ``make bench`` before locust's): without that index PostgreSQL walked every visitor's
    attempt through the user index, a millisecond a lookup at a few thousand."""
    case = make_case().case
    users = [make_user() for _ in range(20)]
    Attempt.objects.bulk_create(Attempt(case=case, user=users[n % 20]) for n in range(400))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_attempt")
    Attempt.objects.bulk_create(Attempt(case=case, session_key=f"visitor-{n}") for n in range(400))
    lookup = Attempt.objects.owned_by(session_key="visitor-7").filter(case=case).values_list("pk")
    sql, params = lookup.query.sql_with_params()
    numbered = sql % tuple(f"${n}" for n in range(1, len(params) + 1))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE visitor_lookup AS {numbered}")
        try:
            cursor.execute(f"EXPLAIN EXECUTE visitor_lookup ({', '.join(['%s'] * len(params))})", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE visitor_lookup")
    assert "attempt_visitor_case" in plan, plan
    assert [pk for (pk,) in lookup] == [Attempt.objects.get(session_key="visitor-7").pk]


def test_an_attempts_row_lock_is_prepared_and_holds_what_the_rules_read():
    """The lock (``cases.attempt_lock``) returns the attempt as select_related did: a quiz's case
    attempt with its quiz attempt and quiz, a practice attempt with none, and reading them
    (and the case, when asked for) costs no query."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from leucocases.cases.attempt_lock import locked_attempt
    from leucocases.quizzes.models import quiz_attempt_of
    from tests.quizzes.factories import make_quiz, make_quiz_attempt

    learner = make_user()
    quiz = make_quiz(cases=[make_case().case], mode="exam")
    quiz_attempt = make_quiz_attempt(quiz=quiz, user=learner, paths=[None], finished=False)
    in_quiz = Attempt.objects.get(quiz_case__quiz_attempt=quiz_attempt)
    practice = make_attempt(case=make_case().case, user=learner)
    case = in_quiz.case
    with transaction.atomic():
        locked_quiz = locked_attempt(in_quiz.pk, related=("case",))
        locked_practice = locked_attempt(practice.pk)
        with CaptureQueriesContext(connection) as reads:
            assert quiz_attempt_of(locked_quiz) == quiz_attempt
            assert quiz_attempt_of(locked_quiz).quiz == quiz
            assert locked_quiz.case == case and locked_quiz.case.title == case.title
            assert quiz_attempt_of(locked_practice) is None
        assert len(reads) == 0
    for attempt, locked in ((in_quiz, locked_quiz), (practice, locked_practice)):
        fields = [f.attname for f in Attempt._meta.concrete_fields]
        assert [getattr(locked, f) for f in fields] == [getattr(attempt, f) for f in fields]
    with transaction.atomic(), pytest.raises(Attempt.DoesNotExist):
        locked_attempt(practice.pk + in_quiz.pk + 1000)
    from leucocases.cases import attempt_lock

    assert all(query.is_prepared() for _, query in attempt_lock._queries.values())
