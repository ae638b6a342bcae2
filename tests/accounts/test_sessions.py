"""Session fixation and the password-change flow: a session id known before login is worthless after it;
changing or resetting a password ends every other session of the account."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import PASSWORD, make_user
from tests.cases.factories import make_site

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "leukocyte-differential-58"


def with_cookie(session_key: str) -> Client:
    client = Client()
    client.cookies["sessionid"] = session_key
    return client


def logged_in(session_key: str) -> bool:
    return with_cookie(session_key).get(reverse("accounts:dashboard")).status_code == 200


def log_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_session_id_planted_before_login_is_not_logged_in_after_it():
    """An attacker's own anonymous session (here: from playing a case) planted in the victim's browser:
    the victim logs in, gets a new session id, and the planted id stays anonymous."""
    site = make_site()
    attacker = Client()
    attacker.post(reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": site.steps[0].slug})
    planted = attacker.cookies["sessionid"].value
    make_user(username="victim")

    victim = with_cookie(planted)
    assert log_in(victim, "victim").status_code == 302
    assert victim.cookies["sessionid"].value != planted
    assert logged_in(victim.cookies["sessionid"].value)
    assert not logged_in(planted)
    assert attacker.get(reverse("accounts:dashboard")).status_code == 302, "the attacker is still anonymous"
    assert not Session.objects.filter(session_key=planted).exists()


def test_an_invented_session_id_is_never_adopted():
    """A session id the server never issued is ignored: logging in issues a fresh one."""
    make_user(username="victim")
    invented = "a" * 32
    victim = with_cookie(invented)
    log_in(victim, "victim")
    assert victim.cookies["sessionid"].value != invented
    assert not logged_in(invented)


def test_signing_up_also_issues_a_new_session_id():
    """Sign-up logs the new learner in with a new session id, not the one they arrived with."""
    visitor = Client()
    visitor.get(reverse("accounts:signup"))
    visitor.cookies["sessionid"] = planted = "b" * 32
    form = {"username": "newcomer", "email": "n@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert visitor.post(reverse("accounts:signup"), form).status_code == 302
    assert visitor.cookies["sessionid"].value != planted
    assert not logged_in(planted)


def test_changing_the_password_ends_the_other_sessions_and_renews_this_one():
    """The changer stays logged in under a new session id; every other session of the account
    (another browser, the old id of this one) is logged out."""
    make_user(username="ada")
    here, phone = Client(), Client()
    log_in(here, "ada")
    log_in(phone, "ada")
    before = here.cookies["sessionid"].value
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert here.get(reverse("accounts:dashboard")).status_code == 200
    assert here.cookies["sessionid"].value != before
    assert not logged_in(before)
    assert phone.get(reverse("accounts:dashboard")).status_code == 302
    assert log_in(Client(), "ada", NEW_PASSWORD).status_code == 302


def test_resetting_the_password_by_email_ends_every_session():
    """A reset through the e-mailed link logs out every session of the account, the one that asked included."""
    make_user(username="ada", email="ada@example.com")
    laptop = Client()
    log_in(laptop, "ada")
    visitor = Client()
    visitor.post(reverse("accounts:password_reset"), {"email": "ada@example.com"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", mail.outbox[0].body).group(1)
    form = visitor.get(link, follow=True)
    done = visitor.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert laptop.get(reverse("accounts:dashboard")).status_code == 302
