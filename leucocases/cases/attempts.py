"""Playing a case: start or resume an attempt, choose steps, submit, claim.

Every write a learner's attempt goes through lives here, as keyword-only
functions named ``<thing>_<action>``. Views only read input, call these, and
render. Nothing here returns any part of the answer key before submission.

An attempt played inside something of a higher app (a quiz's case attempt)
is never picked up by the practice look-ups here (``Attempt.objects.practice()``),
and the higher app's rules say when it stops taking answers: choosing or
submitting then raises ``policies.AttemptClosed``, whoever calls (the quiz
runner then finishes the quiz attempt).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from leucocases.preparedsql import PreparedQuery
from leucocases.taxonomy.models import Cause, WorkupStep

from . import differentials, hooks, policies
from .attempt_lock import locked_attempt
from .checkpoint_forms import CheckpointAnswer
from .keys import grade_path
from .models import Attempt, Case, Choice, GradedReport
from .selectors import Pick

logger = logging.getLogger(__name__)

#: Session key listing the attempts this browser started before logging in.
#: Login cycles the session key but keeps the session's data, so these ids are
#: how the attempts find their way to the account (see attempts_claim_for_user).
ANON_ATTEMPTS_SESSION_KEY = "anon_attempt_ids"


def attempt_find_open(
    *, case: Case, user: AbstractBaseUser | AnonymousUser | None, session_key: str | None
) -> Attempt | None:
    """The learner's open attempt on ``case``, without creating one.

    Reading a case must not write: crawlers and readers who only look would
    otherwise fill the attempts table. The first choice starts the attempt.
    """
    return Attempt.objects.owned_by(user=user, session_key=session_key).open().practice().filter(case=case).first()


def attempt_start_or_resume(
    *, case: Case, user: AbstractBaseUser | AnonymousUser | None, session: SessionBase
) -> Attempt:
    """Return the learner's open attempt on ``case``, starting one if needed.

    A logged-in learner's attempts belong to the account; an anonymous
    visitor's to the session, which is created here if the visitor has none.
    A quiz's case attempt is never resumed here: it is played in the quiz.
    """
    signed_in = user is not None and user.is_authenticated
    if not signed_in and not session.session_key:
        session.save()
    attempt = attempt_find_open(case=case, user=user, session_key=session.session_key)
    return attempt or attempt_start(case=case, user=user, session=session)


def attempt_start(*, case: Case, user: AbstractBaseUser | AnonymousUser | None, session: SessionBase) -> Attempt:
    """Start a practice attempt on ``case`` (the caller found none open: ``attempt_find_open``,
    or the play page's ``learner_state``)."""
    if user is not None and user.is_authenticated:
        return Attempt.objects.create(case=case, user=user, case_version=case.version)
    if not session.session_key:
        session.save()
    attempt = Attempt.objects.create(case=case, session_key=session.session_key, case_version=case.version)
    ids = [int(i) for i in session.get(ANON_ATTEMPTS_SESSION_KEY, [])]
    session[ANON_ATTEMPTS_SESSION_KEY] = [*ids, attempt.pk]
    return attempt


@dataclass(frozen=True, slots=True)
class ChoiceOutcome:
    """The stored choice, and whether this call made it (False: chosen before);
    ``picks``: every choice of the attempt now, in order (``selectors.Pick``)."""

    choice: Choice
    created: bool
    picks: tuple[Pick, ...] = ()


def attempt_choose_step(*, attempt: Attempt, step: WorkupStep, position: int | None = None) -> ChoiceOutcome:
    """Store ``step`` as the attempt's next choice, at once, exactly once.

    An entry may be chosen again: the new choice records its ``occurrence``
    (1 + how many times the attempt chose the entry before), which is what the
    key grades and what the play page shows.

    ``position`` is where the learner's page put the next choice (the choose
    form's hidden field), which makes a replayed request harmless: when that
    position already holds this same entry (a double click, a resent form),
    nothing is stored and the earlier choice is returned (``created=False``);
    when it holds another entry, or lies beyond the next free one, the page
    was out of date (another tab chose meanwhile) and a ``ValidationError``
    (code ``stale_position``) says so, storing nothing. Without ``position``
    (scripts, tests) the entry is simply appended.

    A submitted attempt refuses any choice with a ``ValidationError`` (code
    ``attempt_submitted``); one a higher app's rule closed (a quiz's case
    attempt past the quiz's deadline) with ``policies.AttemptClosed``.
    """
    with transaction.atomic():
        # The row lock serialises two choices racing on one attempt (PostgreSQL),
        # so the position check and the insert below see every earlier choice;
        # the unique constraints are the backstop everywhere.
        # No case: a choice never reads it, and its wide row was a tenth of every choice's time.
        locked = locked_attempt(attempt.pk)
        policies.check_accepts_answers(locked, now=timezone.now())
        if locked.is_submitted:
            raise ValidationError(
                "This attempt has been submitted; no more steps can be ordered.", code="attempt_submitted"
            )
        # The choices as they stand, read after the row lock is held, in a statement of its own: on
        # PostgreSQL a statement sees what was committed when it began, so choices read in the same
        # statement that waited for the lock would miss those of the request that held it (and the
        # next position would collide). One query for the count and the occurrence.
        picks = _stored_picks(locked)
        last = picks[-1][0] if picks else 0
        if position is not None and position != last + 1:
            return ChoiceOutcome(choice=_replayed_choice(locked, step, position), created=False, picks=picks)
        occurrence = 1 + sum(1 for _, step_id, _ in picks if step_id == step.pk)
        try:
            # The savepoint is for SQLite, which takes no row lock: there a racing request
            # can take the position first, and the savepoint lets us answer with its choice.
            # On PostgreSQL the row lock rules that out, so its two round trips are skipped.
            with transaction.atomic(savepoint=connection.vendor != "postgresql"):
                choice = Choice.objects.create(attempt=locked, step=step, position=last + 1, occurrence=occurrence)
        except IntegrityError:
            # Only where the row lock does not hold (SQLite): another request took the position first.
            replayed = _replayed_choice(locked, step, last + 1)
            return ChoiceOutcome(choice=replayed, created=False, picks=_stored_picks(locked))
    return ChoiceOutcome(choice=choice, created=True, picks=(*picks, (choice.position, step.pk, occurrence)))


# Compiled once per worker: every choice a learner makes reads its attempt's picks.
_PICKS = PreparedQuery(
    lambda attempt_id: Choice.objects.filter(attempt_id=attempt_id).values_list("position", "step_id", "occurrence"),
    attempt_id=int,
)


def _stored_picks(attempt: Attempt) -> tuple[Pick, ...]:
    return tuple(_PICKS.rows(attempt_id=attempt.pk))


def _replayed_choice(attempt: Attempt, step: WorkupStep, position: int) -> Choice:
    """The choice stored at ``position`` if it is ``step`` (the request is a
    replay); otherwise the requesting page was out of date."""
    taken = Choice.objects.filter(attempt=attempt, position=position).select_related("step").first()
    if taken is not None and taken.step_id == step.pk:
        return taken
    raise ValidationError(
        "The page was out of date: more steps had been ordered since it was shown.",
        code="stale_position",
        params={"position": position},
    )


def _hold_key(case: Case) -> tuple[int, datetime]:
    """Keep the case's key from changing until this transaction ends, and
    return the case row's edition (``version``, ``updated_at``) as it stands
    under the lock (``keys.grade_path``: which kept key may grade).

    A share lock on the case row: submissions of one case do not wait for each
    other, but a key edit (the admin and the importer update the case row
    before its key rows) waits for the submissions in flight, which graded with
    the old key, to be stored. Without it a regrade run right after the edit
    could miss a submission still in flight, which then kept a report from the
    old key. PostgreSQL only: SQLite runs one writer at a time anyway, and
    its transaction reads the case row and the key from one snapshot.
    """
    if connection.vendor != "postgresql":
        return case.version, case.updated_at
    with connection.cursor() as cursor:
        table = Case._meta.db_table
        cursor.execute(f"SELECT version, updated_at FROM {table} WHERE id = %s FOR SHARE", [case.pk])  # noqa: S608
        version, updated_at = cursor.fetchone()
    return version, updated_at


def attempt_submit(
    *,
    attempt: Attempt,
    diagnosis: Cause | None,
    certainty: str = "",
    final_checkpoint: CheckpointAnswer | None = None,
    even_if_closed: bool = False,
) -> GradedReport:
    """Grade the attempt and store its report, exactly once, with the
    ``certainty`` the learner stated (blank: none; never part of the score)
    and, in a case that keys a differential, the comparison of the learner's
    (``final_checkpoint`` and the one saved after the presentation) with the
    expert's (``differentials``).

    A second submission (a double click, a replayed form) changes nothing and
    returns the report stored by the first. Raises ``InvalidKeyError`` when the
    case's key cannot be graded; nothing is stored then.

    An attempt a higher app's rule closed (a quiz's case attempt past the
    quiz's deadline) is refused (``policies.AttemptClosed``) unless
    ``even_if_closed``: the quiz app passes that when time is up, to grade the
    attempt as it stands (``diagnosis=None``).
    """
    with transaction.atomic():
        locked = locked_attempt(attempt.pk, related=("case",))
        if locked.is_submitted:
            return _current_report(locked)
        if not even_if_closed:
            policies.check_accepts_answers(locked, now=timezone.now())
        edition = _hold_key(locked.case)
        step_slugs = list(locked.choices.order_by("position").values_list("step__slug", flat=True))
        report = grade_path(
            case=locked.case,
            step_slugs=step_slugs,
            diagnosis_slug=None if diagnosis is None else diagnosis.slug,
            edition=edition,
        )
        try:
            # No savepoint on PostgreSQL: the attempt's row lock, taken before is_submitted was
            # read, already keeps a second report out (as for a choice, above).
            with transaction.atomic(savepoint=connection.vendor != "postgresql"):
                graded = GradedReport.objects.create(
                    attempt=locked, case_version=locked.case.version, **GradedReport.columns_for(report)
                )
        except IntegrityError:
            # one_current_report_per_attempt: another request stored it first.
            return _current_report(locked)
        locked.diagnosis = diagnosis
        locked.certainty = certainty
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["diagnosis", "certainty", "submitted_at"])
        differentials.differential_report_store(attempt=locked, final=final_checkpoint)
        hooks.report_stored.fire_on_commit(hooks.ReportStored(locked.pk, graded.pk, hooks.SUBMISSION))
    attempt.diagnosis = locked.diagnosis
    attempt.certainty = locked.certainty
    attempt.submitted_at = locked.submitted_at
    return graded


