"""Redis only caches: when it goes away, learners stay logged in and their work is still stored."""

from __future__ import annotations

import socket
import uuid

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from leucocases.cases.models import Choice
from tests.accounts.factories import PASSWORD, make_user
from tests.cases.factories import make_site

pytestmark = pytest.mark.django_db


def redis_cache(location: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "leucocases.rediscache.BreakerRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }


def redis_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def prefix():
    """A key prefix of our own in Redis database 15, emptied afterwards."""
    if not redis_is_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (see DESIGN.md §5 to start it)")
    value = f"leucocases-test-{uuid.uuid4().hex}"
    yield value
    client = redis.Redis(host="127.0.0.1", port=6379, db=15)
    keys = list(client.scan_iter(f"{value}*"))
    if keys:
        client.delete(*keys)


def test_losing_redis_keeps_sessions_and_stores_choices(settings, client, prefix):
    """Logged in while Redis was up, the learner is still logged in after it is gone and can go on playing."""
    settings.CACHES = redis_cache("redis://127.0.0.1:6379/15", prefix)
    site = make_site()
    learner = make_user()
    client.force_login(learner)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    cache.set("probe", "up")
    assert cache.get("probe") == "up"

    # Redis disappears: port 1 on the loopback refuses every connection.
    settings.CACHES = redis_cache("redis://127.0.0.1:1/0", prefix)
    assert cache.get("probe") is None
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    assert learner.username in response.content.decode()
    response = client.post(reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": site.steps[0].slug})
    assert response.status_code == 302
    assert Choice.objects.filter(attempt__user=learner, step=site.steps[0]).count() == 1


def test_a_new_visitor_can_log_in_while_redis_is_down(settings, client):
    """With Redis down from the start, logging in and playing work from the database alone."""
    settings.CACHES = redis_cache("redis://127.0.0.1:1/0", "leucocases-down")
    site = make_site()
    learner = make_user()
    response = client.post(reverse("accounts:login"), {"username": learner.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(site.case.get_absolute_url()).status_code == 200
    assert client.get(reverse("accounts:dashboard")).status_code == 200
