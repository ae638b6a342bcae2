"""Races for the PostgreSQL tests (tests/concurrency/ and the race tests of tests/cases/test_services.py):
callables run in threads released at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def run_together(work: list[Callable[[], object]]) -> list[object]:
    """Run each callable in its own thread, all released at once; re-raise the first error."""
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)
    errors: list[BaseException] = []

    def runner(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results
