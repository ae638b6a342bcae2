"""Peer difficulty (issue 18): each case's facility, from learners' first attempts, once 20 learners have one."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from leucocases.cases.attempts import attempt_submit
from leucocases.cases.facility import FACILITY_MINIMUM_LEARNERS, case_facilities
from leucocases.cases.models import Attempt
from tests.accounts.factories import make_user
from tests.quizzes.factories import make_submitted

from .factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh(settings):
    """Fast password hashing (these tests make many users); no facility left in the cache by another test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def learners_first_attempts(case, totals):
    """One learner per total; each also has a later, better attempt, which must not count."""
    earlier = timezone.now() - timedelta(days=2)
    for total in totals:
        learner = make_user()
        make_submitted(user=learner, case=case, total=total, submitted_at=earlier)
        make_submitted(user=learner, case=case, total=100, submitted_at=earlier + timedelta(days=1))


def test_facility_is_the_mean_of_first_attempts_shown_from_twenty_learners(client):
    case = make_case(title="Peer case").case
    learners_first_attempts(case, [40.0] * 10 + [70.0] * (FACILITY_MINIMUM_LEARNERS - 11))
    make_submitted(user=None, case=case, total=0)  # an anonymous attempt is no learner
    assert case_facilities([case.pk])[case.pk].learners == 19
    page = client.get(reverse("cases:list")).content.decode()
    assert "Peer difficulty" not in page

    cache.clear()
    learners_first_attempts(case, [70.0])
    facility = case_facilities([case.pk])[case.pk]
    assert (facility.learners, facility.mean_total, facility.shown) == (20, 55.0, True)
    page = text(client.get(reverse("cases:list")).content.decode())
    assert "Peer difficulty: first attempts average 55 / 100 (20 learners)" in page


def test_the_report_gives_the_facility_or_says_when_it_will(client):
    learner = make_user()
    client.force_login(learner)
    case = make_case(title="Report case").case
    learners_first_attempts(case, [50.0] * 5)
    mine = Attempt.objects.create(case=case, user=learner)
    attempt_submit(attempt=mine, diagnosis=None)  # a real report: 0 points, at their first attempt
    report = text(client.get(mine.get_absolute_url()).content.decode())
    assert "appears here once 20 learners have submitted this case (6 so far)" in report
    cache.clear()
    learners_first_attempts(case, [50.0] * 14)
    total = mine.reports.get().total
    report = text(client.get(mine.get_absolute_url()).content.decode())
    mean = round((19 * 50.0 + total) / 20, 1)
    assert f"the 20 learners who have submitted this case scored {mean} out of 100 on average" in report


def test_the_case_list_reads_facilities_in_one_query_per_page(client, django_assert_max_num_queries):
    cases = [make_case(title=f"List case {i}").case for i in range(3)]
    for case in cases:
        learners_first_attempts(case, [60.0] * FACILITY_MINIMUM_LEARNERS)
    assert Attempt.objects.count() == 3 * 2 * FACILITY_MINIMUM_LEARNERS
    client.get(reverse("cases:list"))  # warms the session
    cache.clear()
    with django_assert_max_num_queries(10) as queries:
        page = client.get(reverse("cases:list")).content.decode()
    assert sum("cases_gradedreport" in q["sql"] for q in queries.captured_queries) == 1
    assert text(page).count("first attempts average 60 / 100 (20 learners)") == 3
