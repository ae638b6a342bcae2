import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from leucocases.accounts.models import Profile
from tests.accounts.factories import make_user

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"


def signup_data(**overrides):
    data = {
        "username": "newlearner",
        "email": "new@example.com",
        "password1": "marrow-smear-citrate-77",
        "password2": "marrow-smear-citrate-77",
    }
    data.update(overrides)
    return data


def test_signup_page_has_labelled_fields(client):
    """The sign-up page offers username, email and the password twice, each with a label."""
    response = client.get(SIGNUP)
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("username", "email", "password1", "password2"):
        assert f'for="id_{field}"' in html
        assert f'id="id_{field}"' in html
    assert "csrfmiddlewaretoken" in html
    assert reverse("accounts:signup") == SIGNUP


def test_signup_creates_the_user_and_logs_them_in(client):
    """Signing up stores the user with their email and leaves them logged in."""
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = get_user_model().objects.get(username="newlearner")
    assert user.email == "new@example.com"
    assert user.check_password("marrow-smear-citrate-77")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get("/accounts/dashboard/").status_code == 200


def test_signup_stores_the_audience_the_visitor_chose(client):
    """The 'Which best describes you?' choice made before signing up becomes the profile's audience."""
    client.cookies["audience"] = "resident"
    client.post(SIGNUP, signup_data())
    assert Profile.objects.get(user__username="newlearner").audience == "resident"


def test_signup_without_a_chosen_audience_defaults_to_student(client):
    """A new account's profile says 'student' unless the visitor picked something else."""
    client.post(SIGNUP, signup_data())
    assert Profile.objects.get(user__username="newlearner").audience == Profile.Audience.STUDENT


def test_signup_redirects_to_a_safe_next(client):
    """After signing up the learner lands where they were going, if it is on this site."""
    response = client.post(SIGNUP, signup_data(next="/cases/"))
    assert response["Location"] == "/cases/"


def test_signup_ignores_an_offsite_next(client):
    """A `next` pointing to another site is ignored: the learner lands on the home page."""
    response = client.post(SIGNUP, signup_data(next="https://evil.example/phish"))
    assert response["Location"] == "/"


def test_signup_requires_an_email(client):
    """Without an email the account is not created and the error is tied to the email field."""
    response = client.post(SIGNUP, signup_data(email=""))
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="newlearner").exists()
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert "This field is required." in html


def test_signup_does_not_tell_which_emails_have_accounts(client):
    """Signing up with an address that already has an account answers exactly as with a new one,
    so the form cannot be used to find out who has an account."""
    make_user(username="first", email="Shared@Example.com")
    taken = client.post(SIGNUP, signup_data(email="shared@example.com"))
    client.logout()
    fresh = client.post(SIGNUP, signup_data(username="another", email="nobody-yet@example.com"))
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"]) == (302, "/")
    assert get_user_model().objects.filter(email__iexact="shared@example.com").count() == 2


def test_a_reset_to_a_shared_address_names_each_account(client):
    """Two accounts on one address: a reset sends one e-mail per account, each naming its username."""
    make_user(username="first", email="shared@example.com")
    make_user(username="second", email="Shared@Example.com")
    client.post("/accounts/password/reset/", {"email": "shared@example.com"})
    assert sorted(re.search(r'account "([^"]+)"', m.body).group(1) for m in mail.outbox) == ["first", "second"]


def test_signup_refuses_mismatched_passwords(client):
    """The two passwords must match."""
    response = client.post(SIGNUP, signup_data(password2="something-else-entirely-9"))
    assert response.status_code == 200
    assert response.context["form"].has_error("password2", code="password_mismatch")


def test_logged_in_visitor_is_sent_to_the_dashboard(client):
    """Someone already logged in who opens the sign-up page goes to their dashboard."""
    client.force_login(make_user())
    response = client.get(SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/dashboard/"
