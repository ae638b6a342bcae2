"""The signed-in account's row, read with the session when the worker knows whose it is.

Every signed-in request reads its session, then its account: two round trips
to the database, each a few tenths of a millisecond in which a sync worker's
core waits. A session's account does not change while its key lives (Django
gives a session a new key at every login), so each worker remembers which
account a session key held. The next time it sees that key, the session
engine (``sessions.py``) reads the account's row in the same statement as the
session, and ``security.AccountBackend`` takes it from here instead of reading
it again.

What is taken is never older than the request: the row was read in this
request's own session read (``offer`` forgets any earlier one first, and so
does the start of every request), it is handed out once, and only for the
account the session names (a wrong guess is read the usual way). The session
hash and ``is_active`` are checked on it as on any other read, so a password
change or a deactivation ends the session on its next request, as before.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from datetime import datetime
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.signals import request_started
from django.db.models import QuerySet, Subquery

from leucocases.preparedsql import PreparedQuery

#: How many session keys each worker remembers the account of (a few MB at most).
REMEMBERED_SESSIONS = 20_000


@cache
def account_fields() -> tuple[str, ...]:
    return tuple(field.attname for field in get_user_model()._meta.concrete_fields)


def _account(*, pk: int):
    return get_user_model()._default_manager.filter(pk=pk).values_list(*account_fields())


def live_sessions(*, session_key: str, now: datetime) -> QuerySet[Session]:
    """The session ``session_key`` if it has not expired by ``now`` (the session engine reads it too)."""
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


def _account_with_session(*, pk: int, session_key: str, now: datetime):
    live = live_sessions(session_key=session_key, now=now)
    return (
        get_user_model()
        ._default_manager.filter(pk=pk)
        .annotate(
            live_session_data=Subquery(live.values("session_data")[:1]),
            live_expire_date=Subquery(live.values("expire_date")[:1]),
        )
        .values_list(*account_fields(), "live_session_data", "live_expire_date")
    )


#: The account alone, by primary key.
ACCOUNT = PreparedQuery(_account, pk=int)
#: The account a session held before and the session if it is still live (its two
#: columns are None when it is not): no row when the account is gone.
ACCOUNT_WITH_SESSION = PreparedQuery(_account_with_session, pk=int, session_key=str, now=datetime)

_offered: ContextVar[tuple[int, tuple] | None] = ContextVar("offered_account", default=None)
_accounts_of_sessions: dict[str, int] = {}
_lock = threading.Lock()


def account_of_session(session_key: str) -> int | None:
    """The account this worker last saw ``session_key`` signed in as."""
    return _accounts_of_sessions.get(session_key)


def remember_account_of_session(session_key: str, pk: int) -> None:
    # Every signed-in request lands here: the common case (already known) takes no lock.
    if _accounts_of_sessions.get(session_key) == pk:
        return
    with _lock:
        if _accounts_of_sessions.get(session_key) == pk:
            return
        if len(_accounts_of_sessions) >= REMEMBERED_SESSIONS:
            del _accounts_of_sessions[next(iter(_accounts_of_sessions))]
        _accounts_of_sessions[session_key] = pk


def offer(pk: int | None, row: tuple | None) -> None:
    """What this request's session read found of account ``pk`` (None: nothing)."""
    _offered.set(None if pk is None or row is None else (pk, row))


def take(pk: int) -> tuple | None:
    """Account ``pk``'s row if this request's session read has it; handed out once."""
    offered = _offered.get()
    if offered is None or offered[0] != pk:
        return None
    _offered.set(None)
    return offered[1]


def _forget_offer(**kwargs) -> None:
    _offered.set(None)


request_started.connect(_forget_offer, dispatch_uid="account_rows.forget_offer")
