"""Starting, choosing, submitting and claiming attempts (cases/services.py)."""

from importlib import import_module

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from leucocases.cases import services
from leucocases.cases.grading import ENGINE_VERSION, Report
from leucocases.cases.models import Attempt, Choice, Finding, GradedReport
from leucocases.taxonomy.models import WorkupStep
from tests.accounts.factories import make_user
from tests.cases.factories import make_attempt, make_case
from tests.concurrency.threads import run_together

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The production hasher costs ~0.3 s a password; these tests make many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def new_session():
    return import_module(settings.SESSION_ENGINE).SessionStore()


def choose(attempt, bundle, *slugs):
    return [services.attempt_choose_step(attempt=attempt, step=bundle.steps[s]) for s in slugs]


# --- start or resume -------------------------------------------------------


def test_logged_in_learner_resumes_their_open_attempt():
    """The same learner opening the same case twice gets the same open attempt."""
    bundle = make_case()
    user = make_user()
    first = services.attempt_start_or_resume(case=bundle.case, user=user, session=new_session())
    again = services.attempt_start_or_resume(case=bundle.case, user=user, session=new_session())
    assert first.pk == again.pk
    assert first.user == user
    assert Attempt.objects.count() == 1


def test_a_submitted_attempt_is_not_resumed():
    """After submitting, opening the case starts a fresh attempt."""
    bundle = make_case()
    user = make_user()
    first = services.attempt_start_or_resume(case=bundle.case, user=user, session=new_session())
    services.attempt_submit(attempt=first, diagnosis=bundle.causes["thiopurines"])
    second = services.attempt_start_or_resume(case=bundle.case, user=user, session=new_session())
    assert second.pk != first.pk
    assert not second.is_submitted


def test_anonymous_attempt_belongs_to_a_new_session_and_is_remembered():
    """An anonymous visitor without a session gets one; the attempt id is kept in it."""
    bundle = make_case()
    session = new_session()
    assert session.session_key is None
    attempt = services.attempt_start_or_resume(case=bundle.case, user=None, session=session)
    assert session.session_key
    assert attempt.user is None
    assert attempt.session_key == session.session_key
    assert session[services.ANON_ATTEMPTS_SESSION_KEY] == [attempt.pk]
    again = services.attempt_start_or_resume(case=bundle.case, user=None, session=session)
    assert again.pk == attempt.pk


def test_other_learners_attempts_are_never_resumed():
    """Another user's or another session's open attempt is not picked up."""
    bundle = make_case()
    other = make_user()
    make_attempt(case=bundle.case, user=other)
    make_attempt(case=bundle.case, session_key="someone-elses-session")
    mine = services.attempt_start_or_resume(case=bundle.case, user=make_user(), session=new_session())
    assert Attempt.objects.count() == 3
    assert mine.user != other


# --- choosing --------------------------------------------------------------


def test_each_choice_is_stored_the_moment_it_is_made():
    """Choices are rows at once, numbered 1, 2, 3 in the order made; a fresh read sees them."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    outcomes = choose(attempt, bundle, "prior-counts", "peripheral-smear", "cmv-pcr")
    assert all(o.created for o in outcomes)
    stored = list(Attempt.objects.get(pk=attempt.pk).choices.values_list("position", "step__slug"))
    assert stored == [(1, "prior-counts"), (2, "peripheral-smear"), (3, "cmv-pcr")]


def test_choosing_an_entry_again_records_its_occurrence():
    """An entry may be ordered again: each choice records the how-manieth order of its entry it is."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    outcomes = choose(attempt, bundle, "peripheral-smear", "cmv-pcr", "peripheral-smear", "peripheral-smear")
    assert all(o.created for o in outcomes)
    stored = list(Choice.objects.filter(attempt=attempt).values_list("position", "step__slug", "occurrence"))
    assert stored == [
        (1, "peripheral-smear", 1),
        (2, "cmv-pcr", 1),
        (3, "peripheral-smear", 2),
        (4, "peripheral-smear", 3),
    ]


