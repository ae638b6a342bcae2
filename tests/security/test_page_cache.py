"""Reader pages for visitors without a session come from the cache, with CSRF tokens of their own."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse

from leucocases.cases.models import Choice
from tests.accounts.factories import make_user
from tests.cases.factories import make_site

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    yield  # tests/conftest.py empties every cache around each test


def test_second_visitor_gets_the_cached_page_with_a_working_token_of_their_own(page_cache):
    """The second anonymous visitor is served from the cache, and the audience form's token works for them."""
    site = make_site()
    url = site.cause.get_absolute_url()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    miss = first.get(url)
    hit = second.get(url)
    assert miss["X-Page-Cache"] == "miss"
    assert hit["X-Page-Cache"] == "hit"
    assert site.cause.name in hit.content.decode()
    first_token = TOKEN.search(miss.content.decode()).group(1)
    second_token = TOKEN.search(hit.content.decode()).group(1)
    assert first_token != second_token
    # Each visitor's token goes with their own cookie; a token from the other page does not.
    audience = reverse("editorial:audience")
    assert second.post(audience, {"audience": "resident", "csrfmiddlewaretoken": second_token}).status_code == 302
    assert second.post(audience, {"audience": "resident", "csrfmiddlewaretoken": first_token}).status_code == 403
    assert first.post(audience, {"audience": "resident", "csrfmiddlewaretoken": first_token}).status_code == 302


def test_each_worker_keeps_its_own_short_copy_of_a_shared_entry(page_cache):
    """A hit copies the shared (Redis) entry into the worker's memory, so the next hit
    needs no round trip; the local copy is what answers once the shared one is gone."""
    site = make_site()
    url = site.cause.get_absolute_url()
    assert Client().get(url)["X-Page-Cache"] == "miss"
    assert Client().get(url)["X-Page-Cache"] == "hit"  # from the shared cache, now copied locally
    cache.clear()  # the shared entry is evicted ...
    assert Client().get(url)["X-Page-Cache"] == "hit"  # ... and the worker still has its copy
    caches["pages"].clear()
    assert Client().get(url)["X-Page-Cache"] == "miss"


def test_a_local_copy_never_outlives_the_shared_entry(page_cache, settings):
    """An edit shows within PAGE_CACHE_SECONDS on every app server: a shared entry with
    under a second left is served but not copied, so it is gone when Redis drops it."""
    settings.PAGE_CACHE_SECONDS = 1
    site = make_site()
    url = site.cause.get_absolute_url()
    assert Client().get(url)["X-Page-Cache"] == "miss"
    assert Client().get(url)["X-Page-Cache"] == "hit"
    cache.clear()
    assert Client().get(url)["X-Page-Cache"] == "miss"


def test_the_cached_page_keeps_the_security_headers(page_cache):
    """A cache hit still carries CSP, X-Frame-Options, nosniff and the CSRF cookie."""
    site = make_site()
    Client().get(site.topic.get_absolute_url())
    hit = Client().get(site.topic.get_absolute_url())
    assert hit["X-Page-Cache"] == "hit"
    assert "script-src 'self'" in hit["Content-Security-Policy"]
    assert hit["X-Frame-Options"] == "DENY"
    assert hit["X-Content-Type-Options"] == "nosniff"
    assert django_settings.CSRF_COOKIE_NAME in hit.cookies


def test_logged_in_learners_and_visitors_with_a_session_never_use_the_cache(page_cache):
    """Pages rendered for a session are neither stored nor served from the cache."""
    site = make_site()
    learner = Client()
    learner.force_login(make_user())
    anonymous_player = Client()
    anonymous_player.post(reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": site.steps[0].slug})
    assert Choice.objects.count() == 1
    url = reverse("cases:list")
    for client in (learner, anonymous_player, learner):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
    assert Client().get(url)["X-Page-Cache"] == "miss"
    assert "X-Page-Cache" not in learner.get(url)


def test_htmx_fragments_and_pages_are_cached_apart(page_cache):
    """The cause index fragment (htmx) and the full page are different entries."""
    make_site()
    url = reverse("taxonomy:causes")
    assert Client().get(url)["X-Page-Cache"] == "miss"
    fragment = Client().get(url, HTTP_HX_REQUEST="true")
    assert fragment["X-Page-Cache"] == "miss"
    assert "<html" not in fragment.content.decode()
    assert "<html" in Client().get(url).content.decode()


def test_pages_that_depend_on_the_visitor_are_not_cached(page_cache):
    """Play pages, account pages, search and POSTs are never cached."""
    site = make_site()
    for url in (site.case.get_absolute_url(), reverse("accounts:login"), reverse("taxonomy:search") + "?q=x"):
        Client().get(url)
        assert "X-Page-Cache" not in Client().get(url), url


def test_the_cache_is_off_unless_configured():
    """Without PAGE_CACHE_SECONDS (tests, development) nothing is cached."""
    site = make_site()
    Client().get(site.cause.get_absolute_url())
    assert "X-Page-Cache" not in Client().get(site.cause.get_absolute_url())


def test_unknown_query_parameters_and_audiences_do_not_make_new_entries(page_cache):
    """Junk in the query string bypasses the cache; an unknown audience cookie shares the default entry."""
    site = make_site()
    url = site.cause.get_absolute_url()
    assert Client().get(url)["X-Page-Cache"] == "miss"
    assert "X-Page-Cache" not in Client().get(url + "?utm_source=x")
    odd = Client()
    odd.cookies["audience"] = "<script>"
    assert odd.get(url)["X-Page-Cache"] == "hit"
    resident = Client()
    resident.cookies["audience"] = "resident"
    assert resident.get(url)["X-Page-Cache"] == "miss"
