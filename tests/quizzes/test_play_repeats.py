"""A quiz case is played through the cases app's play machinery: repeats, resent and out-of-date forms
behave there as in practice (tests/cases/test_play_repeats.py)."""

import re

import pytest
from django.urls import reverse

from leucocases.cases import services
from leucocases.cases.models import Choice
from tests.accounts.factories import make_user
from tests.cases.factories import make_case

from .factories import make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def post_choice(client, url, attempt, slug, position, *, menu=""):
    return client.post(url, {"attempt": attempt.pk, "step": slug, "position": position, "menu": menu})


def test_a_quiz_case_takes_repeats_and_replays_the_same_way(client):
    """The quiz runner plays through the same machinery: a repeat is stored with its occurrence, a
    resent form is stored once, an out-of-date one is refused back to the runner."""
    bundle = make_case()
    user = make_user()
    client.force_login(user)
    quiz = make_quiz(cases=[bundle.case])
    client.post(reverse("quizzes:start", kwargs={"slug": quiz.slug}))
    quiz_attempt = quiz.attempts.get(user=user)
    runner = client.get(quiz_attempt.get_absolute_url())
    attempt = runner.context["attempt"]
    choose_url = reverse("quizzes:choose", kwargs={"pk": quiz_attempt.pk})

    post_choice(client, choose_url, attempt, "prior-counts", 1)
    post_choice(client, choose_url, attempt, "prior-counts", 1)  # resent
    response = post_choice(client, choose_url, attempt, "prior-counts", 2, menu="prior")
    assert response["Location"] == f"{quiz_attempt.get_absolute_url()}?menu=prior#finding-2"
    stale = post_choice(client, choose_url, attempt, "cmv-pcr", 2)
    assert stale["Location"] == f"{quiz_attempt.get_absolute_url()}#workup-heading"
    assert list(Choice.objects.filter(attempt=attempt).values_list("step__slug", "occurrence")) == [
        ("prior-counts", 1),
        ("prior-counts", 2),
    ]
    page = client.get(f"{quiz_attempt.get_absolute_url()}?menu=prior").content.decode()
    assert "2. Review of prior blood counts (2nd time)" in re.sub(r"<[^>]+>", "", page)
    assert services.attempt_chosen_steps(attempt=attempt)[1].occurrence == 2