def test_a_resent_choice_at_a_taken_position_is_stored_once():
    """The same entry posted again for the position it already holds (a double click, a resent
    form) stores nothing and returns the stored choice; the next position makes a repeat."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    smear = bundle.steps["peripheral-smear"]
    first = services.attempt_choose_step(attempt=attempt, step=smear, position=1)
    again = services.attempt_choose_step(attempt=attempt, step=smear, position=1)
    assert first.created and not again.created and again.choice.pk == first.choice.pk
    repeat = services.attempt_choose_step(attempt=attempt, step=smear, position=2)
    assert repeat.created and (repeat.choice.position, repeat.choice.occurrence) == (2, 2)
    assert Choice.objects.filter(attempt=attempt).count() == 2


def test_a_choice_from_an_out_of_date_page_is_refused():
    """A position held by another entry, or beyond the next free one, comes from a page that is out
    of date: refused with code stale_position, nothing stored."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    services.attempt_choose_step(attempt=attempt, step=bundle.steps["cmv-pcr"], position=1)
    for position in (1, 3):
        with pytest.raises(ValidationError) as caught:
            services.attempt_choose_step(attempt=attempt, step=bundle.steps["peripheral-smear"], position=position)
        assert caught.value.code == "stale_position"
    assert list(Choice.objects.filter(attempt=attempt).values_list("step__slug", flat=True)) == ["cmv-pcr"]


