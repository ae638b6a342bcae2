"""A learner reaches only their own attempts; only staff reach the admin and instructor pages."""

from __future__ import annotations

import importlib.util

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from leucocases.cases.models import Attempt, Choice, GradedReport
from tests.accounts.factories import make_user
from tests.cases.factories import make_attempt, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return make_site()


@pytest.fixture
def victim(site):
    """Another learner with one submitted attempt and one in progress."""
    user = make_user()
    submitted = make_attempt(case=site.case, user=user, steps=[site.steps[0]], submit=True, diagnosis=site.cause)
    in_progress = make_attempt(case=site.case, user=user, steps=[site.steps[0]])
    return user, submitted, in_progress


def snapshot():
    return (
        list(Choice.objects.order_by("pk").values_list("pk", "attempt_id", "step_id", "position")),
        list(GradedReport.objects.order_by("pk").values_list("pk", "attempt_id", "total")),
        list(Attempt.objects.order_by("pk").values_list("pk", "user_id", "session_key", "submitted_at")),
    )


@pytest.fixture(params=["learner", "anonymous"])
def intruder(request, site):
    """A logged-in learner, or an anonymous visitor who has a practice attempt of their own."""
    client = Client()
    if request.param == "learner":
        client.force_login(make_user())
    else:
        client.post(reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": site.steps[0].slug})
        assert Attempt.objects.filter(session_key=client.session.session_key).exists()
    return client


def test_another_learners_report_is_not_found(intruder, victim):
    """Opening the report URL of someone else's attempt answers 404 and shows nothing of it."""
    _, submitted, in_progress = victim
    for attempt in (submitted, in_progress):
        response = intruder.get(reverse("cases:report", kwargs={"pk": attempt.pk}))
        assert response.status_code == 404


def test_choosing_in_another_learners_attempt_stores_nothing(intruder, victim, site):
    """A choose POST naming someone else's attempt id is refused and changes no row."""
    _, submitted, in_progress = victim
    before = snapshot()
    for attempt in (in_progress, submitted):
        response = intruder.post(
            reverse("cases:choose", kwargs={"slug": site.case.slug}),
            {"attempt": attempt.pk, "step": site.steps[1].slug},
        )
        assert response.status_code == 302
        assert response["Location"] == site.case.get_absolute_url()
    assert snapshot() == before


def test_submitting_another_learners_attempt_stores_nothing(intruder, victim, site):
    """A submit POST naming someone else's open attempt neither grades nor closes it."""
    _, _, in_progress = victim
    before = snapshot()
    response = intruder.post(
        reverse("cases:submit", kwargs={"slug": site.case.slug}),
        {"attempt": in_progress.pk, "diagnosis": site.cause.slug, "certainty": "low"},
    )
    assert response.status_code == 302
    assert response["Location"] == site.case.get_absolute_url()
    assert snapshot() == before
    page = intruder.get(response["Location"]).content.decode()
    assert "That attempt could not be found" in page
    in_progress.refresh_from_db()
    assert in_progress.submitted_at is None


def test_an_anonymous_attempt_is_private_to_its_session(site):
    """Another browser cannot read, extend or submit a visitor's anonymous attempt."""
    owner = Client()
    owner.post(reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": site.steps[0].slug})
    attempt = Attempt.objects.get(session_key=owner.session.session_key)
    owner.post(reverse("cases:submit", kwargs={"slug": site.case.slug}), {"attempt": attempt.pk, "diagnosis": ""})
    other = make_attempt(case=site.case, session_key=owner.session.session_key, steps=[site.steps[0]])

    logged_in = Client()
    logged_in.force_login(make_user())
    for stranger in (Client(), logged_in):
        before = snapshot()
        assert stranger.get(reverse("cases:report", kwargs={"pk": attempt.pk})).status_code == 404
        stranger.post(
            reverse("cases:choose", kwargs={"slug": site.case.slug}), {"attempt": other.pk, "step": site.steps[1].slug}
        )
        submit = reverse("cases:submit", kwargs={"slug": site.case.slug})
        stranger.post(submit, {"attempt": other.pk, "diagnosis": site.cause.slug, "certainty": "low"})
        assert snapshot() == before


# --------------------------------------------------------------------------
# Admin and instructor pages
# --------------------------------------------------------------------------


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    return urls


@pytest.mark.parametrize("who", ["learner", "anonymous"])
def test_only_staff_reach_the_admin(client, who):
    """Every admin page sends a learner or a visitor to the admin login, for GET and POST."""
    if who == "learner":
        client.force_login(make_user())
    login = reverse("admin:login")
    urls = admin_urls()
    assert len(urls) > 10
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(f"{login}?next="), url


def _instructor_patterns():
    """(namespace, patterns) of the instructor app, or None while it is not installed and routed."""
    if importlib.util.find_spec("leucocases.instructor") is None:
        return None
    if importlib.util.find_spec("leucocases.instructor.urls") is None:
        return None
    from leucocases.instructor import urls as instructor_urls

    namespace = getattr(instructor_urls, "app_name", None)
    if namespace not in get_resolver().namespace_dict:
        return None
    found = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                found.append(pattern)

    walk(instructor_urls.urlpatterns)
    return namespace, found


def _fill(pattern: URLPattern) -> dict:
    """Plausible values for a pattern's converters: 1 for ints, a slug, a token."""
    kwargs = {}
    for name, converter in pattern.pattern.converters.items():
        kind = type(converter).__name__
        kwargs[name] = 1 if kind == "IntConverter" else "some-slug"
    return kwargs


@pytest.mark.parametrize("who", ["learner", "staff without case rights", "anonymous"])
def test_only_instructors_reach_instructor_pages(client, who, site):
    """Every /instructor/ URL refuses a learner, a staff member without case rights or a visitor:
    login redirect, 403 or 404 — never the page, for GET and POST."""
    found = _instructor_patterns()
    if found is None:
        pytest.skip("the instructor app (leucocases/instructor/urls.py) is not installed and routed yet")
    app_name, patterns = found
    if who == "learner":
        client.force_login(make_user())
    elif who == "staff without case rights":
        client.force_login(make_user(is_staff=True))
    assert patterns, "the instructor app has no URL patterns"
    for pattern in patterns:
        name = f"{app_name}:{pattern.name}" if app_name else pattern.name
        url = reverse(name, kwargs=_fill(pattern))
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (302, 403, 404, 405), (url, response.status_code)
            if response.status_code == 302:
                assert "login" in response["Location"], (url, response["Location"])
            if who != "anonymous" and method is client.get:
                assert response.status_code in (403, 404), (url, response.status_code)
