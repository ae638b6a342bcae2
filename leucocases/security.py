"""The site's authentication backends: login throttling glue for django-axes, and the accounts.

``AxesBackend`` is axes' standalone backend, except that a call to
``authenticate()`` without a request (``manage.py shell``, the test client's
``login()``) is passed on to the next backend instead of raising: such calls
never come from the web, so there is no address to throttle. Every login form
on the site (ours and the admin's) passes the request, so every web login is
counted.

``AccountBackend`` is Django's ``ModelBackend``, except that it reads the
signed-in account, which every signed-in page does first, with one statement
compiled once per worker and planned once per connection (``preparedsql``):
0.12 ms of CPU where the ORM's ``get`` took 0.4, or with no statement of its own
when the session engine read the row with the session (``account_rows``).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest

from leucocases import account_rows


class AxesBackend(AxesStandaloneBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        pk = int(user_id)
        # Read with the session when the worker knew whose it was (account_rows).
        row = account_rows.take(pk)
        if row is None:
            rows = account_rows.ACCOUNT.rows(pk=pk)
            if not rows:
                return None
            row = rows[0]
        user = get_user_model().from_db(DEFAULT_DB_ALIAS, account_rows.account_fields(), row)
        return user if self.user_can_authenticate(user) else None


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address a login attempt came from, or None when there is none
    (a request built in code, such as the test client's ``force_login``).

    Behind our TLS proxy (``DJANGO_BEHIND_TLS_PROXY=1``) every request reaches
    gunicorn from the proxy's address, so the client's is the last entry of
    ``X-Forwarded-For``: the one our proxy appended. Entries before it were
    sent by the client and could be forged to dodge the lockout.
    """
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if (last := _valid_ip(forwarded[-1])) is not None:
            return last
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


#: The length of axes' username column. Django's login form sets ``maxlength`` on its
#: input but does not enforce it, so a longer username reaches ``authenticate()``.
AXES_USERNAME_LENGTH = 255


def client_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username a login attempt named, as axes records it: what axes itself would
    take (the credentials, else the POSTed form field), cut to the column's length and
    without NUL characters, which PostgreSQL cannot store. Without this, logging in with
    a 300-character username is a server error on PostgreSQL."""
    field = settings.AXES_USERNAME_FORM_FIELD
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(field) if source else None
    if username is None:
        return None
    return str(username).replace("\x00", "")[:AXES_USERNAME_LENGTH]
