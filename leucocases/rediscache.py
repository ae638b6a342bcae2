"""The Redis cache backend, behind a circuit breaker.

Redis only caches here (pages for visitors without a session, peer
statistics, the content version); sessions live in PostgreSQL. django-redis already turns
a Redis that is down into cache misses (``IGNORE_EXCEPTIONS``), but a Redis that
*hangs* (paused, swapping, a network path that drops packets) costs every cache
call its full socket time-out, several per request. So every call goes through
one circuit breaker per process and Redis server (pybreaker): the first call
that fails opens it, and for ``BREAKER_RESET_SECONDS`` every cache call is a
miss without touching the network. Then one trial call goes through: if Redis
answers, the cache is back in use; if not, the breaker opens again.

pybreaker holds its lock for the length of a call, so a worker's threads make
their Redis calls one at a time (each takes well under a millisecond). That is
also what keeps a hang to one time-out per worker: the threads queued behind
the call that times out find the breaker open when their turn comes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pybreaker
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger(__name__)

#: The client methods that talk to Redis: the ones RedisCache wraps to ignore
#: connection errors (``_get`` calls the client's ``get``). ``close`` is left out:
#: Django calls it after every request and it does no network I/O, so counting it
#: as a success would close a half-open breaker without Redis having answered.
GUARDED_METHODS = frozenset(
    name.removeprefix("_") for name, member in vars(RedisCache).items() if hasattr(member, "__wrapped__")
) - {"close"}

_breakers: dict[str, pybreaker.CircuitBreaker] = {}
_breakers_lock = threading.Lock()


class _LogStateChanges(pybreaker.CircuitBreakerListener):
    """One log line when the cache is switched off and one when it is back: what an operator sees."""

    def state_change(self, cb, old_state, new_state) -> None:
        if new_state.name == pybreaker.STATE_OPEN:
            logger.warning(
                "Redis at %s did not answer: cache calls skipped for %s s (pages are rendered, not cached)",
                cb.name,
                cb.reset_timeout,
            )
        elif new_state.name == pybreaker.STATE_CLOSED and old_state is not None:
            logger.warning("Redis at %s answers again: cache back in use", cb.name)


def _is_redis_failure(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionInterrupted)


def breaker_for(location: str, *, reset_seconds: float) -> pybreaker.CircuitBreaker:
    """The process's breaker for the Redis server at ``location``, shared by every thread.

    Django makes a cache backend per thread, so the breaker cannot live on the backend.
    """
    with _breakers_lock:
        breaker = _breakers.get(location)
        if breaker is None:
            breaker = pybreaker.CircuitBreaker(
                fail_max=1,
                reset_timeout=reset_seconds,
                # Anything but a connection failure (a missing key for incr, say) means Redis answered.
                exclude=[lambda exc: not _is_redis_failure(exc)],
                listeners=[_LogStateChanges()],
                name=location,
                throw_new_error_on_trip=False,
            )
            _breakers[location] = breaker
        return breaker


class _GuardedClient:
    """The django-redis client, with each Redis call passed through the breaker.

    While the breaker is open a call raises ``ConnectionInterrupted`` at once,
    which RedisCache turns into a miss (or a no-op) as it does for a Redis that is down.
    """

    def __init__(self, client: Any, breaker: pybreaker.CircuitBreaker):
        self._client = client
        self._breaker = breaker

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name not in GUARDED_METHODS:
            return attribute
        return self._guard(attribute)

    def _guard(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return self._breaker.call(method, *args, **kwargs)
            except pybreaker.CircuitBreakerError as exc:
                raise ConnectionInterrupted(connection=None) from exc

        return guarded


class BreakerRedisCache(RedisCache):
    """django-redis's cache with a circuit breaker; ``OPTIONS["BREAKER_RESET_SECONDS"]``
    (default 30) is how long Redis is left alone after a failed call."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self._reset_seconds = float(options.pop("BREAKER_RESET_SECONDS", 30))
        super().__init__(server, {**params, "OPTIONS": options})
        self._guarded: _GuardedClient | None = None

    @property
    def client(self) -> Any:
        if self._guarded is None:
            self._guarded = _GuardedClient(
                RedisCache.client.fget(self), breaker_for(self._server, reset_seconds=self._reset_seconds)
            )
        return self._guarded

    @property
    def breaker(self) -> pybreaker.CircuitBreaker:
        return breaker_for(self._server, reset_seconds=self._reset_seconds)
