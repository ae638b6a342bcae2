"""What apps above cases plug into it: rules that cases applies without importing them.

Layers import one way (DESIGN §4): quizzes sits above cases, yet quiz rules
change what cases does. A quiz's case attempt is played only in its quiz and
takes no answer once the quiz's time is up; an exam locks its cases, and holds
back their reports until the learner has finished it. So cases owns this small
interface, and a higher app subclasses ``CasePolicy`` and registers it in its
``AppConfig.ready()`` (quizzes: ``quizzes.policy.QuizPolicy``). With nothing
registered every attempt is a practice attempt, always open, and every case
and report is visible: cases works on its own.

The filtering rules return ``Q`` objects, so the pages apply them inside the
queries they already run: no page adds a query per case or per attempt.
Where each is applied: ``Attempt.objects.practice()`` and
``attempts.attempt_choose_step`` / ``attempt_submit`` (attempts),
``visibility`` (cases and reports), ``views`` (the report page), the case
admin (``practice_flag_problems``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest, HttpResponse

    from .models import Attempt, Case


class AttemptClosed(ValidationError):
    """An attempt that accepts no choice or submission now (its quiz's time is up).

    Callers that must react (the quiz runner finishes the quiz) catch it by
    type. It stays a ``ValidationError`` (with the code its policy gives), so
    whoever shows validation errors shows its message too.
    """


@dataclass(frozen=True, slots=True)
class CaseHold:
    """Where a learner goes instead of a case they may not open now, and why
    (the exam they are taking, which includes the case)."""

    url: str
    message: str


class CasePolicy:
    """The rules a higher app adds; each default is "no rule". Subclass, override
    what applies, and register an instance with ``register_policy``."""

    #: Relations to fetch along with an attempt (``select_related``) so that the
    #: per-attempt rules below read them without a query of their own.
    attempt_related: tuple[str, ...] = ()
    #: What the report page says when ``visible_reports`` holds a report back.
    report_held_message: str = "This report is not available yet."

    def practice_attempts(self) -> Q:
        """Attempts that are the learner's own practice, on ``Attempt``: not
        played inside something of the higher app (a quiz)."""
        return Q()

    def check_accepts_answers(self, attempt: Attempt, *, now: datetime) -> None:
        """Raise ``AttemptClosed`` if ``attempt`` takes no choice or submission now."""

    def locked_cases(self, *, now: datetime) -> Q | None:
        """Cases nobody may play outside the higher app now, on ``Case`` (None: none)."""
        return None

    def visible_reports(self, *, user: Any, now: datetime) -> Q:
        """Of ``user``'s submitted attempts, on ``Attempt``: those whose report
        and score they may see now."""
        return Q()

    def case_hold(self, *, case: Case, user: Any) -> CaseHold | None:
        """Where to send ``user`` instead of ``case`` (None: they may open it)."""
        return None

    def case_holds(self, *, user: Any, now: datetime) -> QuerySet | None:
        """What ``case_hold`` reads, as a subquery for the play page's one
        learner-state query (``learner_state``): the pks of what holds ``user``
        away from the case ``OuterRef("pk")``, first first (None: nothing can)."""
        return None

    def case_hold_for(self, pk: int) -> CaseHold:
        """The hold that ``case_holds`` named by ``pk``."""
        raise NotImplementedError

    def report_gate(self, request: HttpRequest, attempt: Attempt) -> HttpResponse | None:
        """The response to send instead of ``attempt``'s report page, if any."""
        return None

    def report_context(self, attempt: Attempt) -> dict[str, Any]:
        """What the report page shows besides the report (a quiz's progress)."""
        return {}

    def practice_case_problems(self, *, case: Case) -> list[ValidationError]:
        """Why saved ``case`` may not be made a practice case (it is in an exam)."""
        return []


_policies: list[CasePolicy] = []


def register_policy(policy: CasePolicy) -> None:
    """Add ``policy``; registering one of the same class again replaces it."""
    _policies[:] = [p for p in _policies if type(p) is not type(policy)]
    _policies.append(policy)


def registered_policies() -> tuple[CasePolicy, ...]:
    return tuple(_policies)


def attempt_related() -> tuple[str, ...]:
    return tuple(name for policy in _policies for name in policy.attempt_related)


def practice_attempts() -> Q:
    return _all(policy.practice_attempts() for policy in _policies)


def check_accepts_answers(attempt: Attempt, *, now: datetime) -> None:
    for policy in _policies:
        policy.check_accepts_answers(attempt, now=now)


def locked_cases(*, now: datetime) -> Q | None:
    """Every policy's locked cases together (None: no policy locks any)."""
    rules = [rule for policy in _policies if (rule := policy.locked_cases(now=now)) is not None]
    if not rules:
        return None
    combined = rules[0]
    for rule in rules[1:]:
        combined |= rule
    return combined


def visible_reports(*, user: Any, now: datetime) -> Q:
    return _all(policy.visible_reports(user=user, now=now) for policy in _policies)


def practice_flag_problems(*, case: Case, is_practice: bool) -> list[ValidationError]:
    """Why ``case`` may not be marked a practice case (the case admin's check)."""
    if not is_practice or case.pk is None:
        return []
    return [problem for policy in _policies for problem in policy.practice_case_problems(case=case)]


def _all(rules: Any) -> Q:
    combined = Q()
    for rule in rules:
        combined &= rule
    return combined


__all__ = [
    "AttemptClosed",
    "CaseHold",
    "CasePolicy",
    "attempt_related",
    "check_accepts_answers",
    "locked_cases",
    "practice_attempts",
    "practice_flag_problems",
    "register_policy",
    "registered_policies",
    "visible_reports",
]
