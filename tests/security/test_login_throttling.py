"""Login throttling (django-axes): five failures lock a username from one address out for an hour."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.urls import reverse

from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def attempt_login(client: Client, username: str, password: str, *, ip: str = "10.0.0.1", url: str | None = None):
    return client.post(url or reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_account_from_that_address():
    """After five wrong passwords even the right one is refused, with a 429 page that explains why."""
    user = make_user()
    client = Client()
    for _ in range(5):
        response = attempt_login(client, user.username, "wrong")
        assert response.status_code in (200, 429)
    response = attempt_login(client, user.username, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "<h1" in page and "Too many failed log-ins" in page
    assert "60 minutes" in page
    assert "_auth_user_id" not in client.session


def test_four_failures_then_success_resets_the_count():
    """A successful login clears earlier failures, so the learner starts again from zero."""
    user = make_user()
    client = Client()
    for _ in range(4):
        assert attempt_login(client, user.username, "wrong").status_code == 200
    assert attempt_login(client, user.username, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    client.logout()
    for _ in range(4):
        assert attempt_login(client, user.username, "wrong").status_code == 200
    assert attempt_login(client, user.username, PASSWORD).status_code == 302


def test_lockout_is_per_address_and_username():
    """Another address can still log in to the locked username, and the locked address to another account."""
    victim = make_user()
    neighbour = make_user()
    for _ in range(5):
        attempt_login(Client(), victim.username, "wrong", ip="10.0.0.66")
    assert attempt_login(Client(), victim.username, PASSWORD, ip="10.0.0.66").status_code == 429
    assert attempt_login(Client(), victim.username, PASSWORD, ip="10.0.0.7").status_code == 302
    assert attempt_login(Client(), neighbour.username, PASSWORD, ip="10.0.0.66").status_code == 302


def test_admin_login_is_throttled_too():
    """The admin's login form counts failures the same way."""
    staff = make_user(is_staff=True)
    client = Client()
    url = reverse("admin:login")
    for _ in range(5):
        attempt_login(client, staff.username, "wrong", url=url)
    assert attempt_login(client, staff.username, PASSWORD, url=url).status_code == 429


@override_settings(BEHIND_TLS_PROXY=True)
def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw():
    """Behind the TLS proxy the last X-Forwarded-For entry counts, so a forged first entry cannot dodge the lock."""
    user = make_user()
    for n in range(5):
        Client().post(
            reverse("accounts:login"),
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.9",
        )
    assert AccessAttempt.objects.get(username=user.username).ip_address == "198.51.100.9"
    response = Client().post(
        reverse("accounts:login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.200, 198.51.100.9",
    )
    assert response.status_code == 429


def test_the_test_client_can_still_log_in_many_times():
    """Client.login() has no request to throttle; it keeps working however often tests call it."""
    user = make_user()
    client = Client()
    assert not client.login(username=user.username, password="wrong")
    for _ in range(8):
        assert client.login(username=user.username, password=PASSWORD)
        client.logout()


def test_client_address_is_always_a_valid_ip_or_none(settings):
    """A request without an address (force_login's) gives None, and a forged or garbled header never leaks
    through: PostgreSQL's inet column would refuse anything but an address."""
    from django.http import HttpRequest

    from leucocases.security import client_ip

    request = HttpRequest()
    assert client_ip(request) is None
    request.META["REMOTE_ADDR"] = "10.1.2.3"
    assert client_ip(request) == "10.1.2.3"
    settings.BEHIND_TLS_PROXY = True
    request.META["HTTP_X_FORWARDED_FOR"] = "1.1.1.1, not-an-address"
    assert client_ip(request) == "10.1.2.3"
    request.META["HTTP_X_FORWARDED_FOR"] = "1.1.1.1, 2001:db8::1 "
    assert client_ip(request) == "2001:db8::1"


def test_force_login_records_a_login_without_an_address():
    """The test client's force_login (no request address) logs in on every database."""
    client = Client()
    client.force_login(make_user())
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_an_overlong_username_is_a_failed_login_not_a_server_error(url):
    """Django's login forms do not enforce the username length; axes records the attempt cut to
    its column (PostgreSQL would refuse the whole value), and counts it like any other."""
    username = "A" * 100_000
    statuses = [attempt_login(Client(), username, "wrong", url=url).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks out
    recorded = AccessAttempt.objects.get()
    assert recorded.username == "A" * 255
    assert recorded.failures_since_start == 5
    assert attempt_login(Client(), username, "wrong", url=url).status_code == 429
