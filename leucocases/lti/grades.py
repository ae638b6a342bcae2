"""Grade passback (LTI Assignment and Grade Services): which score a learner's
gradebook cell gets, and sending it from the task queue.

A learner's score for an activity follows the activity's policy over the
attempts submitted since they first opened it from the LMS: the first, the
best or the last (a case: its report's total; a quiz: the mean of its cases).
It goes out as 0–1 with a maximum of 1, which the LMS scales to its column.

Every score to send is a ``ScoreDelivery`` row, written in the same
transaction as the queued job that sends it (django-tasks-db keeps both in the
database): an LMS that is down, or a worker restart, loses nothing. A failed
send is retried with growing delays (``RETRY_DELAYS``); after the last one the
delivery is marked failed for an instructor to resend. Each score carries the
time it was decided as its AGS timestamp, and a delivery made stale by a newer
score is superseded rather than sent, so the gradebook never goes backwards.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import requests
from django.db import transaction
from django.utils import timezone
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector

from leucocases.cases.models import GradedReport
from leucocases.quizzes.models import QuizAttempt
from leucocases.quizzes.services import quiz_attempt_means

from .launch import http_session
from .models import Activity, ActivityLearner, ScoreDelivery, ScorePolicy

logger = logging.getLogger(__name__)

#: Seconds to wait before each retry; after the last, the delivery has failed.
#: About a day in all: an LMS down for maintenance overnight still gets its scores.
RETRY_DELAYS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
#: The gradebook column a link without one gets: the tool's scores are 0–1 of 1,
#: which the LMS scales to this maximum.
LINE_ITEM_MAXIMUM = 100
LINE_ITEM_TAG = "leucocases"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One counted attempt: when it ended, its total out of 100, and where it came from."""

    ended_at: dt.datetime
    total: float
    report_id: int | None = None
    quiz_attempt_id: int | None = None


def choose(policy: str, candidates: Sequence[Candidate]) -> Candidate | None:
    """The attempt a policy picks: the earliest, the latest, or the highest (the earlier on a tie)."""
    if not candidates:
        return None
    ordered = sorted(candidates, key=lambda c: c.ended_at)
    if policy == ScorePolicy.FIRST:
        return ordered[0]
    if policy == ScorePolicy.LAST:
        return ordered[-1]
    return max(ordered, key=lambda c: c.total)  # max keeps the first of equals


def candidates_for(*, learner: ActivityLearner) -> list[Candidate]:
    """The learner's attempts that count for the activity (ended since the first launch)."""
    activity = learner.activity
    if activity.case_id is not None:
        rows = GradedReport.objects.filter(
            attempt__case_id=activity.case_id,
            attempt__user_id=learner.user_id,
            attempt__quiz_case__isnull=True,
            attempt__submitted_at__gte=learner.first_launch_at,
            superseded_at__isnull=True,
        ).values_list("pk", "total", "attempt__submitted_at")
        return [Candidate(ended_at=at, total=total, report_id=pk) for pk, total, at in rows]
    attempts = list(
        QuizAttempt.objects.filter(
            quiz_id=activity.quiz_id, user_id=learner.user_id, finished_at__gte=learner.first_launch_at
        )
    )
    means = quiz_attempt_means(quiz_attempts=attempts)
    return [
        Candidate(ended_at=a.finished_at, total=means[a.pk], quiz_attempt_id=a.pk) for a in attempts if a.pk in means
    ]


def score_queue(*, learner: ActivityLearner, reason: str) -> ScoreDelivery | None:
    """Queue the learner's current score for the gradebook, once.

    Nothing is queued when the activity's link has no gradebook service, when
    no attempt counts yet, or (unless an instructor resends, or the policy
    changed) when the score and the attempt it comes from are those already
    sent or on their way: a double submission, or a second attempt that the
    first or best policy does not pick, posts nothing new.
    """
    activity = learner.activity
    if not activity.sends_scores:
        return None
    with transaction.atomic():
        # Serialises the events of one learner: two submissions at once queue in turn.
        ActivityLearner.objects.select_for_update().filter(pk=learner.pk).first()
        chosen = choose(activity.policy, candidates_for(learner=learner))
        if chosen is None:
            return None
        score = round(min(max(chosen.total / 100.0, 0.0), 1.0), 4)
        latest = (
            ScoreDelivery.objects.filter(learner=learner)
            .exclude(state__in=[ScoreDelivery.State.SUPERSEDED, ScoreDelivery.State.FAILED])
            .order_by("-created_at", "-pk")
            .first()
        )
        same = (
            latest is not None
            and latest.score_given == score
            and latest.source_report_id == chosen.report_id
            and latest.source_quiz_attempt_id == chosen.quiz_attempt_id
        )
        if same and reason not in {ScoreDelivery.Reason.RESEND, ScoreDelivery.Reason.POLICY}:
            return None
        ScoreDelivery.objects.filter(
            learner=learner, state__in=[ScoreDelivery.State.PENDING, ScoreDelivery.State.RETRYING]
        ).update(state=ScoreDelivery.State.SUPERSEDED)
        delivery = ScoreDelivery.objects.create(
            learner=learner,
            score_given=score,
            source_report_id=chosen.report_id,
            source_quiz_attempt_id=chosen.quiz_attempt_id,
            reason=reason,
        )
        _enqueue(delivery.pk)
    return delivery


