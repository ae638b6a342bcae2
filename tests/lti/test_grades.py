"""Grade passback: one score per submission, policies, regrades, and an LMS that fails before it accepts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leucocases.cases.models import Finding, Tier
from leucocases.cases.services import attempt_submit
from leucocases.instructor.services import case_regrade_apply
from leucocases.lti.grades import RETRY_DELAYS
from leucocases.lti.models import Activity, ActivityLearner, ScoreDelivery

from .helpers import lms_user, play, run_worker
from .platform import INSTRUCTOR, LEARNER, launch

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = ["peripheral-smear", "prior-counts", "medication-review"]
WEAK = ["peripheral-smear"]


def _learner(client, platform, case, *, policy="best", sub="u-1", line_item=True):
    custom = {"case": case.slug, "policy": policy}
    item = platform.line_item_url(7) if line_item else None
    response = launch(client, platform, sub=sub, roles=LEARNER, custom=custom, line_item=item)
    assert response.status_code == 302
    return lms_user(sub)


def test_a_submission_posts_one_score_to_the_gradebook(client, platform, case):
    """Submitting the case queues one score; the worker posts it once, as 0–1 of 1, for the LMS user."""
    user = _learner(client, platform, case)
    attempt, report = play(case=case, user=user, steps=GOOD, diagnosis="thiopurines")
    assert platform.scores == []  # nothing goes out from the request itself
    run_worker()
    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["userId"] == "u-1"
    assert score["scoreGiven"] == round(report.total / 100, 4)
    assert score["scoreMaximum"] == 1
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert score["line_item"] == platform.line_item_url(7)
    delivery = ScoreDelivery.objects.get()
    assert (delivery.state, delivery.tries) == (ScoreDelivery.State.SENT, 1)

    # Submitting the same attempt again (a double click) sends nothing more.
    attempt_submit(attempt=attempt, diagnosis=None)
    run_worker()
    assert len(platform.scores) == 1


@pytest.mark.parametrize(("policy", "scores_after_second"), [("first", 1), ("best", 1), ("last", 2)])
def test_the_policy_decides_whether_a_weaker_second_attempt_is_sent(
    client, platform, case, policy, scores_after_second
):
    user = _learner(client, platform, case, policy=policy)
    _, first = play(case=case, user=user, steps=GOOD, diagnosis="thiopurines")
    run_worker()
    _, second = play(case=case, user=user, steps=WEAK, diagnosis=None)
    run_worker()
    assert second.total < first.total
    assert len(platform.scores) == scores_after_second
    expected = second.total if policy == "last" else first.total
    assert platform.scores[-1]["scoreGiven"] == round(expected / 100, 4)


def test_attempts_before_the_first_launch_do_not_count(client, platform, case):
    user = _learner(client, platform, case)
    ActivityLearner.objects.update(first_launch_at=timezone.now() + dt.timedelta(minutes=5))
    play(case=case, user=user, steps=GOOD, diagnosis="thiopurines")
    run_worker()
    assert platform.scores == []


def test_a_regrade_posts_the_new_score(client, platform, case):
    user = _learner(client, platform, case)
    _, report = play(case=case, user=user, steps=GOOD, diagnosis="thiopurines")
    run_worker()
    # The key changes: TPMT testing (not chosen) becomes essential, so the workup scores lower.
    Finding.objects.filter(case=case, step__slug="tpmt-nudt15").update(tier=Tier.ESSENTIAL)
    result = case_regrade_apply(case=case, user=user)
    assert result.changed == 1
    run_worker()
    assert len(platform.scores) == 2
    assert platform.scores[1]["scoreGiven"] < platform.scores[0]["scoreGiven"]
    assert (
        ScoreDelivery.objects.filter(reason=ScoreDelivery.Reason.REGRADE, state=ScoreDelivery.State.SENT).count() == 1
    )


def test_an_lms_answering_500_then_200_gets_the_score_once_after_a_retry(client, platform, case):
    """The real queue: the first try fails, the job re-enqueues itself for later, and the retry lands it."""
    platform.score_failures = 1
    user = _learner(client, platform, case)
    _, report = play(case=case, user=user, steps=GOOD, diagnosis="thiopurines")
    before = timezone.now()
    run_worker()
    delivery = ScoreDelivery.objects.get()
    assert (delivery.state, delivery.tries, platform.scores) == (ScoreDelivery.State.RETRYING, 1, [])
    assert "500" in delivery.last_error
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after >= before + dt.timedelta(seconds=RETRY_DELAYS[0])
    assert retry.run_after == delivery.next_try_at

    run_worker()  # not due yet: the worker leaves it alone
    assert platform.score_attempts == 1

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # time passes
    run_worker()
    assert platform.score_attempts == 2
    assert len(platform.scores) == 1
    assert platform.scores[0]["scoreGiven"] == round(report.total / 100, 4)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.tries, delivery.last_error) == (ScoreDelivery.State.SENT, 2, "")


def test_an_lms_down_for_good_leaves_a_failed_delivery_the_instructor_can_resend(client, platform, case):
    platform.score_failures = len(RETRY_DELAYS) + 1
    user = _learner(client, platform, case)
    play(case=case, user=user, steps=GOOD, diagnosis="thiopurines")
    for _ in range(len(RETRY_DELAYS) + 1):
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        run_worker()
    delivery = ScoreDelivery.objects.get()
    assert (delivery.state, delivery.tries) == (ScoreDelivery.State.FAILED, len(RETRY_DELAYS) + 1)
    assert not DBTaskResult.objects.filter(status="READY").exists()

    teacher = type(client)()
    launch(teacher, platform, sub="t-1", roles=INSTRUCTOR, custom={"case": case.slug})
    activity = Activity.objects.get()
    page = teacher.get(f"/lti/activities/{activity.pk}/", secure=True).content.decode()
    assert "Gave up: resend when the LMS is back" in page
    assert "gradebook unavailable" in page
    learner = ActivityLearner.objects.get()
    response = teacher.post(f"/lti/activities/{activity.pk}/learners/{learner.pk}/resend/", secure=True)
    assert response.status_code == 302
    run_worker()
    assert len(platform.scores) == 1
    assert "In the gradebook" in teacher.get(f"/lti/activities/{activity.pk}/", secure=True).content.decode()


def test_a_link_without_a_column_gets_one_made_by_the_tool(client, platform, case):
    user = _learner(client, platform, case, line_item=False)
    play(case=case, user=user, steps=GOOD, diagnosis="thiopurines")
    run_worker()
    assert list(platform.line_items) == [platform.line_item_url(1)]
    item = platform.line_items[platform.line_item_url(1)]
    assert (item["scoreMaximum"], item["resourceLinkId"], item["tag"]) == (100, "link-1", "leucocases")
    assert platform.scores[0]["line_item"] == platform.line_item_url(1)
    assert Activity.objects.get().line_item_url == platform.line_item_url(1)


def test_changing_the_policy_resends_the_scores(client, platform, case):
    user = _learner(client, platform, case, policy="best")
    play(case=case, user=user, steps=GOOD, diagnosis="thiopurines")
    _, weak = play(case=case, user=user, steps=WEAK, diagnosis=None)
    run_worker()
    teacher = type(client)()
    launch(teacher, platform, sub="t-1", roles=INSTRUCTOR, custom={"case": case.slug})
    activity = Activity.objects.get()
    teacher.post(f"/lti/activities/{activity.pk}/policy/", {"policy": "last"}, secure=True)
    run_worker()
    assert platform.scores[-1]["scoreGiven"] == round(weak.total / 100, 4)
    assert Activity.objects.get().policy == "last"
