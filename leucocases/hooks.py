"""A tiny callback registry: how a lower app tells a higher one that something happened.

Layers import one way (DESIGN §4): cases and quizzes must not import the apps
above them that act on a submission (grade passback to an LMS, learning
records). So the lower app owns a ``Hook`` and fires it; the higher app
connects a callback in its ``AppConfig.ready()``. Callbacks run through
``transaction.on_commit``: they see committed rows only, run once the
transaction that stored the report succeeded, and (``robust``) a failing
callback is logged without undoing or failing the learner's request.

Not a model signal: nothing fires from ``save()``; the service functions that
make the change fire the hook explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction


class Hook[E]:
    """Callbacks taking one event object, called after the current transaction commits."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[[E], None]] = []

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._callbacks)} callback(s)>"

    def connect(self, callback: Callable[[E], None]) -> None:
        """Register ``callback``; registering the same one twice keeps one."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[E], None]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def fire_on_commit(self, event: E) -> None:
        """Call every callback with ``event`` once the current transaction commits
        (at once outside a transaction). Each callback separately: one failing
        does not stop the others."""
        for callback in list(self._callbacks):
            transaction.on_commit(partial(callback, event), robust=True)