def test_a_submitted_attempt_refuses_new_choices():
    """Choosing after submission raises a ValidationError coded attempt_submitted."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    services.attempt_submit(attempt=attempt, diagnosis=None)
    with pytest.raises(ValidationError) as caught:
        choose(attempt, bundle, "peripheral-smear")
    assert caught.value.code == "attempt_submitted"
    assert not Choice.objects.filter(attempt=attempt).exists()


def test_chosen_steps_show_results_but_no_key():
    """The play page's view of the choices has results, and no field that could carry a tier or
    rationale, or tell a keyed step from an unkeyed one (which shows the catalogue's default result)."""
    bundle = make_case()
    WorkupStep.objects.filter(slug="cmv-pcr").update(default_result="CMV DNA not detected.")
    attempt = make_attempt(case=bundle.case, user=make_user())
    choose(attempt, bundle, "prior-counts", "cmv-pcr", "spleen-ultrasound")
    first, second, third = services.attempt_chosen_steps(attempt=attempt)
    assert first.result.startswith("RESULT-PRIOR-COUNTS")
    assert first.chart is not None and first.chart.rows[-1].flag == "low"
    assert second.result == "CMV DNA not detected." and second.chart is None and second.table == ()
    assert third.result == services.NEUTRAL_RESULT  # no default written for this step
    assert "CMV DNA not detected." in second.body and services.NEUTRAL_RESULT in third.body
    assert set(services.ChosenStep.__slots__) == {"position", "step", "occurrence", "result", "table", "chart", "body"}


def test_each_order_of_an_entry_shows_the_finding_for_that_occurrence():
    """The n-th order shows the finding keyed for occurrence n (its chart too); a repeat beyond the
    keyed occurrences shows the last keyed one again; an unkeyed entry shows its default every time."""
    bundle = make_case()
    prior = bundle.steps["prior-counts"]
    Finding.objects.create(
        case=bundle.case,
        step=prior,
        occurrence=2,
        tier="essential",
        result="RESULT-FOLLOW-UP: the count has recovered.",
        rationale="RATIONALE-FOLLOW-UP",
        series={"label": "White cell count", "unit": "×10⁹/L", "points": [{"when": "Day 21", "value": 5.1}]},
    )
    WorkupStep.objects.filter(slug="cmv-pcr").update(default_result="CMV DNA not detected.")
    attempt = make_attempt(case=bundle.case, user=make_user())
    choose(attempt, bundle, "prior-counts", "cmv-pcr", "prior-counts", "prior-counts", "cmv-pcr")
    shown = services.attempt_chosen_steps(attempt=attempt)
    assert [(s.step.slug, s.occurrence) for s in shown] == [
        ("prior-counts", 1),
        ("cmv-pcr", 1),
        ("prior-counts", 2),
        ("prior-counts", 3),
        ("cmv-pcr", 2),
    ]
    assert shown[0].result.startswith("RESULT-PRIOR-COUNTS") and shown[0].chart.rows[-1].when == "Apr 2025"
    assert shown[2].result == "RESULT-FOLLOW-UP: the count has recovered."
    assert shown[2].chart.rows[-1].when == "Day 21"
    assert shown[3].result == shown[2].result  # beyond the keyed occurrences: the last keyed one
    assert shown[1].result == shown[4].result == "CMV DNA not detected."


# --- submitting ------------------------------------------------------------


def test_submit_stores_the_graded_report():
    """Submission grades the stored path and freezes the report with its scores."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    choose(attempt, bundle, "peripheral-smear", "prior-counts", "medication-review")
    graded = services.attempt_submit(attempt=attempt, diagnosis=bundle.causes["thiopurines"])
    attempt.refresh_from_db()
    assert attempt.is_submitted
    assert attempt.diagnosis == bundle.causes["thiopurines"]
    assert graded.engine_version == ENGINE_VERSION
    assert (graded.total, graded.workup_score, graded.diagnosis_score) == (100.0, 100.0, 100.0)
    report = Report.from_dict(graded.data)
    assert report.learner_path == ("peripheral-smear", "prior-counts", "medication-review")


def test_double_submit_stores_exactly_one_report():
    """A second submit (double click, replayed form) returns the first report unchanged."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    choose(attempt, bundle, "peripheral-smear")
    first = services.attempt_submit(attempt=attempt, diagnosis=bundle.causes["drugs-and-environmental-toxins"])
    stale = Attempt.objects.get(pk=attempt.pk)  # as another request would hold it
    second = services.attempt_submit(attempt=stale, diagnosis=bundle.causes["thiopurines"])
    assert second.pk == first.pk
    assert second.total == first.total
    assert GradedReport.objects.filter(attempt=attempt).count() == 1
    attempt.refresh_from_db()
    assert attempt.diagnosis == bundle.causes["drugs-and-environmental-toxins"]


def test_submit_with_a_stale_unsubmitted_copy_still_grades_once():
    """Two requests that both loaded the attempt before either submitted store one report."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    copy_a = Attempt.objects.get(pk=attempt.pk)
    copy_b = Attempt.objects.get(pk=attempt.pk)
    a = services.attempt_submit(attempt=copy_a, diagnosis=bundle.causes["thiopurines"])
    b = services.attempt_submit(attempt=copy_b, diagnosis=bundle.causes["aplastic-anaemia"])
    assert a.pk == b.pk
    assert GradedReport.objects.filter(attempt=attempt).count() == 1


def test_partial_credit_diagnosis():
    """The half-credit cause earns 50 diagnosis points."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    graded = services.attempt_submit(attempt=attempt, diagnosis=bundle.causes["drugs-and-environmental-toxins"])
    assert graded.diagnosis_score == 50.0


# --- claiming anonymous attempts on login ----------------------------------


def test_anonymous_attempts_move_to_the_account_on_login():
    """Attempts started before logging in belong to the account afterwards,
    though login gives the session a new key."""
    bundle = make_case()
    other_case = make_case().case
    client = Client()
    for case in (bundle.case, other_case):
        client.post(reverse("cases:choose", kwargs={"slug": case.slug}), {"attempt": "", "step": "peripheral-smear"})
    anonymous = list(Attempt.objects.filter(user__isnull=True))
    assert len(anonymous) == 2
    old_key = client.session.session_key

    user = make_user()
    client.force_login(user)
    assert client.session.session_key != old_key
    assert set(Attempt.objects.filter(user=user).values_list("pk", flat=True)) == {a.pk for a in anonymous}
    assert services.ANON_ATTEMPTS_SESSION_KEY not in client.session


def test_claim_never_takes_another_accounts_attempt():
    """An id naming someone else's attempt is ignored."""
    bundle = make_case()
    owner = make_user()
    theirs = make_attempt(case=bundle.case, user=owner)
    stray = make_attempt(case=bundle.case, session_key="old-key")
    claimed = services.attempts_claim_for_user(session_key=None, user=make_user(), attempt_ids=[theirs.pk, stray.pk])
    assert claimed == 1
    theirs.refresh_from_db()
    assert theirs.user == owner


def test_claim_with_nothing_to_claim():
    """No ids and no session key claims nothing (and does not claim every anonymous attempt)."""
    bundle = make_case()
    make_attempt(case=bundle.case, session_key="x")
    assert services.attempts_claim_for_user(session_key=None, user=make_user()) == 0
    assert services.attempts_claim_for_user(session_key="", user=make_user(), attempt_ids=[]) == 0
    assert Attempt.objects.filter(user__isnull=True).count() == 1


# --- peers -----------------------------------------------------------------


def test_peer_stats_hidden_below_five_submissions():
    """Four submitted attempts are not enough to show how others chose."""
    bundle = make_case()
    for _ in range(4):
        services.attempt_submit(attempt=make_attempt(case=bundle.case, user=make_user()), diagnosis=None)
    make_attempt(case=bundle.case, user=make_user())  # open attempts do not count
    stats = services.peer_choice_stats(case=bundle.case)
    assert stats.submitted == 4
    assert not stats.shown
    assert stats.steps == ()


def test_peer_stats_share_of_attempts_per_step_and_diagnosis():
    """With five submissions: the share choosing each step, and the spread of diagnoses."""
    bundle = make_case()
    plans = [
        (["peripheral-smear", "prior-counts"], "thiopurines"),
        (["peripheral-smear"], "thiopurines"),
        (["peripheral-smear", "cmv-pcr"], "thiopurines"),
        (["prior-counts"], "aplastic-anaemia"),
        ([], None),
    ]
    for steps, cause in plans:
        attempt = make_attempt(case=bundle.case, user=make_user())
        choose(attempt, bundle, *steps)
        services.attempt_submit(attempt=attempt, diagnosis=bundle.causes[cause] if cause else None)
    open_attempt = make_attempt(case=bundle.case, user=make_user())
    choose(open_attempt, bundle, "cmv-pcr")  # not submitted: not counted

    stats = services.peer_choice_stats(case=bundle.case)
    assert stats.shown and stats.submitted == 5
    assert [(s.slug, s.count, s.percent) for s in stats.steps] == [
        ("peripheral-smear", 3, 60.0),
        ("prior-counts", 2, 40.0),
        ("cmv-pcr", 1, 20.0),
    ]
    assert [(s.slug, s.count) for s in stats.diagnoses] == [("thiopurines", 3), ("aplastic-anaemia", 1)]
    assert stats.no_diagnosis == 1


def test_peer_stats_use_a_constant_number_of_queries(django_assert_num_queries):
    """Aggregates, not a loop over attempts: four queries however many attempts."""
    bundle = make_case()
    for _ in range(7):
        attempt = make_attempt(case=bundle.case, user=make_user())
        choose(attempt, bundle, "peripheral-smear", "prior-counts")
        services.attempt_submit(attempt=attempt, diagnosis=bundle.causes["thiopurines"])
    with django_assert_num_queries(4):
        services.peer_choice_stats(case=bundle.case)


def test_peer_stats_are_cached_until_submissions_grow(django_assert_num_queries):
    """A second report view only counts; a new submission (below 40) aggregates again."""
    bundle = make_case()
    for _ in range(6):
        services.attempt_submit(attempt=make_attempt(case=bundle.case, user=make_user()), diagnosis=None)
    services.peer_choice_stats(case=bundle.case)
    with django_assert_num_queries(1):
        assert services.peer_choice_stats(case=bundle.case).submitted == 6
    services.attempt_submit(attempt=make_attempt(case=bundle.case, user=make_user()), diagnosis=None)
    assert services.peer_choice_stats(case=bundle.case).submitted == 7


def test_peer_stats_cache_entries_cover_at_most_five_percent_of_growth():
    """Below 40 submissions every count has its own entry; above, an entry spans at most 5 %."""
    counts_by_key: dict[str, list[int]] = {}
    for n in range(1, 5000):
        counts_by_key.setdefault(services.peer_stats_cache_key(case_pk=1, submitted=n), []).append(n)
    for counts in counts_by_key.values():
        assert len(counts) == 1 or counts[0] >= 40
        assert max(counts) <= 1.05 * min(counts)
    assert len({services.peer_stats_cache_key(case_pk=1, submitted=n) for n in range(1000, 2000)}) <= 16
    assert services.peer_stats_cache_key(case_pk=1, submitted=50) != services.peer_stats_cache_key(
        case_pk=2, submitted=50
    )


# --- real concurrency (PostgreSQL: SQLite serialises writers anyway) ---------

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submits_store_one_report():
    """Two submits racing on one attempt: one report, both callers get it."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    cause = bundle.causes["thiopurines"]
    results = run_together(
        [
            lambda: services.attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk), diagnosis=cause),
            lambda: services.attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk), diagnosis=cause),
        ]
    )
    assert all(isinstance(r, GradedReport) for r in results), results
    assert results[0].pk == results[1].pk
    assert GradedReport.objects.filter(attempt=attempt).count() == 1


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_choices_get_distinct_positions():
    """Two different steps chosen at the same moment are numbered 1 and 2, both kept."""
    bundle = make_case()
    attempt = make_attempt(case=bundle.case, user=make_user())
    results = run_together(
        [
            lambda: services.attempt_choose_step(attempt=attempt, step=bundle.steps["peripheral-smear"]),
            lambda: services.attempt_choose_step(attempt=attempt, step=bundle.steps["prior-counts"]),
        ]
    )
    assert all(isinstance(r, services.ChoiceOutcome) for r in results), results
    assert sorted(Choice.objects.filter(attempt=attempt).values_list("position", flat=True)) == [1, 2]
