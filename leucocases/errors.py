"""Server errors: a friendly 503 when the database is stalled or out of reach.

Web requests run with PostgreSQL ``statement_timeout`` and ``lock_timeout``
(settings.py), so a locked table or a runaway query ends the request within
seconds instead of holding a worker. PostgreSQL then cancels the statement and
the request fails with a database error; Django hands every uncaught exception
to ``handler500`` (this ``server_error``) inside its ``except`` block, so the
exception is at hand here. A time-out, a cancelled query or a connection that
cannot be made is answered 503 with a page that says what happened and to try
again; anything else is the usual 500. Django logs both, with the traceback, as
``Service Unavailable`` or ``Internal Server Error``: that is what an operator sees.

The page is rendered without the request: context processors would ask the
database for the user, which is what just failed.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

#: SQLSTATEs that mean "the database is busy or away", not "this request is wrong":
#: query_canceled (statement_timeout), lock_not_available (lock_timeout),
#: admin_shutdown, crash_shutdown, cannot_connect_now; class 08 is connection exceptions.
UNAVAILABLE_SQLSTATES = frozenset({"57014", "55P03", "57P01", "57P02", "57P03"})
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is the database timing out or out of reach."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - SQLite-only installs
        return False
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, psycopg.OperationalError):
            sqlstate = getattr(exc, "sqlstate", None)
            # No SQLSTATE: the connection itself failed (refused, reset, timed out).
            return sqlstate is None or sqlstate in UNAVAILABLE_SQLSTATES or sqlstate.startswith("08")
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request, template_name)
