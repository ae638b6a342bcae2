"""Quizzes from the LMS, roster import (NRPS), deep linking and xAPI."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
import responses
from django.contrib.auth import get_user_model

from leucocases.cases.services import attempt_choose_step, attempt_submit
from leucocases.lti.models import Activity, Course, XapiStatement
from leucocases.quizzes.models import QuizAttempt
from leucocases.quizzes.services import quiz_attempt_finish, quiz_attempt_start_or_resume
from leucocases.taxonomy.models import Cause, WorkupStep
from tests.quizzes.factories import make_quiz

from .helpers import lms_user, play, run_worker
from .platform import INSTRUCTOR, LEARNER, launch, login

GOOD = ["peripheral-smear", "prior-counts", "medication-review"]
LRS = "https://lrs.example.org/xapi"


@pytest.mark.django_db(transaction=True)
def test_finishing_a_quiz_posts_its_mean_once(client, platform, case):
    quiz = make_quiz(cases=[case])
    response = launch(
        client, platform, sub="u-1", roles=LEARNER, custom={"quiz": quiz.slug}, line_item=platform.line_item_url(3)
    )
    assert response["Location"] == quiz.get_absolute_url()
    user = lms_user("u-1")
    quiz_attempt = quiz_attempt_start_or_resume(quiz=quiz, user=user)
    case_attempt = quiz_attempt.case_attempts.get()
    for slug in GOOD:
        attempt_choose_step(attempt=case_attempt, step=WorkupStep.objects.get(slug=slug))
    report = attempt_submit(attempt=case_attempt, diagnosis=Cause.objects.get(slug="thiopurines"))
    run_worker()
    assert platform.scores == []  # a quiz's case alone sends nothing
    quiz_attempt_finish(quiz_attempt=quiz_attempt, reason=QuizAttempt.FinishReason.COMPLETED)
    run_worker()
    assert [(s["userId"], s["scoreGiven"], s["line_item"]) for s in platform.scores] == [
        ("u-1", round(report.total / 100, 4), platform.line_item_url(3))
    ]


@pytest.mark.django_db
def test_a_quiz_kept_for_cohorts_opens_to_the_lms_course(client, platform, case):
    from tests.quizzes.factories import make_cohort

    quiz = make_quiz(cases=[case])
    quiz.cohorts.add(make_cohort())
    launch(client, platform, sub="u-1", roles=LEARNER, custom={"quiz": quiz.slug})
    assert Course.objects.get().cohort in quiz.cohorts.all()
    open_quiz = make_quiz(cases=[case])
    launch(
        Client := type(client)(),
        platform,
        sub="u-1",
        roles=LEARNER,
        custom={"quiz": open_quiz.slug},
        resource_link="link-2",
    )
    assert not open_quiz.cohorts.exists()  # open to everyone stays open to everyone
    del Client


@pytest.mark.django_db
def test_the_roster_import_makes_the_cohort_match_the_course(client, platform, case):
    platform.members = [
        {"user_id": "u-1", "roles": LEARNER, "status": "Active", "given_name": "Ada", "family_name": "One"},
        {"user_id": "u-2", "roles": LEARNER, "status": "Active", "given_name": "Ben", "family_name": "Two"},
        {"user_id": "t-2", "roles": INSTRUCTOR, "status": "Active"},
        {"user_id": "u-3", "roles": LEARNER, "status": "Inactive"},
    ]
    launch(type(client)(), platform, sub="u-3", roles=LEARNER, custom={"case": case.slug})  # joined, then left
    launch(client, platform, sub="t-1", roles=INSTRUCTOR, custom={"case": case.slug})
    activity = Activity.objects.get()
    response = client.post(f"/lti/activities/{activity.pk}/roster/", secure=True, follow=True)
    assert "Roster imported: 2 learner(s), 1 instructor(s); 1 inactive member(s) left the cohort." in unescape(
        response.content.decode()
    )
    cohort = Course.objects.get().cohort
    assert sorted(u.lti_users.get().sub for u in cohort.learners.all()) == ["u-1", "u-2"]
    assert sorted(u.lti_users.get().sub for u in cohort.instructors.all()) == ["t-1", "t-2"]
    assert get_user_model().objects.get(lti_users__sub="u-2").first_name == "Ben"


@pytest.mark.django_db
def test_a_learner_cannot_import_the_roster(client, platform, case):
    launch(client, platform, sub="t-1", roles=INSTRUCTOR, custom={"case": case.slug})
    learner = type(client)()
    launch(learner, platform, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    activity = Activity.objects.get()
    assert learner.post(f"/lti/activities/{activity.pk}/roster/", secure=True).status_code == 403


@pytest.mark.django_db
def test_deep_linking_puts_a_picked_case_into_the_course(client, platform, case):
    """The instructor picks a case; lti1p3platform accepts the signed answer; its link then opens the case."""
    other = make_quiz(cases=[case], title="Drug-induced neutropenia quiz")
    preflight = login(client, platform)
    token = platform.id_token(
        preflight, sub="t-1", roles=INSTRUCTOR, deep_link_return=f"{platform.issuer}/deep-link-return"
    )
    response = client.post("/lti/launch/", {"id_token": token, "state": preflight["state"]}, secure=True)
    assert response["Location"] == "/lti/deep-link/"
    picker = client.get("/lti/deep-link/", {"q": "azathioprine"}, secure=True).content.decode()
    assert case.title in picker and other.title not in picker
    picker = client.get("/lti/deep-link/", {"difficulty": case.difficulty}, secure=True).content.decode()
    assert case.title in picker

    answer = client.post("/lti/deep-link/", {"items": [f"case:{case.slug}"], "policy": "last"}, secure=True)
    assert answer.status_code == 200
    html = answer.content.decode()
    action = re.search(r'<form method="post" action="([^"]+)" data-lti-autosubmit>', html).group(1)
    assert action == f"{platform.issuer}/deep-link-return"
    assert f"form-action 'self' {platform.issuer}" in answer["Content-Security-Policy"]
    jwt_value = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    items = platform.validate_deep_link_response(jwt_value)
    assert len(items) == 1
    item = items[0]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == "https://testserver/lti/launch/"
    assert item["custom"] == {"case": case.slug, "policy": "last"}
    assert item["lineItem"]["scoreMaximum"] == 100

    learner = type(client)()
    opened = launch(learner, platform, sub="u-1", roles=LEARNER, custom=item["custom"], resource_link="new-link")
    assert opened["Location"] == case.get_absolute_url()
    assert Activity.objects.get().policy == "last"


@pytest.mark.django_db
def test_a_learner_cannot_deep_link(client, platform):
    preflight = login(client, platform)
    token = platform.id_token(preflight, sub="u-1", roles=LEARNER, deep_link_return=f"{platform.issuer}/return")
    response = client.post("/lti/launch/", {"id_token": token, "state": preflight["state"]}, secure=True)
    assert response.status_code == 403
    assert "Instructors only" in response.content.decode()
    assert client.get("/lti/deep-link/", secure=True).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_xapi_records_each_choice_and_the_submission(client, platform, case, settings):
    settings.XAPI_LRS_ENDPOINT = LRS
    settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD = "key", "secret"
    received = []

    def store(request):
        assert request.headers["X-Experience-API-Version"] == "1.0.3"
        assert request.headers["Authorization"].startswith("Basic ")
        received.extend(json.loads(request.body))
        return 200, {}, json.dumps([s["id"] for s in json.loads(request.body)])

    platform.mock.add_callback(responses.POST, f"{LRS}/statements", callback=store)
    launch(client, platform, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    user = lms_user("u-1")
    _, report = play(case=case, user=user, steps=[*GOOD, "bone-marrow-biopsy"], diagnosis="thiopurines")
    assert XapiStatement.objects.filter(state="pending").count() == 5
    run_worker()
    verbs = [s["verb"]["id"] for s in received]
    assert verbs == ["http://adlnet.gov/expapi/verbs/interacted"] * 4 + ["http://adlnet.gov/expapi/verbs/completed"]
    verdicts = [next(v for k, v in s["result"]["extensions"].items() if k.endswith("/verdict")) for s in received[:4]]
    assert verdicts == ["essential", "essential", "essential", "harmful"]
    assert received[-1]["result"]["score"]["scaled"] == round(report.total / 100, 4)
    assert {s["actor"]["account"]["name"] for s in received} == {str(user.pk)}
    assert "u-1@example.edu" not in json.dumps(received)
    assert XapiStatement.objects.filter(state="sent").count() == 5


@pytest.mark.django_db(transaction=True)
def test_xapi_is_off_by_default(client, platform, case):
    launch(client, platform, sub="u-1", roles=LEARNER, custom={"case": case.slug})
    play(case=case, user=lms_user("u-1"), steps=GOOD, diagnosis="thiopurines")
    assert not XapiStatement.objects.exists()
