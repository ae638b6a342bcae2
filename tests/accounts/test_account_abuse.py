"""Password-reset flooding and look-alike usernames."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leucocases.accounts.models import PasswordResetRequest
from leucocases.accounts.services import ResetVerdict, password_reset_request
from tests.accounts.factories import make_user

pytestmark = pytest.mark.django_db
RESET = "/accounts/password/reset/"


def ask_reset(client: Client, email: str, address: str = "203.0.113.7"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_one_address_gets_at_most_three_reset_emails_an_hour(client):
    """Eleven requests in a row for one address send three e-mails; every request gets the same 'check
    your email' answer, so the limit tells nothing about the address."""
    make_user(username="ada", email="ada@example.com")
    answers = {ask_reset(client, "ada@example.com", f"203.0.113.{i}")["Location"] for i in range(11)}
    assert answers == {"/accounts/password/reset/sent/"}
    assert len(mail.outbox) == 3


def test_an_address_gets_reset_emails_again_after_an_hour(client):
    """The window slides: requests older than an hour no longer count, and are deleted."""
    make_user(username="ada", email="ada@example.com")
    earlier = timezone.now() - timedelta(hours=1, minutes=1)
    for _ in range(3):
        assert password_reset_request(email="ada@example.com", ip_address=None, now=earlier) is ResetVerdict.SEND
    assert password_reset_request(email="ADA@example.com ", ip_address=None, now=earlier) is ResetVerdict.ADDRESS_LIMIT
    ask_reset(client, "ada@example.com")
    assert len(mail.outbox) == 1
    assert PasswordResetRequest.objects.count() == 1


def test_one_network_is_paused_after_twenty_requests(client):
    """Requests for many addresses from one network: after twenty in an hour it gets a 429 page saying
    to try later; another network is not affected."""
    for n in range(20):
        assert ask_reset(client, f"someone{n}@example.com").status_code == 302
    paused = ask_reset(client, "someone-else@example.com")
    assert paused.status_code == 429
    assert "Too many reset requests" in paused.content.decode()
    assert ask_reset(client, "someone-else@example.com", address="198.51.100.1").status_code == 302


def test_reset_requests_store_no_email_address(client):
    """The throttling table keeps a keyed hash of the address typed, not the address."""
    ask_reset(client, "ada@example.com")
    stored = PasswordResetRequest.objects.get()
    assert "ada" not in stored.address_digest
    assert stored.ip_address == "203.0.113.7"


SIGNUP = "/accounts/signup/"


def signup(client: Client, username: str):
    password = "marrow-smear-citrate-77"
    return client.post(
        SIGNUP, {"username": username, "email": "x@example.com", "password1": password, "password2": password}
    )


@pytest.mark.parametrize(
    ("existing", "attempt", "message"),
    [
        ("student", "\u0455tudent", "mixes alphabets"),  # Cyrillic ѕ beside Latin letters
        (None, "\u0455tudent", "“ѕ” (Cyrillic)"),  # refused even with no "student" to imitate
        ("sco", "\u0455\u0441\u043e", "looks the same as an existing one (sco)"),  # all Cyrillic ѕсо
        ("Student", "student", "already exists"),  # Django's own: case only
        ("student", "ｓｔｕｄｅｎｔ", "already exists"),  # full-width letters normalise to "student"
    ],
)
def test_look_alike_usernames_are_refused_at_sign_up(client, existing, attempt, message):
    """A username that could pass for another in cohort results is refused, with the reason."""
    if existing:
        make_user(username=existing)
    response = signup(client, attempt)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert get_user_model().objects.count() == (1 if existing else 0)


@pytest.mark.parametrize("username", ["Иван", "李明", "José", "dr.smith_2"])
def test_names_in_one_alphabet_are_welcome(client, username):
    """A name written wholly in one alphabet, Latin or not, signs up."""
    make_user(username="student")
    assert signup(client, username).status_code == 302
    assert get_user_model().objects.filter(username=username).exists()


def test_the_admin_refuses_look_alike_usernames_too(client):
    """Adding a user in the admin, or renaming one, runs the same check."""
    staff = get_user_model().objects.create_superuser("chief", "chief@example.org", "pw-for-tests-only")
    client.force_login(staff)
    learner = make_user(username="student")
    added = client.post(reverse("admin:auth_user_add"), {"username": "\u0455tudent", "usable_password": "false"})
    assert added.status_code == 200
    assert "mixes alphabets" in added.content.decode()
    other = make_user(username="other")
    change = reverse("admin:auth_user_change", args=[other.pk])
    form = {
        "username": "\u0455tudent",
        "email": other.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "profile-TOTAL_FORMS": "0",
        "profile-INITIAL_FORMS": "0",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
    }
    renamed = client.post(change, form)
    assert renamed.status_code == 200
    assert "mixes alphabets" in renamed.content.decode()
    other.refresh_from_db()
    assert other.username == "other"
    assert learner.username == "student"
