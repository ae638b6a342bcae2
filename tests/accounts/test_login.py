import pytest
from django.conf import settings
from django.urls import reverse

from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_url_names():
    """The account pages live under /accounts/ with namespaced names."""
    assert reverse("accounts:login") == "/accounts/login/"
    assert reverse("accounts:logout") == "/accounts/logout/"
    assert reverse("accounts:signup") == "/accounts/signup/"
    assert reverse("accounts:dashboard") == "/accounts/dashboard/"
    assert reverse("accounts:password_reset") == "/accounts/password/reset/"
    assert reverse("accounts:password_change") == "/accounts/password/change/"
    assert reverse(settings.LOGIN_URL) == "/accounts/login/"


def test_login_page_has_labelled_fields(client):
    """The login form labels its fields and carries a CSRF token."""
    html = client.get("/accounts/login/").content.decode()
    assert 'for="id_username"' in html
    assert 'for="id_password"' in html
    assert "csrfmiddlewaretoken" in html


def test_login_with_the_right_password(client):
    """The right username and password log the user in and go to the home page."""
    user = make_user(username="ada")
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_follows_next(client):
    """Logging in from a protected page returns to it."""
    make_user(username="ada")
    response = client.post(
        "/accounts/login/", {"username": "ada", "password": PASSWORD, "next": "/accounts/dashboard/"}
    )
    assert response["Location"] == "/accounts/dashboard/"


def test_login_with_a_wrong_password_says_so(client):
    """A wrong password keeps the visitor logged out and shows an error."""
    make_user(username="ada")
    response = client.post("/accounts/login/", {"username": "ada", "password": "not-it"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_is_a_post(client):
    """Logging out takes a POST (the navbar's form) and returns to the home page; a GET is refused."""
    client.force_login(make_user())
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_navbar_offers_logout_form_to_logged_in_users(client):
    """A logged-in user sees the dashboard link and a log-out button that posts to /accounts/logout/."""
    client.force_login(make_user(username="ada"))
    html = client.get("/accounts/dashboard/").content.decode()
    assert 'action="/accounts/logout/"' in html
    assert 'href="/accounts/dashboard/"' in html
