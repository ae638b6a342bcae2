"""Learners enter cohorts by join code, or from a roster an instructor uploads; learners only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leucocases.quizzes.cohort_enrolment import cohort_join, cohort_join_code_renew, cohort_roster_enrol
from leucocases.quizzes.join_codes import ALPHABET, normalise, shown
from leucocases.quizzes.models import Cohort
from tests.accounts.factories import make_instructor, make_user
from tests.quizzes.factories import make_cohort, make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    return make_cohort(name="Year 3 · Group É")


def test_every_cohort_has_its_own_readable_code(cohort):
    other = make_cohort()
    assert cohort.join_code != other.join_code
    assert len(cohort.join_code) == 8 and set(cohort.join_code) <= set(ALPHABET)
    assert not set("0O1IL") & set(ALPHABET)
    assert shown("ABCDEF23") == "ABCD-EF23" and normalise(" abcd-ef23 ") == "ABCDEF23"


def test_a_learner_joins_with_the_code_typed_any_way(cohort):
    learner = make_user()
    typed = f" {shown(cohort.join_code).lower()} "
    assert cohort_join(user=learner, code=typed).joined
    assert list(cohort.learners.all()) == [learner]
    assert not cohort_join(user=learner, code=cohort.join_code).joined  # already in


@pytest.mark.parametrize("who", ["instructor", "staff", "superuser"])
def test_instructors_and_staff_are_refused(cohort, who):
    user = {
        "instructor": lambda: make_instructor(staff=False),
        "staff": lambda: make_user(is_staff=True),
        "superuser": lambda: make_user(is_staff=True, is_superuser=True),
    }[who]()
    with pytest.raises(Exception, match="instructor or staff account, and cohorts enrol learners only"):
        cohort_join(user=user, code=cohort.join_code)
    assert not cohort.learners.exists()


def test_a_renewed_code_retires_the_old_one(cohort):
    old = cohort.join_code
    new = cohort_join_code_renew(cohort=cohort)
    assert new != old and Cohort.objects.get(pk=cohort.pk).join_code == new
    with pytest.raises(Exception, match="No cohort has this join code"):
        cohort_join(user=make_user(), code=old)


def test_the_join_page_enrols_and_lists_the_cohorts_quizzes(client, cohort):
    quiz = make_quiz(title="Cohort-only quiz")
    quiz.cohorts.add(cohort)
    learner = make_user(username="ada")
    client.force_login(learner)
    assert "Cohort-only quiz" not in client.get(reverse("quizzes:list")).content.decode()
    assert 'href="/quizzes/join/"' in client.get(reverse("quizzes:list")).content.decode()
    response = client.post(reverse("quizzes:join"), {"code": shown(cohort.join_code)}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain == [(reverse("quizzes:list"), 302)]
    assert "You joined Year 3 · Group É. Its quizzes are listed below." in page
    assert "Cohort-only quiz" in page


def test_the_join_page_says_why_it_refuses(client, cohort):
    client.force_login(make_user())
    response = client.post(reverse("quizzes:join"), {"code": "ZZZZ-ZZZZ"})
    assert response.status_code == 200
    assert "No cohort has this join code" in response.content.decode()
    client.force_login(make_instructor())
    response = client.post(reverse("quizzes:join"), {"code": cohort.join_code})
    assert response.status_code == 200
    assert "Your account is an instructor or staff account, and cohorts enrol learners only." in (
        response.content.decode()
    )
    assert not cohort.learners.exists()


def test_the_join_page_needs_a_login_and_a_csrf_token(client, cohort):
    response = client.get(reverse("quizzes:join"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user())
    assert strict.post(reverse("quizzes:join"), {"code": cohort.join_code}).status_code == 403
    assert not cohort.learners.exists()


def test_join_is_a_reserved_quiz_slug():
    from django.core.exceptions import ValidationError

    quiz = make_quiz(slug="join")
    with pytest.raises(ValidationError, match="used by the site itself"):
        quiz.full_clean()


# --------------------------------------------------------------------------
# Rosters
# --------------------------------------------------------------------------


def test_a_roster_of_usernames_and_emails_enrols_each_learner_once(cohort):
    ada = make_user(username="ada", email="ada@example.org")
    bo = make_user(username="bo")
    zoe = make_user(username="zoé", email="Zoe@Example.org")
    cohort.learners.add(bo)
    data = b"username\nADA\n\nbo\nzoe@example.org\nada@example.org\n"
    result = cohort_roster_enrol(cohort=cohort, data=data)
    assert result.ok
    assert (result.added, result.already) == ([ada, zoe], [bo])
    assert set(cohort.learners.all()) == {ada, bo, zoe}


def test_a_spreadsheet_export_with_a_bom_and_columns(cohort):
    ada = make_user(username="ada", email="ada@example.org")
    data = "\ufeffName,E-mail\r\nAda Lovelace,ada@example.org\r\n".encode()
    assert cohort_roster_enrol(cohort=cohort, data=data).added == [ada]


def test_bad_lines_are_listed_and_nobody_is_enrolled(cohort):
    make_user(username="ada")
    make_user(username="twin1", email="twin@example.org")
    make_user(username="twin2", email="twin@example.org")
    make_instructor(username="prof")
    make_user(username="gone", is_active=False)
    data = b"ada\nnobody\nnobody@example.org\ntwin@example.org\nprof\ngone\n"
    result = cohort_roster_enrol(cohort=cohort, data=data)
    assert [str(p) for p in result.problems] == [
        "Line 2: “nobody” matches no account (no such username).",
        "Line 3: “nobody@example.org” matches no account (no such username or e-mail address).",
        "Line 4: “twin@example.org” is the e-mail address of 2 accounts: give the username instead.",
        "Line 5: “prof” is an instructor or staff account, and cohorts enrol learners only.",
        "Line 6: “gone” is a deactivated account.",
    ]
    assert not cohort.learners.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("ada\n".encode("utf-16"), "The file is not UTF-8 text"),
        (b"", "The file names nobody"),
        (b"\n \n", "The file names nobody"),
        (b"x" * 1_000_001, "The file is over 1 MB"),
        (b"\n".join([b"ada"] * 5001), "The file has over 5000 lines"),
    ],
)
def test_files_that_are_not_rosters_are_refused_whole(cohort, data, message):
    make_user(username="ada")
    result = cohort_roster_enrol(cohort=cohort, data=data)
    assert len(result.problems) == 1 and str(result.problems[0]).startswith(message)
    assert not cohort.learners.exists()
