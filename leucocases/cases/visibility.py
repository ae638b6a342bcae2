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

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from leucocases.taxonomy.models import Cause
from leucocases.taxonomy.selectors import ReaderCase

from . import policies
from .models import Attempt, Case


def without_locked_cases(cases: QuerySet[Case], *, now: datetime | None = None) -> QuerySet[Case]:
    """``cases`` less those a rule locks now (an exam in force): what may be played outside it."""
    locked = policies.locked_cases(now=now or timezone.now())
    return cases if locked is None else cases.exclude(locked)


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


def reader_cases_for_cause(*, cause: Cause, user: Any, session_key: str | None) -> list[ReaderCase]:
    """The reader's own cases whose full-credit cause is ``cause``, each with
    their latest report they may see (for the cause page; see
    ``taxonomy.selectors.reader_cases_for``). One query."""
    attempts = (
        attempts_with_visible_reports(user=user, session_key=session_key)
        .filter(case__diagnosis_options__cause=cause, case__diagnosis_options__credit=1)
        .select_related("case")
        .order_by("case__title", "case_id", "-submitted_at", "-pk")
    )
    latest: dict[int, Attempt] = {}
    for attempt in attempts:
        latest.setdefault(attempt.case_id, attempt)
    return [
        ReaderCase(title=a.case.title, report_url=a.get_absolute_url(), submitted_at=a.submitted_at)
        for a in latest.values()
    ]


__all__ = [
    "attempts_with_visible_reports",
    "case_hold",
    "case_is_locked",
    "reader_cases_for_cause",
    "report_held_message",
    "without_locked_cases",
]
