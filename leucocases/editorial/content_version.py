"""The content version, and each worker's memory of what is derived from content.

Pages rebuild, on every request, things that change only when an author edits
teaching content: a cause page's body, the case list's cards, a case's
presentation. Each worker keeps those in its own memory (``remember``) under
the *content version*: a random token in the shared cache (Redis), which every
content write deletes. An edit therefore shows on the next request on every
app server, for the price of one Redis read per request.

Writes. Each content app names its models in ``ready()`` (``watch``): every
save, delete and many-to-many change of one deletes the token at once, and
again when the transaction commits. The second time matters: a reader that
took a fresh token between the write and the commit saw the rows as they
were, and kept them under that token. Writes that send no signal
(``bulk_create``, ``QuerySet.update``) call ``content_changed()``; a loader
that writes thousands of rows wraps them in ``bulk_writes()``, which holds the
per-row bumps and bumps once at the end.

Reads. ``current()`` is the token, read once per request (``request_started``
starts a request without one). It is None when the shared cache cannot be
asked (Redis down, or hung: the circuit breaker in ``leucocases.rediscache``
then answers at once): nothing is kept or reused while it is, so every page is
built from the database: correct, only slower.

Losing a bump. A bump that cannot reach Redis is retried before this process
next reads the version, and a worker that finds Redis unavailable forgets what
it kept (an edit may have happened meanwhile). Whatever still slips through (a
process that dies with a bump pending) lasts ``MAX_AGE_SECONDS`` at most: no
entry is reused longer than that, whatever the version.

The token never repeats (a flushed or restarted Redis starts a new one), so a
worker can never mistake old entries for current ones. Without a shared cache
in production (no ``REDIS_URL``, several workers) there is no version to
share, and ``CONTENT_VERSION_CACHE`` is empty: nothing is kept.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

KEY = "content-version:v1"
#: No kept entry is reused for longer than this, whatever the version (a bump lost for good).
MAX_AGE_SECONDS = 300
#: Entries a worker keeps, least recently used dropped first (cause pages are ~20 KB each).
MAX_ENTRIES = 2000

#: ``_local.version`` outside a request: the version is read afresh at each call.
_NOT_IN_REQUEST = object()
#: ``_local.version`` in a request that has not asked for it yet.
_UNREAD = object()
_local = threading.local()
_pending_bump = threading.Event()
_watched: set[type[models.Model]] = set()


def _shared_cache():
    alias = getattr(settings, "CONTENT_VERSION_CACHE", "default")
    return caches[alias] if alias else None


def _new_token() -> str:
    return secrets.token_hex(16)


def _read() -> str | None:
    """The shared token, made if there is none; None if the shared cache cannot be asked."""
    cache = _shared_cache()
    if cache is None:
        return None
    if _pending_bump.is_set() and not _delete_token():
        return _unavailable()
    token = cache.get(KEY)
    if token is not None:
        return token
    token = _new_token()
    # django-redis answers None (not True or False) when Redis could not be asked.
    added = cache.add(KEY, token, timeout=None)
    if added is None:
        return _unavailable()
    return token if added else cache.get(KEY)


def _unavailable() -> None:
    """Redis cannot be asked: forget what was kept, since an edit may be made meanwhile."""
    _worker_memo.clear()


def current() -> str | None:
    """The content version for this request (None: keep nothing)."""
    version = getattr(_local, "version", _NOT_IN_REQUEST)
    if version is _NOT_IN_REQUEST:
        return _read()
    if version is _UNREAD:
        version = _local.version = _read()
    return version


def _start_request(**_kwargs: Any) -> None:
    _local.version = _UNREAD


def _end_request(**_kwargs: Any) -> None:
    _local.__dict__.pop("version", None)


request_started.connect(_start_request, dispatch_uid="content-version-request-started")
request_finished.connect(_end_request, dispatch_uid="content-version-request-finished")


# Writes ----------------------------------------------------------------------


def _delete_token() -> bool:
    """Delete the shared token; False (and the bump left pending) if Redis could not be asked."""
    cache = _shared_cache()
    if cache is None:
        return True
    # django-redis answers None when Redis could not be asked; every cache answers a bool otherwise.
    if cache.delete(KEY) is None:
        _pending_bump.set()
        return False
    _pending_bump.clear()
    return True


def _bump_now() -> None:
    _delete_token()
    # The rest of this request keeps nothing: it may go on to read what it just wrote.
    if getattr(_local, "version", _NOT_IN_REQUEST) is not _NOT_IN_REQUEST:
        _local.version = None


def content_changed(*, using: str | None = None) -> None:
    """Content was written: every worker rebuilds what it kept, now and after the commit."""
    if getattr(_local, "held", 0):
        return
    _bump_now()
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    # One bump per transaction is enough (a rolled-back savepoint drops its callbacks, and
    # then the next write registers one again). ``run_on_commit`` holds (savepoints, func, robust).
    if not any(entry[1] is _bump_now for entry in connection.run_on_commit):
        transaction.on_commit(_bump_now, using=using)


@contextmanager
def bulk_writes(*, using: str | None = None) -> Iterator[None]:
    """Hold the per-row bumps of a bulk load and bump once when it ends (even if it fails:
    what it wrote before a failure outside a transaction stays written)."""
    _local.held = getattr(_local, "held", 0) + 1
    try:
        yield
    finally:
        _local.held -= 1
        if not _local.held:
            content_changed(using=using)


def _on_write(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("action", "post_").startswith("post_"):
        content_changed(using=kwargs.get("using"))


def watch(*watched: type[models.Model]) -> None:
    """Bump the version on every save, delete and many-to-many change of these models."""
    for model in watched:
        label = model._meta.label
        post_save.connect(_on_write, sender=model, weak=False, dispatch_uid=f"content-version-save-{label}")
        post_delete.connect(_on_write, sender=model, weak=False, dispatch_uid=f"content-version-delete-{label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _on_write, sender=through, weak=False, dispatch_uid=f"content-version-m2m-{through._meta.label}"
            )
        _watched.add(model)


def watched_models() -> frozenset[type[models.Model]]:
    return frozenset(_watched)


# What each worker keeps -------------------------------------------------------


class WorkerMemo:
    """Objects derived from content, kept in this worker's memory under one content version."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE_SECONDS):
        self.max_entries = max_entries
        self.max_age = max_age
        self._lock = threading.Lock()
        self._version: str | None = None
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """What ``build()`` returns, built once per content version (every time while there is none)."""
        version = current()
        if version is None:
            return build()
        now = time.monotonic()
        with self._lock:
            if self._version != version:
                self._entries.clear()
                self._version = version
            kept = self._entries.get(key)
            if kept is not None and now - kept[0] < self.max_age:
                self._entries.move_to_end(key)
                return kept[1]
        value = build()
        with self._lock:
            if self._version == version:
                self._entries[key] = (now, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version = None

    def __len__(self) -> int:
        return len(self._entries)


_worker_memo = WorkerMemo()


def worker_memo() -> WorkerMemo:
    return _worker_memo


def remember(key: Hashable, build: Callable[[], Any]) -> Any:
    """``build()``, kept by this worker until content changes. ``key`` names what is
    built and everything it depends on besides content (a slug, an audience)."""
    return _worker_memo.get(key, build)


@contextmanager
def worker(memo: WorkerMemo) -> Iterator[WorkerMemo]:
    """Serve with ``memo`` as this process's memory: how tests play two app servers."""
    global _worker_memo
    previous, _worker_memo = _worker_memo, memo
    try:
        yield memo
    finally:
        _worker_memo = previous
