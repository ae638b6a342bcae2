"""Sessions in the database (Django's engine), each read by one prepared statement.

Every signed-in page, and every page of a visitor part-way through a case,
reads its session first. Django's engine builds and compiles that query on
every request (about 0.4 ms of the 0.5 it cost); here it is compiled once per
worker and its plan kept by PostgreSQL (``preparedsql``): 0.15 ms. The table,
the cookie and what is stored are Django's, so sessions carry over both ways.

A signed-in session is read with its account's row, in one statement, once the
worker has seen whose it is (``account_rows``): one round trip where there
were two.

Sessions written before accounts were read by ``security.AccountBackend``
name Django's ``ModelBackend``; they are read as naming ``AccountBackend``
(what is stored is not rewritten), so nobody is logged out by the change.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from leucocases import account_rows
from leucocases.preparedsql import PreparedQuery

#: The backend path sessions stored before ``security.AccountBackend``, and the one it stands for.
LEGACY_BACKEND = "django.contrib.auth.backends.ModelBackend"
ACCOUNT_BACKEND = "leucocases.security.AccountBackend"


def _live(*, session_key: str, now: datetime):
    return account_rows.live_sessions(session_key=session_key, now=now).values_list("session_data", "expire_date")


_LIVE = PreparedQuery(_live, session_key=str, now=datetime)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        account_rows.offer(None, None)
        now = timezone.now()
        account = account_rows.account_of_session(self.session_key) if self.session_key else None
        if account is not None and (
            both := account_rows.ACCOUNT_WITH_SESSION.rows(pk=account, session_key=self.session_key, now=now)
        ):
            *row, data, expire_date = both[0]
            if data is None:  # the session ended (logged out, expired): the account is not needed
                self._session_key = None
                return None
            account_rows.offer(account, tuple(row))
            return Session(session_key=self.session_key, session_data=data, expire_date=expire_date)
        # The worker has not seen this session signed in, or its account is gone.
        rows = _LIVE.rows(session_key=self.session_key, now=now)
        if not rows:
            self._session_key = None
            return None
        data, expire_date = rows[0]
        return Session(session_key=self.session_key, session_data=data, expire_date=expire_date)

    def load(self):
        data = super().load()
        if data.get(BACKEND_SESSION_KEY) == LEGACY_BACKEND:
            data[BACKEND_SESSION_KEY] = ACCOUNT_BACKEND
        if self.session_key and (account := _account_pk(data.get(SESSION_KEY))) is not None:
            account_rows.remember_account_of_session(self.session_key, account)
        return data


def _account_pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
