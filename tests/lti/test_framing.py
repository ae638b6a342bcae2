"""Framing and cookies: opened for LTI sessions and /lti/ pages only; the CSP everywhere else is today's."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from leucocases.lti.framing import with_frame_ancestors
from leucocases.lti.models import PlatformSettings
from tests.accounts.factories import make_user

from .platform import LEARNER, launch, login_params

pytestmark = pytest.mark.django_db

#: The site's Content-Security-Policy as it was before LTI existed, verbatim.
TODAYS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PAGES = ["/", "/cases/", "/quizzes/", "/accounts/login/", "/causes/"]


def _headers(response) -> tuple[str, str | None]:
    return response["Content-Security-Policy"], response.get("X-Frame-Options")


@pytest.mark.parametrize("path", PAGES)
def test_pages_outside_lti_keep_todays_csp_and_frame_denial(path, platform, case):
    """With a platform registered, anonymous and signed-in visitors get exactly today's headers."""
    anonymous = Client()
    assert _headers(anonymous.get(path, secure=True)) == (TODAYS_CSP, "DENY")
    member = Client()
    member.force_login(make_user())
    response = member.get(path, secure=True)
    assert _headers(response) == (TODAYS_CSP, "DENY")


def test_an_lti_session_may_be_framed_by_its_platform_only(client, platform, case):
    response = launch(client, platform, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["samesite"], bool(cookie["secure"]), bool(cookie["httponly"])) == ("None", True, True)
    assert "Partitioned" in cookie.OutputString()  # kept in the frame where third-party cookies are blocked
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert (csrf["samesite"], bool(csrf["secure"])) == ("None", True)
    page = client.get(case.get_absolute_url(), secure=True)
    csp, xfo = _headers(page)
    assert xfo is None
    assert csp == TODAYS_CSP.replace("frame-ancestors 'none'", f"frame-ancestors {platform.issuer}")
    assert "<script>" not in page.content.decode()


def test_lti_pages_may_be_framed_by_registered_platforms(client, platform):
    response = client.get("/lti/login/", login_params(platform), secure=True)
    expected = TODAYS_CSP.replace("frame-ancestors 'none'", f"frame-ancestors {platform.issuer}")
    assert _headers(response) == (expected, None)


def test_configured_frame_origins_replace_the_issuers(client, platform, case):
    """Canvas frames from the school's domain, not from its issuer's."""
    from lti_tool.models import LtiRegistration

    PlatformSettings.objects.create(
        registration=LtiRegistration.objects.get(), frame_origins="https://school.instructure.com\n"
    )
    launch(client, platform, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    csp = client.get(case.get_absolute_url(), secure=True)["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors https://school.instructure.com")


def test_a_frame_origin_must_be_an_origin(platform):
    from django.core.exceptions import ValidationError
    from lti_tool.models import LtiRegistration

    bad = PlatformSettings(registration=LtiRegistration.objects.get(), frame_origins="https://lms.example.edu/course/1")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert error.value.error_dict["frame_origins"][0].code == "not_an_origin"


def test_with_frame_ancestors_keeps_every_other_directive():
    policy = "default-src 'self'; form-action 'self' https://a.example; frame-ancestors 'none'"
    assert with_frame_ancestors(policy, ["https://lms.example"]) == (
        "default-src 'self'; form-action 'self' https://a.example; frame-ancestors https://lms.example"
    )
