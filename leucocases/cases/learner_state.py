"""What the play page and a choice need to know about the learner, read in one query.

A play page used to ask, one query each: is the learner taking an exam that
holds this case (``policies``), does an exam in force lock it (``visibility``),
which practice attempt of theirs is open, which earlier attempt's report may
they read, what have they chosen, what did they write at the first checkpoint.
Each answer is one scalar subquery of a single statement on the case's row,
built through every registered rule and compiled once per worker
(``visibility.prepared``), so a page costs one query for all of them, however
many attempts and choices the learner has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, JSONField, OuterRef, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils import timezone

from leucocases.preparedsql import PreparedQuery

from . import policies, visibility
from .attempt_lock import ATTEMPT_FIELDS
from .models import Attempt, AttemptCheckpoint, Case
from .selectors import Pick, parse_picks, picks_column

__all__ = ["LearnerState", "PastAttempt", "attempt_state", "learner_state"]

PRESENTATION = "presentation"


@dataclass(frozen=True, slots=True)
class PastAttempt:
    """An earlier attempt whose report the learner may read (the play page links to it)."""

    pk: int

    def get_absolute_url(self) -> str:
        return reverse("cases:report", kwargs={"pk": self.pk})


@dataclass(frozen=True)
class LearnerState:
    #: An exam in force locks the case: nobody plays it outside that exam.
    locked: bool = False
    #: Where a rule sends this learner instead (the exam they are taking).
    hold: policies.CaseHold | None = None
    #: Their open practice attempt on the case, or the one their form named.
    attempt: Attempt | None = None
    #: Their latest submitted attempt on it whose report they may read now.
    previous: PastAttempt | None = None
    picks: tuple[Pick, ...] = ()
    #: What they wrote at the presentation checkpoint (None: nothing yet).
    checkpoint: AttemptCheckpoint | None = None


def _checkpoint_columns(attempt_id: Any) -> dict[str, Any]:
    saved = AttemptCheckpoint.objects.filter(attempt_id=attempt_id, name=PRESENTATION)
    return {
        "s_checkpoint_summary": Subquery(saved.values("summary")[:1]),
        "s_checkpoint_causes": Subquery(saved.values("causes")[:1], output_field=JSONField()),
    }


def _state(
    *, case_id: int, now: datetime, user_id=None, session_key=None, attempt_id=None, page: bool = True
) -> QuerySet:
    """The state query; without ``page``, only what a choice needs (the lock, the
    hold, the attempt), not what the page shows besides (choices, checkpoint,
    earlier report): those subqueries were most of the statement's plan."""
    user = get_user_model()(pk=user_id) if user_id is not None else None
    locked = policies.locked_cases(now=now)
    columns: dict[str, Any] = {
        "s_locked": Value(False) if locked is None else Exists(Case.objects.filter(locked, pk=OuterRef("pk"))),
    }
    if user_id is not None or session_key is not None:

        def attempts(case: Any) -> QuerySet[Attempt]:
            owned = Attempt.objects.owned_by(user=user, session_key=session_key).practice().filter(case=case)
            # Default order: the latest open attempt first, as ``attempts.attempt_find_open``.
            return owned.open() if attempt_id is None else owned.filter(pk=attempt_id)

        found = attempts(OuterRef("pk"))
        columns |= {f"s_attempt_{name}": Subquery(found.values(name)[:1]) for name in ATTEMPT_FIELDS}
        if not page:
            return _with_holds(columns, case_id=case_id, user=user, now=now)
        chosen_id = Subquery(attempts(OuterRef(OuterRef("pk"))).values("pk")[:1])
        columns["s_picks"] = picks_column(chosen_id)
        columns |= _checkpoint_columns(chosen_id)
        visible = visibility.attempts_with_visible_reports(user=user, session_key=session_key, now=now)
        columns["s_previous"] = Subquery(visible.filter(case=OuterRef("pk")).order_by("-submitted_at").values("pk")[:1])
        return _with_holds(columns, case_id=case_id, user=user, now=now)
    return Case.objects.filter(pk=case_id).annotate(**columns).values_list(*columns)