def _current_report(attempt: Attempt) -> GradedReport:
    return GradedReport.objects.get(attempt=attempt, superseded_at__isnull=True)


def attempt_current_report(*, attempt: Attempt) -> GradedReport | None:
    """The report the learner sees: the one not superseded by a regrade."""
    return GradedReport.objects.filter(attempt=attempt, superseded_at__isnull=True).first()


# --------------------------------------------------------------------------
# Anonymous attempts follow the visitor into their account
# --------------------------------------------------------------------------


def attempts_claim_for_user(*, session_key: str | None, user: AbstractBaseUser, attempt_ids: Iterable[int] = ()) -> int:
    """Move anonymous attempts to ``user``; return how many moved.

    Claims attempts that have no user and either were listed in the session
    (``attempt_ids``, which survive the session-key change at login) or still
    carry ``session_key``. Another account's attempts are never touched.
    Fires ``hooks.attempts_claimed`` with the attempts moved (spaced practice
    then reviews the submitted ones as if the learner had been logged in);
    an attempt claimed already is not moved, so a second login fires nothing.
    """
    conditions = []
    ids = [int(i) for i in attempt_ids]
    if ids:
        conditions.append(Q(pk__in=ids))
    if session_key:
        conditions.append(Q(session_key=session_key))
    if not conditions:
        return 0
    match = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
    with transaction.atomic():
        # Locked, so a second login racing this one cannot move the same attempts too.
        moved = list(Attempt.objects.select_for_update().filter(match, user__isnull=True).values_list("pk", flat=True))
        if not moved:
            return 0
        Attempt.objects.filter(pk__in=moved).update(user=user, session_key="")
        hooks.attempts_claimed.fire_on_commit(hooks.AttemptsClaimed(user.pk, tuple(moved)))
    return len(moved)


def attempts_claim_on_login(sender: Any, request: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the one hook auth offers for this."""
    if request is None or not hasattr(request, "session"):
        return
    session = request.session
    ids = session.get(ANON_ATTEMPTS_SESSION_KEY, [])
    claimed = attempts_claim_for_user(session_key=session.session_key, user=user, attempt_ids=ids)
    if ANON_ATTEMPTS_SESSION_KEY in session:
        del session[ANON_ATTEMPTS_SESSION_KEY]
    if claimed:
        logger.info("Moved %s anonymous attempt(s) to user %s on login", claimed, user.pk)
