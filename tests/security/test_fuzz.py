"""Arbitrary form data never makes the site answer 500.

Every URL of the site (found by walking the URL configuration, so new apps
are covered as they land) is first posted to empty; those that accept POST
are then fuzzed with Hypothesis: arbitrary field names (and the real ones the
pages' forms use) with arbitrary values — huge strings, NULs, any unicode,
repeated fields, ids of other learners' attempts — as an anonymous visitor
and as a logged-in learner, with and without htmx. The GET forms (search,
case filter, cause index) get the same treatment on their query strings.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.accounts.factories import make_user
from tests.cases.factories import make_attempt, make_site
from tests.quizzes.factories import make_site_quiz

from .endpoints import page_forms, site_urls

pytestmark = pytest.mark.django_db

EXAMPLES = 25  # per form endpoint and kind of visitor: 50 per endpoint in all
#: Pages that answer a POST exactly as a GET (reader pages) only get a smoke test.
SMOKE_EXAMPLES = 3
GET_FORMS = ["taxonomy:search", "taxonomy:causes", "cases:list"]
KNOWN_FIELDS = [
    "step",
    "attempt",
    "diagnosis",
    "username",
    "password",
    "password1",
    "password2",
    "email",
    "next",
    "audience",
    "q",
    "group",
    "difficulty",
    "mechanism",
    "old_password",
    "new_password1",
    "new_password2",
    "quiz",
    "case",
    "action",
]
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
def world(client):
    """A site, a learner with attempts (one open), another learner's attempts, and the site's URLs."""
    site = make_site()
    learner = make_user()
    other = make_user()
    own = make_attempt(case=site.case, user=learner, steps=[site.steps[0]])
    make_attempt(case=site.case, user=learner, steps=[site.steps[0]], submit=True, diagnosis=site.cause)
    theirs = make_attempt(case=site.case, user=other, steps=[site.steps[0]])
    _, quiz_attempt = make_site_quiz(site=site, learner=learner)
    _, their_quiz_attempt = make_site_quiz(site=site, learner=other)
    client.force_login(learner)
    urls = site_urls(client=client, site=site, attempt=own, extra_ids=[quiz_attempt.pk])
    names = set(KNOWN_FIELDS)
    form_targets = set()
    anonymous = Client()
    for who in (client, anonymous):
        for endpoint in urls:
            response = who.get(endpoint.url)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                fields, actions = page_forms(response.content.decode())
                names |= fields
                form_targets |= {action or endpoint.url for action in actions}
    real_values = [
        site.case.slug,
        site.cause.slug,
        *(s.slug for s in site.steps),
        str(own.pk),
        str(theirs.pk),
        str(quiz_attempt.pk),
        str(their_quiz_attempt.pk),
        *(str(pk) for pk in quiz_attempt.case_attempts.values_list("pk", flat=True)),
        "/",
        "//evil.example/",
        "https://evil.example/",
    ]
    return {
        "learner": learner,
        "urls": urls,
        "names": sorted(names),
        "values": real_values,
        "site": site,
        "form_targets": form_targets,
    }


def field_values(real: list[str]):
    scalar = st.one_of(
        st.text(max_size=200),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
        st.text(alphabet="\x00\r\n\t<>\"'&%;/\\", max_size=20),
        st.sampled_from(real),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(["A" * 100_000, "9" * 5_000, "\x00" * 1000, "\ud7ff" * 300, "..", "0", "-1", ""]),
    )
    return st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))


def form_data(names: list[str], real: list[str]):
    keys = st.one_of(st.sampled_from(names), st.text(max_size=30))
    return st.dictionaries(keys, field_values(real), max_size=8)


def post_endpoints(world, client: Client) -> list[tuple]:
    """(endpoint, is a form handler) for every URL that accepts a POST (anything but 405), as this client.

    A form handler is the target of a POST form on some page, or answers an
    empty POST differently from a GET; the rest are pages that ignore the body.
    """
    found = []
    for endpoint in world["urls"]:
        posted = client.post(endpoint.url).status_code
        if posted == 405:
            continue
        handler = endpoint.url in world["form_targets"] or posted != client.get(endpoint.url).status_code
        found.append((endpoint, handler))
    return found


def _assert_no_server_error(response, endpoint, data):
    assert response.status_code < 500, (endpoint.name, endpoint.url, data)


@pytest.mark.parametrize("who", ["anonymous", "learner"])
def test_arbitrary_form_data_never_answers_500(world, who):
    """Every POST endpoint, and every GET form (search, case filter, cause index), answers arbitrary
    form data with a page, a redirect or a 4xx — never a server error."""
    client = Client()
    if who == "learner":
        client.force_login(world["learner"])
    endpoints = post_endpoints(world, client)
    handlers = {e.name for e, handler in endpoints if handler}
    assert {"cases:choose", "cases:submit", "accounts:login", "editorial:audience", "admin:login"} <= handlers
    if who == "anonymous":
        assert {"accounts:signup", "accounts:password_reset"} <= handlers
    else:
        assert {"accounts:logout", "accounts:password_change", "quizzes:start", "quizzes:choose"} <= handlers

    def fuzz(endpoint, method: str, examples: int) -> None:
        @settings(FUZZ, max_examples=examples)
        @given(data=form_data(world["names"], world["values"]), htmx=st.booleans())
        def run(data, htmx):
            if who == "learner":
                client.force_login(world["learner"])  # a fuzzed logout must not end the run as anonymous
            extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            response = getattr(client, method)(endpoint.url, data, **extra)
            _assert_no_server_error(response, endpoint, data)

        run()

    for endpoint, handler in endpoints:
        fuzz(endpoint, "post", EXAMPLES if handler else SMOKE_EXAMPLES)
    get_forms = [e for e in world["urls"] if e.name in GET_FORMS]
    assert len(get_forms) == len(GET_FORMS)
    for endpoint in get_forms:
        fuzz(endpoint, "get", EXAMPLES)


def test_oversized_and_overcrowded_posts_are_refused_cleanly():
    """A body over the upload limit or with thousands of fields is a 400, not a crash."""
    client = Client()
    client.force_login(make_user())
    site = make_site()
    url = site.case.get_absolute_url() + "choose/"
    assert client.post(url, {"step": "x" * 3_000_000}).status_code == 400
    # One field more than the site allows (the case editor's grid needs thousands).
    too_many = django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1
    assert client.post(url, {f"f{n}": "1" for n in range(too_many)}).status_code == 400