def _with_holds(columns: dict[str, Any], *, case_id: int, user: Any, now: datetime) -> QuerySet:
    for index, policy in enumerate(policies.registered_policies()):
        if (holds := policy.case_holds(user=user, now=now)) is not None:
            columns[f"s_hold_{index}"] = Subquery(holds[:1])
    return Case.objects.filter(pk=case_id).annotate(**columns).values_list(*columns)


# One prepared statement per shape: with the open attempt, or the one a form named.
def _open_state(**values: Any) -> QuerySet:
    return _state(**values)


def _posted_state(**values: Any) -> QuerySet:
    return _state(**values)


def _chosen_state(**values: Any) -> QuerySet:
    return _state(**values, page=False)


def _checkpoint(attempt: Attempt | None, summary: str | None, causes: Any) -> AttemptCheckpoint | None:
    if attempt is None or summary is None:
        return None
    return AttemptCheckpoint(attempt=attempt, name=PRESENTATION, summary=summary, causes=causes or [])


_columns: dict[tuple, list[str]] = {}


def learner_state(
    *, case: Case, user: Any, session_key: str | None, attempt_id: int | None = None, page: bool = True
) -> LearnerState:
    """The learner's state on ``case``: their open practice attempt, or with
    ``attempt_id`` the practice attempt of theirs a form named (submitted or
    not; None if it is not theirs). One query. With ``attempt_id`` and not
    ``page`` (a choice, which reads its picks under the attempt's lock), the
    state holds no picks, checkpoint or earlier report."""
    signed_in = bool(user is not None and user.is_authenticated)
    owner = {"user_id": user.pk} if signed_in else {"session_key": session_key} if session_key else {}
    kind = signed_in if owner else None
    build, slots = _open_state, {"case_id": int}
    values: dict[str, Any] = {"case_id": case.pk, "now": timezone.now(), **owner}
    if owner and attempt_id is not None:
        build = _posted_state if page else _chosen_state
        slots["attempt_id"], values["attempt_id"] = int, attempt_id
    key = (build, kind, tuple(type(policy) for policy in policies.registered_policies()))
    if key not in _columns:
        _columns[key] = list(build(**values)._fields)  # values_list's column names, in order
    (row,) = visibility.prepared(build, signed_in=kind, **slots).rows(**values)
    return _state_from_row(dict(zip(_columns[key], row, strict=True)), case=case)


def _state_from_row(row: dict[str, Any], *, case: Case) -> LearnerState:
    attempt = None
    if row.get("s_attempt_id") is not None:
        attempt = Attempt.from_db("default", ATTEMPT_FIELDS, [row[f"s_attempt_{name}"] for name in ATTEMPT_FIELDS])
        attempt.case = case
    hold = None
    for index, policy in enumerate(policies.registered_policies()):
        if (pk := row.get(f"s_hold_{index}")) is not None:
            hold = policy.case_hold_for(pk)
            break
    previous = row.get("s_previous")
    return LearnerState(
        locked=bool(row["s_locked"]),
        hold=hold,
        attempt=attempt,
        previous=None if previous is None else PastAttempt(previous),
        picks=parse_picks(row.get("s_picks")) if attempt is not None else (),
        checkpoint=_checkpoint(attempt, row.get("s_checkpoint_summary"), row.get("s_checkpoint_causes")),
    )


def _attempt_columns(*, attempt_id: int) -> QuerySet:
    columns = {"s_picks": picks_column(OuterRef("pk")), **_checkpoint_columns(OuterRef("pk"))}
    return Attempt.objects.filter(pk=attempt_id).annotate(**columns).values_list(*columns)


_attempt_query = PreparedQuery(_attempt_columns, attempt_id=int)


def attempt_state(*, attempt: Attempt) -> tuple[tuple[Pick, ...], AttemptCheckpoint | None]:
    """A known attempt's choices and presentation checkpoint (the quiz runner's page). One query."""
    rows = _attempt_query.rows(attempt_id=attempt.pk)
    picks, summary, causes = rows[0] if rows else (None, None, None)
    return parse_picks(picks), _checkpoint(attempt, summary, causes)