def scores_queue(*, learners: Iterable[ActivityLearner], reason: str) -> int:
    return sum(1 for learner in learners if score_queue(learner=learner, reason=reason) is not None)


def _enqueue(delivery_id: int, run_after: dt.datetime | None = None) -> None:
    from .tasks import deliver_score

    task = deliver_score if run_after is None else deliver_score.using(run_after=run_after)
    task.enqueue(delivery_id)


def score_send(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Post one queued score to the LMS (the ``deliver_score`` job); what happened, in a word."""
    delivery = (
        ScoreDelivery.objects.select_related(
            "learner__lti_user",
            "learner__activity__case",
            "learner__activity__quiz",
            "learner__activity__resource_link__context__deployment__registration",
        )
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or not delivery.is_open:
        return "skipped"
    try:
        _post(delivery)
    except (LtiException, requests.RequestException, ValueError, KeyError) as error:
        return _failed(delivery, error, now or timezone.now())
    updated = ScoreDelivery.objects.filter(pk=delivery.pk, state__in=[delivery.state]).update(
        state=ScoreDelivery.State.SENT, sent_at=timezone.now(), tries=delivery.tries + 1, last_error=""
    )
    return "sent" if updated else "sent-superseded"


def _failed(delivery: ScoreDelivery, error: Exception, now: dt.datetime) -> str:
    tries = delivery.tries + 1
    message = str(error)[:2000]
    logger.warning("Score delivery %s failed (try %s): %s", delivery.pk, tries, message)
    with transaction.atomic():
        if tries > len(RETRY_DELAYS):
            ScoreDelivery.objects.filter(pk=delivery.pk).update(
                state=ScoreDelivery.State.FAILED, tries=tries, last_error=message, next_try_at=None
            )
            return "failed"
        next_try = now + dt.timedelta(seconds=RETRY_DELAYS[tries - 1])
        updated = ScoreDelivery.objects.filter(
            pk=delivery.pk, state__in=[ScoreDelivery.State.PENDING, ScoreDelivery.State.RETRYING]
        ).update(state=ScoreDelivery.State.RETRYING, tries=tries, last_error=message, next_try_at=next_try)
        if updated:
            _enqueue(delivery.pk, run_after=next_try)
    return "retrying"


def _post(delivery: ScoreDelivery) -> None:
    from .services import tool_key_ensure

    activity: Activity = delivery.learner.activity
    registration = activity.resource_link.context.deployment.registration
    tool_key_ensure()
    connector = ServiceConnector(registration.to_registration(), http_session())
    service_data = {"scope": list(activity.ags_scopes), "lineitems": activity.lineitems_url}
    if not activity.line_item_url:
        service = AssignmentsGradesService(connector, service_data)
        line_item = service.find_or_create_lineitem(
            LineItem()
            .set_label(activity.title[:255])
            .set_score_maximum(LINE_ITEM_MAXIMUM)
            .set_resource_link_id(activity.resource_link.id_on_platform)
            .set_resource_id(_resource_id(activity))
            .set_tag(LINE_ITEM_TAG),
            find_by="resource_link_id",
        )
        activity.line_item_url = line_item.get_id() or ""
        Activity.objects.filter(pk=activity.pk).update(line_item_url=activity.line_item_url)
    service = AssignmentsGradesService(connector, {**service_data, "lineitem": activity.line_item_url})
    grade = (
        Grade()
        .set_user_id(delivery.learner.lti_user.sub)
        .set_score_given(delivery.score_given)
        .set_score_maximum(delivery.score_maximum)
        .set_timestamp(delivery.created_at.isoformat(timespec="milliseconds"))
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_comment(f"LeucoCases: {delivery.score_given * 100:.1f} / 100 ({activity.get_policy_display().lower()})")
    )
    service.put_grade(grade)


def _resource_id(activity: Activity) -> str:
    return f"case:{activity.case.slug}" if activity.case_id else f"quiz:{activity.quiz.slug}"


def score_resend(*, learner: ActivityLearner) -> ScoreDelivery | None:
    """An instructor's resend: the learner's current score goes out again whatever was sent before."""
    return score_queue(learner=learner, reason=ScoreDelivery.Reason.RESEND)


@dataclass(frozen=True, slots=True)
class LearnerRow:
    """One line of the instructor's delivery table."""

    learner: ActivityLearner
    latest: ScoreDelivery | None


def activity_delivery_rows(*, activity: Activity) -> list[LearnerRow]:
    """Each learner of the activity with their latest score delivery (two queries)."""
    learners = list(
        ActivityLearner.objects.filter(activity=activity).select_related("user", "lti_user").order_by("user__username")
    )
    latest: dict[int, ScoreDelivery] = {}
    for delivery in ScoreDelivery.objects.filter(learner__activity=activity).order_by(
        "learner_id", "-created_at", "-pk"
    ):
        latest.setdefault(delivery.learner_id, delivery)
    return [LearnerRow(learner=learner, latest=latest.get(learner.pk)) for learner in learners]
