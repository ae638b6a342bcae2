"""xAPI learning records: statements about choices, submissions and quiz
results, sent to a Learning Record Store through the task queue.

Off unless ``XAPI_LRS_ENDPOINT`` is set. Learners appear by account id on
this site (``XAPI_SITE_IRI``), never by name or e-mail. Verbs come from the
ADL vocabulary. A case's choices are recorded when it is submitted, one
statement per choice with the verdict the report gave it: before submission
nothing about the key may leave the site, not even to the LRS.

Statements are stored first (``XapiStatement``) with their ids, then sent by
a job that retries with back-off; an LRS answers a statement id it already
holds with no change, so a resend after a lost answer stores nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from leucocases.cases.grading import Report
from leucocases.cases.models import Attempt, Choice, GradedReport
from leucocases.quizzes.models import QuizAttempt
from leucocases.quizzes.services import quiz_attempt_means

from .launch import http_session
from .models import XapiStatement

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {"interacted": ADL + "interacted", "completed": ADL + "completed"}
ACTIVITY_TYPES = {
    "case": "http://adlnet.gov/expapi/activities/simulation",
    "choice": "http://adlnet.gov/expapi/activities/interaction",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
}
#: Retry delays in seconds; the statements are marked failed after the last.
RETRY_DELAYS = (30, 300, 1800, 3 * 3600, 12 * 3600)


def enabled() -> bool:
    return bool(settings.XAPI_LRS_ENDPOINT)


def _iri(path: str) -> str:
    return settings.XAPI_SITE_IRI.rstrip("/") + path


def _actor(user_id: int) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": _iri("/"), "name": str(user_id)}}


def _verb(name: str) -> dict[str, Any]:
    return {"id": VERBS[name], "display": {"en-GB": name}}


def _activity(path: str, kind: str, name: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": _iri(path),
        "definition": {"type": ACTIVITY_TYPES[kind], "name": {"en-GB": name}},
    }


def _registration(attempt_id: int) -> str:
    """One xAPI registration per case attempt: its statements group together."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, _iri(f"/attempts/{attempt_id}")))


def _score(total: float) -> dict[str, Any]:
    return {"scaled": round(total / 100.0, 4), "raw": total, "min": 0, "max": 100}


def submission_statements(*, attempt: Attempt, report: GradedReport) -> list[dict[str, Any]]:
    """One ``interacted`` statement per choice (with its verdict), then one ``completed`` with the score."""
    case = attempt.case
    case_path = f"/cases/{case.slug}/"
    graded = Report.from_dict(report.data)
    verdicts = {line.step: line for line in graded.lines}
    context = {
        "registration": _registration(attempt.pk),
        "contextActivities": {"parent": [{"id": _iri(case_path)}]},
    }
    statements = []
    for choice in Choice.objects.filter(attempt=attempt).select_related("step").order_by("position"):
        line = verdicts.get(choice.step.slug)
        result: dict[str, Any] = {"response": choice.step.slug}
        if line is not None:
            result["extensions"] = {
                _iri("/xapi/verdict"): str(line.verdict),
                _iri("/xapi/points"): line.points,
            }
        statements.append(
            {
                "actor": _actor(attempt.user_id),
                "verb": _verb("interacted"),
                "object": _activity(f"{case_path}steps/{choice.step.slug}", "choice", choice.step.name),
                "result": result,
                "context": context,
                "timestamp": choice.chosen_at.isoformat(),
            }
        )
    statements.append(
        {
            "actor": _actor(attempt.user_id),
            "verb": _verb("completed"),
            "object": _activity(case_path, "case", case.title),
            "result": {
                "score": _score(report.total),
                "completion": True,
                "response": attempt.diagnosis.slug if attempt.diagnosis_id else "",
            },
            "context": {"registration": _registration(attempt.pk)},
            "timestamp": (attempt.submitted_at or report.created_at).isoformat(),
        }
    )
    return statements


def quiz_statement(*, quiz_attempt: QuizAttempt) -> dict[str, Any] | None:
    mean = quiz_attempt_means(quiz_attempts=[quiz_attempt]).get(quiz_attempt.pk)
    if mean is None:
        return None
    quiz = quiz_attempt.quiz
    return {
        "actor": _actor(quiz_attempt.user_id),
        "verb": _verb("completed"),
        "object": _activity(f"/quizzes/{quiz.slug}/", "quiz", quiz.title),
        "result": {"score": _score(mean), "completion": True},
        "timestamp": quiz_attempt.finished_at.isoformat(),
    }


def statements_queue(*, statements: list[dict[str, Any]]) -> list[XapiStatement]:
    """Store the statements with fresh ids and queue one job to send them (nothing when xAPI is off)."""
    if not enabled() or not statements:
        return []
    from .tasks import send_statements

    with transaction.atomic():
        rows = []
        for statement in statements:
            row_id = uuid.uuid4()
            rows.append(XapiStatement(id=row_id, statement={"id": str(row_id), **statement}))
        XapiStatement.objects.bulk_create(rows)
        send_statements.enqueue([str(row.id) for row in rows])
    return rows


def statements_send(*, statement_ids: list[str], now: dt.datetime | None = None) -> str:
    """POST the pending statements among ``statement_ids`` to the LRS in one request."""
    rows = list(XapiStatement.objects.filter(pk__in=statement_ids, state=XapiStatement.State.PENDING))
    if not rows:
        return "skipped"
    if not enabled():
        return "disabled"
    try:
        response = http_session().post(
            settings.XAPI_LRS_ENDPOINT.rstrip("/") + "/statements",
            json=[row.statement for row in rows],
            headers={"X-Experience-API-Version": XAPI_VERSION},
            auth=(settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD) if settings.XAPI_LRS_USERNAME else None,
        )
        # 409: the LRS already holds these ids (an earlier try got through).
        if response.status_code != 409:
            response.raise_for_status()
    except requests.RequestException as error:
        return _failed(rows, error, now or timezone.now())
    XapiStatement.objects.filter(pk__in=[row.pk for row in rows]).update(
        state=XapiStatement.State.SENT, sent_at=timezone.now(), tries=rows[0].tries + 1, last_error=""
    )
    return "sent"


def _failed(rows: list[XapiStatement], error: Exception, now: dt.datetime) -> str:
    from .tasks import send_statements

    tries = rows[0].tries + 1
    ids = [row.pk for row in rows]
    logger.warning("xAPI statements not stored by the LRS (try %s): %s", tries, error)
    with transaction.atomic():
        if tries > len(RETRY_DELAYS):
            XapiStatement.objects.filter(pk__in=ids).update(
                state=XapiStatement.State.FAILED, tries=tries, last_error=str(error)[:2000]
            )
            return "failed"
        XapiStatement.objects.filter(pk__in=ids).update(tries=tries, last_error=str(error)[:2000])
        send_statements.using(run_after=now + dt.timedelta(seconds=RETRY_DELAYS[tries - 1])).enqueue(
            [str(pk) for pk in ids]
        )
    return "retrying"
