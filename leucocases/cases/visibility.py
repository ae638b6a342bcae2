"""What a learner may play and read: the rules of the apps above cases, applied here.

Any report on a case shows its key, and so does a practice score beside it.
Apps above cases may lock cases and hold reports back (quizzes: an exam locks
its cases and holds back their reports until it is over, docs/quizzes.md,
"Exam cases"); they say so through ``policies``, and every page applies the
result through this module: the case list, the play page and its link to a
past report, the report itself, search, the dashboard and the cause pages.

Everything here returns querysets, so the pages apply the rules inside the
queries they already run: no page adds a query per case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from leucocases.preparedsql import PreparedQuery
from leucocases.taxonomy.models import Cause
from leucocases.taxonomy.selectors import ReaderCase

from . import policies
from .models import Attempt, Case


def without_locked_cases(cases: QuerySet[Case], *, now: datetime | None = None) -> QuerySet[Case]:
    """``cases`` less those a rule locks now (an exam in force): what may be played outside it."""
    locked = policies.locked_cases(now=now or timezone.now())
    return cases if locked is None else cases.exclude(locked)


def _locked_cases(*, now: datetime) -> QuerySet[Case]:
    locked = policies.locked_cases(now=now)
    return (Case.objects.none() if locked is None else Case.objects.filter(locked)).values_list("pk")


def locked_case_ids(*, now: datetime | None = None) -> frozenset[int]:
    """The ids of the cases a rule locks now (one query; none if no rule is registered)."""
    if not policies.registered_policies():
        return frozenset()
    rows = prepared(_locked_cases, signed_in=None).rows(now=now or timezone.now())
    return frozenset(pk for (pk,) in rows)


def case_is_locked(*, case: Case, now: datetime | None = None) -> bool:
    """Whether a rule locks ``case`` now (one query; none if no rule locks any case)."""
    locked = policies.locked_cases(now=now or timezone.now())
    return locked is not None and Case.objects.filter(locked, pk=case.pk).exists()


def case_hold(*, case: Case, user: Any) -> policies.CaseHold | None:
    """Where to send ``user`` instead of ``case`` (the exam they are taking), if anywhere."""
    for policy in policies.registered_policies():
        if (hold := policy.case_hold(case=case, user=user)) is not None:
            return hold
    return None


def report_held_message() -> str:
    """What the report page says when a rule holds a report back."""
    held = [policy.report_held_message for policy in policies.registered_policies()]
    return held[0] if held else policies.CasePolicy.report_held_message


def attempts_with_visible_reports(
    *, user: Any, session_key: str | None, now: datetime | None = None
) -> QuerySet[Attempt]:
    """The learner's submitted attempts whose report and score they may see now."""
    visible = policies.visible_reports(user=user, now=now or timezone.now())
    return Attempt.objects.owned_by(user=user, session_key=session_key).submitted().filter(visible)


def _reader_attempts(*, cause_id: int, now: datetime, user_id: int | None = None, session_key: str | None = None):
    """The reader's visible attempts on cases whose full-credit cause is ``cause_id``,
    latest first within each case (signed in: ``user_id``; else ``session_key``)."""
    user = get_user_model()(pk=user_id) if user_id is not None else None
    return (
        attempts_with_visible_reports(user=user, session_key=session_key, now=now)
        .filter(case__diagnosis_options__cause_id=cause_id, case__diagnosis_options__credit=1)
        .order_by("case__title", "case_id", "-submitted_at", "-pk")
        .values_list("pk", "case_id", "case__title", "submitted_at")
    )


_prepared: dict[tuple, PreparedQuery] = {}


def prepared(build: Callable[..., QuerySet], *, signed_in: bool | None, **slots: type) -> PreparedQuery:
    """``build``'s query prepared once per worker (``leucocases.preparedsql``): built
    through every registered rule, such a query cost more to compile than to run. One
    for a signed-in learner (slot ``user_id``), one for a visitor (``session_key``), or
    one for nobody in particular (``signed_in=None``), each with ``now`` and ``slots``,
    per set of registered rules (each adds its SQL)."""
    rules = tuple(type(policy) for policy in policies.registered_policies())
    key = (build, signed_in, rules)
    if key not in _prepared:
        owner = {} if signed_in is None else {"user_id": int} if signed_in else {"session_key": str}
        _prepared[key] = PreparedQuery(build, now=datetime, **owner, **slots)
    return _prepared[key]


def reader_cases_for_cause(*, cause: Cause, user: Any, session_key: str | None) -> list[ReaderCase]:
    """The reader's own cases whose full-credit cause is ``cause``, each with
    their latest report they may see (for the cause page; see
    ``taxonomy.selectors.reader_cases_for``). One query."""
    signed_in = user is not None and user.is_authenticated
    if not (signed_in or session_key):
        return []
    owner = {"user_id": user.pk} if signed_in else {"session_key": session_key}
    query = prepared(_reader_attempts, signed_in=signed_in, cause_id=int)
    rows = query.rows(cause_id=cause.pk, now=timezone.now(), **owner)
    latest: dict[int, ReaderCase] = {}
    for pk, case_id, title, submitted_at in rows:
        if case_id not in latest:
            url = reverse("cases:report", kwargs={"pk": pk})
            latest[case_id] = ReaderCase(title=title, report_url=url, submitted_at=submitted_at)
    return list(latest.values())


__all__ = [
    "attempts_with_visible_reports",
    "prepared",
    "case_hold",
    "case_is_locked",
    "locked_case_ids",
    "reader_cases_for_cause",
    "report_held_message",
    "without_locked_cases",
]
