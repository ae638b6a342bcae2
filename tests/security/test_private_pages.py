"""Pages of a signed-in learner or instructor, or of a visitor part-way through a case, are never stored
by a browser or proxy cache (``Cache-Control: private, no-store``); reader pages of visitors without
a session stay cacheable."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import make_user
from tests.cases.factories import make_attempt, make_site
from tests.quizzes.factories import make_cohort, make_site_quiz

from .endpoints import site_urls

pytestmark = pytest.mark.django_db


def is_private(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.fixture
def site():
    return make_site()


def test_every_page_a_signed_in_learner_sees_is_private(site):
    """Every page that answers a learner (dashboard, play pages, reports, quiz pages, account pages) is private."""
    learner = make_user()
    client = Client()
    client.force_login(learner)
    attempt = make_attempt(case=site.case, user=learner, steps=[site.steps[0]], submit=True, diagnosis=site.cause)
    _, quiz_attempt = make_site_quiz(site=site, learner=learner)
    shown = []
    for endpoint in site_urls(client=client, site=site, attempt=attempt, extra_ids=[quiz_attempt.pk]):
        response = client.get(endpoint.url)
        if response.status_code == 200:
            shown.append(endpoint.name)
            assert is_private(response), f"{endpoint.name} ({endpoint.url}): {response.get('Cache-Control')!r}"
    for name in ("accounts:dashboard", "cases:report", "cases:play", "quizzes:detail", "quizzes:take", "home"):
        assert name in shown


def test_every_instructor_and_admin_page_is_private(site):
    """Instructor pages and the admin (index, lists, change forms) are private."""
    staff = get_user_model().objects.create_superuser("chief", "chief@example.org", "pw-for-tests-only")
    client = Client()
    client.force_login(staff)
    make_site_quiz(site=site)
    make_cohort()  # the cohort pages
    urls = [
        reverse("instructor:index"),
        reverse("admin:index"),
        reverse("admin:cases_case_changelist"),
        reverse("admin:cases_case_change", args=[site.case.pk]),
        reverse("admin:auth_user_changelist"),
    ]
    attempt = make_attempt(case=site.case, user=make_user(), steps=[site.steps[0]], submit=True, diagnosis=site.cause)
    urls += [e.url for e in site_urls(client=client, site=site, attempt=attempt) if e.name.startswith("instructor:")]
    for url in urls:
        response = client.get(url)
        if response.status_code == 405:
            continue  # POST only (renewing a join code): it answers with a redirect, never a page
        assert response.status_code == 200, url
        assert is_private(response), f"{url}: {response.get('Cache-Control')!r}"


def test_an_anonymous_visitor_playing_a_case_gets_private_pages(site):
    """Once a visitor's first choice starts their attempt (and a session), their play page and report are private."""
    client = Client()
    chose = client.post(reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": site.steps[0].slug})
    assert is_private(chose)
    assert is_private(client.get(site.case.get_absolute_url()))


def test_reader_pages_without_a_session_stay_cacheable(site):
    """A visitor without a session gets reader pages with no no-store, so the page cache and browsers may keep them."""
    client = Client()
    for url in ("/", reverse("taxonomy:references"), site.cause.get_absolute_url(), reverse("cases:list")):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" not in response.get("Cache-Control", ""), url
