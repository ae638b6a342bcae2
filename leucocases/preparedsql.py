"""A queryset's SQL, compiled once per worker and run again with new values.

The learner's own rows on the busiest pages (their reports visible now, their
progress on each case, their attempt on a case) are read through the rules of
several apps: exam locks, quiz attempts, practice attempts. Django builds and
compiles such a query on every request, which cost 3-4 ms of CPU, where
running it costs a few tenths of one. The SQL is the same every time; only the
values differ (the learner, the case, the time).

``PreparedQuery`` keeps what differs apart: its ``build`` function makes the
queryset from keyword values, and the first call builds it twice with two sets
of stand-in values ("slots": an int, a string or a datetime each). The two
compiled statements must be the same text, and their parameters may differ
only where a slot's stand-in stands; later calls put the real values in those
places and run the statement. A query whose SQL text depends on a value (a
slice's LIMIT, a branch taken on the value in Python) or whose parameters are
derived from a value (``now - 1 day``) does not pass that check: it is then
built and run every time, as before (and ``is_prepared`` says so, for the tests).

Python branches on a value (signed in or not) are the caller's: each branch is
its own ``PreparedQuery``. Rows are the queryset's ``values_list`` tuples, with
Django's converters applied, as the queryset would return them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from django.db import connections
from django.db.models import QuerySet

logger = logging.getLogger(__name__)

#: The kinds of value a slot holds.
SLOT_TYPES = (int, str, datetime)
_UNPREPARABLE = object()


@dataclass(frozen=True)
class _Slot:
    """Where a slot's value goes among a statement's parameters."""

    name: str


def _stand_in(kind: type, index: int, variant: int) -> Any:
    """A value no real row holds, distinct for each slot and each of the two builds."""
    n = 2 * index + variant
    if kind is int:
        return -1_000_003 - n
    if kind is str:
        return f"\x1fprepared-slot-{n}"
    if kind is datetime:
        return datetime(1901, 2, 3, tzinfo=UTC) + timedelta(microseconds=1 + n)
    raise TypeError(f"a slot holds one of {SLOT_TYPES}, not {kind}")


class PreparedQuery:
    """``build(**values)``'s SQL, compiled once per database and run with new ``values``."""

    def __init__(self, build: Callable[..., QuerySet], **slots: type):
        self.build = build
        self.slots = slots
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple]:
        if set(values) != set(self.slots):
            raise TypeError(f"values for exactly {sorted(self.slots)} expected, got {sorted(values)}")
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or self._compile(using)
                self._compiled[using] = compiled
        if compiled is _UNPREPARABLE:
            return list(self.build(**values))
        sql, places, converters = compiled
        connection = connections[using]
        params = [self._adapt(connection, values[p.name]) if isinstance(p, _Slot) else p for p in places]
        with _statement_cursor(connection) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return [tuple(row) for row in rows]
        return [_converted(row, converters, connection) for row in rows]

    def is_prepared(self, using: str = "default") -> bool:
        return self._compiled.get(using, _UNPREPARABLE) is not _UNPREPARABLE

    @staticmethod
    def _adapt(connection, value: Any) -> Any:
        # What a lookup on a DateTimeField turns an aware datetime into (a string on SQLite).
        return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value

    def _compile(self, using: str) -> Any:
        connection = connections[using]
        builds = []
        for variant in (0, 1):
            stand_ins = {name: _stand_in(kind, i, variant) for i, (name, kind) in enumerate(self.slots.items())}
            try:
                compiler = self.build(**stand_ins).query.get_compiler(using)
                sql, params = compiler.as_sql()
            except Exception:  # a build that cannot take stand-ins (a negative slice) runs as it is
                logger.warning("%s: cannot take stand-in values; built for every call", self.build.__qualname__)
                return _UNPREPARABLE
            builds.append((stand_ins, compiler, sql, list(params)))
        (first, compiler, sql, params), (second, _, other_sql, other_params) = builds
        places = self._places(connection, first, second, params, other_params) if sql == other_sql else None
        if places is None:
            logger.warning("%s: its SQL depends on its values; built for every call", self.build.__qualname__)
            return _UNPREPARABLE
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        return sql, places, compiler.get_converters(fields)

    def _places(self, connection, first: dict, second: dict, params: list, other_params: list) -> list | None:
        """Each parameter as it is, or the ``_Slot`` whose value goes there; None if
        the two builds' parameters differ anywhere else."""
        if len(params) != len(other_params):
            return None
        places: list[Any] = []
        for value, other in zip(params, other_params, strict=True):
            if value == other:
                places.append(value)
                continue
            name = next(
                (
                    name
                    for name in self.slots
                    if value == self._adapt(connection, first[name]) and other == self._adapt(connection, second[name])
                ),
                None,
            )
            if name is None:
                return None
            places.append(_Slot(name))
        return places


def _statement_cursor(connection):
    """A cursor that, on PostgreSQL, keeps each statement's plan for the connection.

    Django binds values into the SQL text on the client, so PostgreSQL parses
    and plans these statements afresh on every request, and for the learner's
    state on the play page (a dozen subqueries) planning took 2-4 ms where
    running took a few tenths of one. Sent with the values apart and prepared
    (psycopg names the statement and keeps it per connection), the plan is
    made once per connection; after five runs PostgreSQL keeps a generic plan
    and skips planning: 2.9 → 0.6 ms for that query at make bench's scale 100.
    Wrapped as ``connection.cursor()`` wraps its own, so query logging and
    ``execute_wrapper`` still see it. psycopg prepares only where settings.py
    allows it (``DJANGO_DB_PREPARED_STATEMENTS``); elsewhere the values are
    still sent apart, planned each time as before.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor_class()(connection.connection))


@cache
def _preparing_cursor_class() -> type:
    # Imported on first use: the module needs psycopg, which SQLite-only checkouts may lack.
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

    return PreparingCursor


def _converted(row: tuple, converters: dict, connection) -> tuple:
    """``row`` as the queryset would return it (what ``SQLCompiler.apply_converters`` does)."""
    values = list(row)
    for position, (functions, expression) in converters.items():
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return tuple(values)
