"""The instructor's cohort pages: the join code shown and renewed, roster uploads, instructor rights only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import make_instructor, make_user
from tests.pages import visible_text
from tests.quizzes.factories import make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    return make_cohort(name="Group A")


@pytest.fixture
def instructor_client(client):
    client.force_login(make_instructor())
    return client


def roster(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.csv", text.encode("utf-8"), content_type="text/csv")


def test_the_cohort_list_shows_each_join_code(instructor_client, cohort):
    page = visible_text(instructor_client.get(reverse("instructor:cohorts")))
    assert f"Group A 0 {cohort.join_code_shown} None" in page
    assert 'href="/instructor/cohorts/"' in instructor_client.get(reverse("instructor:index")).content.decode()


def test_renewing_the_code_shows_the_new_one(instructor_client, cohort):
    old = cohort.join_code_shown
    response = instructor_client.post(reverse("instructor:cohort_join_code", args=[cohort.slug]), follow=True)
    cohort.refresh_from_db()
    assert cohort.join_code_shown != old
    page = visible_text(response)
    assert f"New join code for Group A: {cohort.join_code_shown}. The old code no longer works." in page
    assert old not in page


def test_a_roster_upload_enrols_and_says_how_many(instructor_client, cohort):
    ada, bo = make_user(username="ada"), make_user(username="bo", email="bo@example.org")
    cohort.learners.add(bo)
    url = reverse("instructor:cohort", args=[cohort.slug])
    response = instructor_client.post(url, {"roster": roster("ada\nbo@example.org\n")}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    page = visible_text(response)
    assert "Enrolled 1 learner in Group A; 1 was in it already." in page
    assert "Learners (2)" in page
    assert set(cohort.learners.all()) == {ada, bo}


def test_a_bad_roster_lists_its_lines_and_enrols_nobody(instructor_client, cohort):
    make_user(username="ada")
    make_instructor(username="prof")
    response = instructor_client.post(
        reverse("instructor:cohort", args=[cohort.slug]), {"roster": roster("ada\nprof\nghost\n")}
    )
    assert response.status_code == 200
    page = visible_text(response)
    assert "Nobody was enrolled: the roster has 2 problems" in page
    assert "Line 2: “prof” is an instructor or staff account, and cohorts enrol learners only." in page
    assert "Line 3: “ghost” matches no account (no such username)." in page
    assert not cohort.learners.exists()


def test_an_upload_without_a_file_is_refused(instructor_client, cohort):
    response = instructor_client.post(reverse("instructor:cohort", args=[cohort.slug]), {})
    assert response.status_code == 200 and "This field is required." in visible_text(response)


def test_learners_get_403_and_forms_need_csrf(client, cohort):
    client.force_login(make_user())
    for url in (reverse("instructor:cohorts"), reverse("instructor:cohort", args=[cohort.slug])):
        assert client.get(url).status_code == 403
    assert client.post(reverse("instructor:cohort_join_code", args=[cohort.slug])).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_instructor())
    old = cohort.join_code
    assert strict.post(reverse("instructor:cohort_join_code", args=[cohort.slug])).status_code == 403
    response = strict.post(reverse("instructor:cohort", args=[cohort.slug]), {"roster": roster("x\n")})
    assert response.status_code == 403
    cohort.refresh_from_db()
    assert cohort.join_code == old
    page = strict.get(reverse("instructor:cohort", args=[cohort.slug])).content.decode()
    assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"') >= 3  # code, roster, log out
