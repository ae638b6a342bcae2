"""Signing up, logging out and logging in through the browser, on accessible, valid pages."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.cases.factories import make_case
from tests.quizzes.factories import make_submitted

from .helpers import assert_no_axe_violations, assert_valid_html_pages, server_html


def test_sign_up_log_out_and_log_in(page: Page):
    """A visitor signs up from the navbar, is logged in, logs out, and logs back in."""
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")

    page.get_by_label("Username").fill("marrowfan")
    page.get_by_label("Email").fill("marrowfan@example.com")
    page.get_by_role("textbox", name=re.compile(r"^Password\*?$")).fill("smear-before-biopsy-12")
    page.get_by_label("Password confirmation").fill("smear-before-biopsy-12")
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(re.compile(r"/$"))
    assert get_user_model().objects.filter(username="marrowfan", email="marrowfan@example.com").exists()
    logout = page.get_by_role("button", name=re.compile(r"Log out"))
    expect(logout).to_be_visible()

    logout.click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("Username").fill("marrowfan")
    page.get_by_label("Password").fill("smear-before-biopsy-12")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile(r"Log out"))).to_be_visible()

    make_submitted(
        user=get_user_model().objects.get(username="marrowfan"),
        case=make_case(title="Fever after chemotherapy").case,
        total=72.0,
    )
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    expect(page.get_by_role("row", name=re.compile("Fever after chemotherapy"))).to_contain_text("72 / 100")
    assert_no_axe_violations(page)
    assert_valid_html_pages({"dashboard": server_html(page)})


def test_wrong_password_error_is_announced_with_the_form(page: Page):
    """A failed login shows its error on an accessible page."""
    get_user_model().objects.create_user("ada", "ada@example.com", "right-password-long-1")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    assert_no_axe_violations(page)


def test_account_pages_are_accessible_and_valid(page: Page):
    """The login, sign-up and password-reset pages pass axe and the Nu HTML Checker, also with errors shown."""
    sent = {}
    for name, url in [
        ("login", "/accounts/login/"),
        ("signup", "/accounts/signup/"),
        ("password-reset", "/accounts/password/reset/"),
    ]:
        page.goto(url)
        assert_no_axe_violations(page)
        sent[name] = server_html(page)

    # The sign-up form with every error showing: each is tied to its field.
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    assert_no_axe_violations(page)
    response = page.request.post(
        "/accounts/signup/",
        form={"csrfmiddlewaretoken": page.locator("input[name=csrfmiddlewaretoken]").first.input_value()},
    )
    assert response.status == 200
    sent["signup-with-errors"] = response.text()
    assert_valid_html_pages(sent)
