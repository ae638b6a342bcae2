"""LTI 1.3 launches from a test LMS: who comes in as what, and every refusal with its page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from lti_tool.models import LtiDeployment

from leucocases.lti.models import Activity, ActivityLearner, Course

from .platform import INSTRUCTOR, LEARNER, TestPlatform, launch, login, rsa_pem_pair

pytestmark = pytest.mark.django_db


def test_a_learner_launch_signs_in_a_new_account_and_opens_the_case(client, platform, case):
    """The LMS learner gets a LeucoCases account, joins the course's cohort and lands on the case."""
    response = launch(client, platform, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    user = get_user_model().objects.get(lti_users__sub="u-1")
    assert (user.first_name, user.last_name) == ("Ada", "Learner")
    assert not user.has_usable_password()
    course = Course.objects.get()
    assert list(course.cohort.learners.all()) == [user]
    assert not course.cohort.instructors.exists()
    assert ActivityLearner.objects.get().user == user
    page = client.get(response["Location"], secure=True)
    assert page.status_code == 200
    assert page.wsgi_request.user == user


def test_an_instructor_launch_opens_the_activity_page_not_the_case(client, platform, case):
    response = launch(
        client, platform, sub="t-1", roles=INSTRUCTOR, custom={"case": case.slug}, name=("Grace", "Tutor")
    )
    activity = Activity.objects.get()
    assert response["Location"] == f"/lti/activities/{activity.pk}/"
    user = get_user_model().objects.get(lti_users__sub="t-1")
    assert list(Course.objects.get().cohort.instructors.all()) == [user]
    assert not ActivityLearner.objects.exists()
    page = client.get(response["Location"], secure=True)
    assert page.status_code == 200
    assert case.title in page.content.decode()


def test_a_learner_cannot_open_the_instructors_activity_page(client, platform, case):
    launch(client, platform, sub="t-1", roles=INSTRUCTOR, custom={"case": case.slug})
    activity = Activity.objects.get()
    other = type(client)()
    launch(other, platform, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    assert other.get(f"/lti/activities/{activity.pk}/", secure=True).status_code == 403


def test_a_second_launch_reuses_the_account(client, platform, case):
    launch(client, platform, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    launch(type(client)(), platform, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    assert get_user_model().objects.filter(lti_users__sub="u-1").count() == 1
    assert ActivityLearner.objects.count() == 1


def test_a_link_naming_no_case_says_so(client, platform):
    response = launch(client, platform, sub="u-1", roles=LEARNER, custom={"case": "no-such-case"})
    assert response.status_code == 404
    assert "This link opens nothing yet" in response.content.decode()


# --- refusals ------------------------------------------------------------------------------------


def _post(client, preflight, token, state=None):
    return client.post(
        "/lti/launch/", {"id_token": token, "state": preflight["state"] if state is None else state}, secure=True
    )


def _assert_refused(response, code: str, title: str, status: int = 403, *, signed_in_before: bool = False):
    assert response.status_code == status, response.content.decode()[:500]
    body = response.content.decode()
    assert title in body
    assert f"<code>{code}</code>" in body
    if not signed_in_before:
        assert "_auth_user_id" not in response.wsgi_request.session


def test_a_bad_signature_is_refused(client, platform, case):
    """A token whose body was altered after signing (another learner's id swapped in)."""
    preflight = login(client, platform)
    token = platform.id_token(preflight, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    header, body, signature = token.split(".")
    other = platform.id_token(login(type(client)(), platform), sub="u-2", roles=LEARNER, custom={"case": case.slug})
    response = _post(client, preflight, f"{header}.{other.split('.')[1]}.{signature}")
    _assert_refused(response, "bad_signature", "signature could not be verified")


def test_a_token_signed_with_another_key_is_refused(client, platform, case):
    preflight = login(client, platform)
    forged_key, _ = rsa_pem_pair()
    token = platform.id_token(preflight, sub="u-1", roles=LEARNER, signing_key=forged_key)
    _assert_refused(_post(client, preflight, token), "bad_signature", "signature could not be verified")


def test_a_wrong_audience_is_refused(client, platform, case):
    preflight = login(client, platform)
    token = platform.id_token(preflight, sub="u-1", roles=LEARNER, client_id="another-tool")
    _assert_refused(_post(client, preflight, token), "wrong_audience", "meant for another tool")


def test_an_unknown_deployment_is_refused_and_listed_for_the_admin(client, platform, case):
    preflight = login(client, platform)
    token = platform.id_token(preflight, sub="u-1", roles=LEARNER, deployment_id="dep-unknown")
    _assert_refused(
        _post(client, preflight, token), "unknown_deployment", "deployment of LeucoCases in it is not active"
    )
    assert not LtiDeployment.objects.get(deployment_id="dep-unknown").is_active
    assert not get_user_model().objects.exists()


def test_an_expired_token_is_refused(client, platform, case):
    preflight = login(client, platform)
    token = platform.id_token(preflight, sub="u-1", roles=LEARNER, expires_in=-600)
    _assert_refused(_post(client, preflight, token), "expired_token", "This launch has expired")


def test_a_replayed_launch_is_refused(client, platform, case):
    """The same id_token and state posted twice: the second finds its nonce spent."""
    preflight = login(client, platform)
    token = platform.id_token(preflight, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    assert _post(client, preflight, token).status_code == 302
    replay = _post(client, preflight, token)
    _assert_refused(replay, "replayed_nonce", "This launch was already used", signed_in_before=True)


def test_a_launch_without_its_state_is_refused(client, platform, case):
    preflight = login(client, platform)
    token = platform.id_token(preflight, sub="u-1", roles=LEARNER)
    _assert_refused(_post(client, preflight, token, state=""), "missing_state", "cannot be matched to its login")


def test_a_launch_from_another_browser_is_refused(client, platform, case):
    """The state cookie stayed in the browser that started the login."""
    preflight = login(client, platform)
    token = platform.id_token(preflight, sub="u-1", roles=LEARNER)
    _assert_refused(_post(type(client)(), preflight, token), "missing_state", "cannot be matched to its login")


def test_an_unknown_platform_login_is_refused(client, platform):
    response = client.get("/lti/login/", {"iss": "https://other.example", "login_hint": "x"}, secure=True)
    _assert_refused(response, "unknown_platform", "Unknown LMS")


def test_a_login_inside_a_frame_checks_cookies_before_going_on(client, platform):
    """In the LMS's frame the login page continues only if cookies work there (static/js/lti.js)."""
    from .platform import login_params

    response = client.get("/lti/login/", login_params(platform), secure=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-lti-continue" in body and platform.auth_url in body
    assert "lti1p3_new_window=1" in body
    assert response.cookies["lti1p3-cookie-check"]["samesite"] == "None"
    assert "<script>" not in body


def test_another_platform_with_the_same_issuer_but_unregistered_client_is_a_wrong_audience(client, case):
    platform = TestPlatform()
    platform.register()
    with platform.serving():
        preflight = login(client, platform)
        token = platform.id_token(preflight, sub="u-1", roles=LEARNER, client_id="not-us")
        _assert_refused(_post(client, preflight, token), "wrong_audience", "meant for another tool")
