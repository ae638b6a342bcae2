"""An attempt's row lock, with what the policies read of it, in one statement compiled once per worker.

Every choice and every submission locks its attempt first (``attempts``), and
reads with it what the higher apps' rules need (a quiz's case attempt: its
quiz attempt and quiz, ``policies.attempt_related``). Built with
``select_related``, Django compiled that three-join statement on every request:
a fifth of a choice's time. Here the same columns are read through
``preparedsql.PreparedQuery`` (compiled once, run with the attempt's id), and
the objects are made from the row as ``select_related`` would make them: the
attempt, each related object (None where there is none), each cached on its
parent, so reading them costs no query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet

from leucocases.preparedsql import PreparedQuery

from . import policies
from .models import Attempt

__all__ = ["ATTEMPT_FIELDS", "locked_attempt"]

#: Every column of the attempt, read so that the attempt is whole (nothing deferred).
ATTEMPT_FIELDS = tuple(field.attname for field in Attempt._meta.concrete_fields)


@dataclass(frozen=True)
class _Related:
    """One object the lock reads along a path: ``path``'s object, cached on ``parent``'s."""

    path: str
    parent: str  # "" for the attempt
    field: Any  # the forward relation or the reverse one-to-one it is reached by
    model: type[models.Model]
    columns: tuple[str, ...]


def _related(paths: Sequence[str]) -> tuple[_Related, ...]:
    found: dict[str, _Related] = {}
    for path in paths:
        model: type[models.Model] = Attempt
        parts = path.split("__")
        for depth, name in enumerate(parts):
            field = model._meta.get_field(name)
            model = field.related_model
            prefix = "__".join(parts[: depth + 1])
            if prefix not in found:
                columns = tuple(f.attname for f in model._meta.concrete_fields)
                found[prefix] = _Related(prefix, "__".join(parts[:depth]), field, model, columns)
    return tuple(found.values())


def _columns(related: tuple[_Related, ...]) -> list[str]:
    return [*ATTEMPT_FIELDS, *(f"{r.path}__{column}" for r in related for column in r.columns)]


_queries: dict[tuple[str, ...], tuple[tuple[_Related, ...], PreparedQuery]] = {}


def _query(paths: tuple[str, ...]) -> tuple[tuple[_Related, ...], PreparedQuery]:
    if paths not in _queries:
        related = _related(paths)
        columns = _columns(related)

        def build(*, attempt_id: int) -> QuerySet:
            # Lock the attempt's row only (``of``): joining the case and what the
            # policies read (a quiz attempt) must not lock them too, or every learner
            # submitting the same case would queue behind each other, and a quiz
            # finishing (which locks the quiz attempt first) could deadlock with a choice.
            return Attempt.objects.select_for_update(of=("self",)).filter(pk=attempt_id).values_list(*columns)

        _queries[paths] = (related, PreparedQuery(build, attempt_id=int))
    return _queries[paths]


def locked_attempt(attempt_id: int, *, related: Sequence[str] = ()) -> Attempt:
    """Lock attempt ``attempt_id`` (inside a transaction) and return it with
    ``related`` and every rule's relations (``policies.attempt_related``)
    cached on it. Raises ``Attempt.DoesNotExist`` when there is no such attempt."""
    paths = tuple(dict.fromkeys((*related, *policies.attempt_related())))
    levels, query = _query(paths)
    rows = query.rows(attempt_id=attempt_id)
    if not rows:
        raise Attempt.DoesNotExist(f"No attempt {attempt_id}.")
    row = rows[0]
    attempt = Attempt.from_db("default", ATTEMPT_FIELDS, row[: len(ATTEMPT_FIELDS)])
    made: dict[str, models.Model | None] = {"": attempt}
    start = len(ATTEMPT_FIELDS)
    for level in levels:
        values = row[start : start + len(level.columns)]
        start += len(level.columns)
        parent = made[level.parent]
        if parent is None:
            made[level.path] = None
            continue
        pk = values[level.columns.index(level.model._meta.pk.attname)]
        obj = None if pk is None else level.model.from_db("default", level.columns, values)
        made[level.path] = obj
        # A forward relation or a reverse one-to-one: either caches on the parent under its name,
        # and a one-to-one's object knows its parent too, as select_related leaves them.
        level.field.set_cached_value(parent, obj)
        if obj is not None and level.field.one_to_one:
            level.field.remote_field.set_cached_value(obj, parent)
    return attempt
