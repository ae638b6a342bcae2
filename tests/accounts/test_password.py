import re

import pytest
from django.core import mail

from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_emails_a_working_link(client):
    """Asking for a reset emails the account a link; the link sets a new password that then logs in."""
    make_user(username="ada", email="ada@example.com")
    response = client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert client.get(response["Location"]).status_code == 200

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert "ada" in message.body

    # The emailed link redirects once to a token-free URL, which shows the form.
    form_page = client.get(reset_link(message), follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "granulocyte-count-19", "new_password2": "granulocyte-count-19"})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/complete/"
    assert client.get(done["Location"]).status_code == 200

    logged_in = client.post("/accounts/login/", {"username": "ada", "password": "granulocyte-count-19"})
    assert logged_in.status_code == 302
    assert "_auth_user_id" in client.session


def test_used_reset_link_no_longer_works(client):
    """A reset link works once: after the password changed it shows 'no longer works'."""
    make_user(username="ada", email="ada@example.com")
    client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    link = reset_link(mail.outbox[0])
    page = client.get(link, follow=True)
    client.post(
        page.redirect_chain[-1][0], {"new_password1": "granulocyte-count-19", "new_password2": "granulocyte-count-19"}
    )
    again = client.get(link, follow=True)
    assert again.context["validlink"] is False
    assert "no longer works" in again.content.decode()


def test_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):
    """An unknown address gets the same 'check your email' page, and no email is sent."""
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_password_change_needs_login(client):
    """Changing the password needs a logged-in user."""
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_password_change(client):
    """A logged-in user changes their password with the old one, and the new one works."""
    user = make_user(username="ada")
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "neutrophil-trend-33", "new_password2": "neutrophil-trend-33"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password("neutrophil-trend-33")
