"""Every POST without a CSRF token is refused with 403, for visitors and learners alike."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.accounts.factories import make_user
from tests.cases.factories import make_attempt, make_site

from .endpoints import site_urls

pytestmark = pytest.mark.django_db

#: Posted by an LMS from its own site, so exempt from CSRF by design: a launch is
#: authenticated by the platform's signed id_token, its nonce and the state
#: cookie instead (tests/lti/test_launch.py refuses every forgery of those).
LTI_ENTRY_POINTS = {"lti:login", "lti:launch"}


@pytest.mark.parametrize("who", ["anonymous", "learner"])
def test_posts_without_a_token_are_forbidden(who):
    """Each URL that accepts a POST answers a token-less one with 403 and the same POST with a token otherwise."""
    site = make_site()
    learner = make_user()
    attempt = make_attempt(case=site.case, user=learner, steps=[site.steps[0]])
    client = Client(enforce_csrf_checks=True)
    if who == "learner":
        client.force_login(learner)
    endpoints = site_urls(client=client, site=site, attempt=attempt)
    data = {"step": site.steps[1].slug, "attempt": attempt.pk, "username": learner.username, "password": "x"}

    checked = []
    for endpoint in endpoints:
        if endpoint.name in LTI_ENTRY_POINTS:
            continue
        response = client.post(endpoint.url, data)
        if response.status_code == 405:
            continue
        assert response.status_code == 403, (endpoint.name, response.status_code)
        checked.append(endpoint.name)
    assert {"cases:choose", "cases:submit", "accounts:login", "editorial:audience", "admin:login"} <= set(checked)

    # The refusal is the CSRF check's: with the cookie and the token, the same POSTs get through.
    client.get("/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    for name in ("cases:choose", "editorial:audience", "accounts:login"):
        url = next(e.url for e in endpoints if e.name == name)
        response = client.post(url, {**data, "csrfmiddlewaretoken": token})
        assert response.status_code != 403, name
    assert attempt.choices.count() == (2 if who == "learner" else 1)


def test_a_token_from_another_session_is_refused():
    """A token lifted from someone else's page does not work with the attacker's own cookie."""
    site = make_site()
    victim = Client(enforce_csrf_checks=True)
    victim.get("/")
    stolen = victim.cookies[settings.CSRF_COOKIE_NAME].value
    attacker = Client(enforce_csrf_checks=True)
    attacker.get("/")
    response = attacker.post(
        f"{site.case.get_absolute_url()}choose/", {"step": site.steps[0].slug, "csrfmiddlewaretoken": stolen}
    )
    assert response.status_code == 403
