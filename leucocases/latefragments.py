"""Large fragments shared by every learner, put into a page after it is rendered.

The play page lists every published cause in up to eleven ``<select>``s: the
diagnosis, and five ranked causes at each of the two differential checkpoints.
The options are the same for everyone and are built once per worker
(``taxonomy.diagnosis_menu``), but with a large taxonomy they are most of the
page: 2,100 causes (``make bench``'s scale 100) make 176 KB a list, 2 MB a page.
Passed through the template engine, each copy was joined and copied again at
every level of the page (include, block, extends) and wrapped as safe text
each time: about 16 of the page's 22 ms.

So during a request a widget hands such a fragment to ``defer``, which puts a
short marker in its place; ``LateFragmentsMiddleware``, innermost, swaps each
marker for the fragment's bytes (encoded once per fragment and worker) in one
join. Outside a request (a form rendered in a test or a management command)
``defer`` returns the fragment itself, so nothing else changes.

A marker is an HTML comment carrying a random token drawn when the worker
starts: text from users and authors is escaped or sanitized, so it cannot
contain ``<!--`` at all, let alone the token, and no page text is ever taken
for a marker. A streamed response is written after the middleware has
returned, when ``defer`` writes fragments inline again. A marker
is only an index into the list of the request being served: one kept beyond
its request (in a fragment cached elsewhere) could bring only that request's
own fragment, a list shared by every learner, or nothing; never another
request's.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache

from django.http import HttpRequest, HttpResponse

_TOKEN = secrets.token_hex(8)
_MARKER = re.compile(rb"<!--late-" + _TOKEN.encode() + rb"-(\d+)-->")

#: The fragments deferred by the request being served, in order; None outside a request.
_deferred: ContextVar[list[str] | None] = ContextVar("late_fragments", default=None)


def defer(fragment: str) -> str:
    """``fragment``, or during a request a marker the middleware replaces with it."""
    deferred = _deferred.get()
    if deferred is None:
        return fragment
    deferred.append(fragment)
    return f"<!--late-{_TOKEN}-{len(deferred) - 1}-->"


@lru_cache(maxsize=16)
def _encoded(fragment: str) -> bytes:
    # Keyed by the string itself: a worker's menu is one object per content
    # version, whose hash Python keeps, so a hit costs a dictionary lookup.
    return fragment.encode()


def fill(content: bytes, fragments: list[str]) -> bytes:
    """``content`` with each marker replaced by its fragment (one join)."""
    pieces = _MARKER.split(content)
    # split() alternates text and the captured index: text, index, text, ..., text.
    for i in range(1, len(pieces), 2):
        index = int(pieces[i])
        pieces[i] = _encoded(fragments[index]) if index < len(fragments) else b""
    return b"".join(pieces)


class LateFragmentsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fragments: list[str] = []
        reset = _deferred.set(fragments)
        try:
            response = self.get_response(request)
        finally:
            _deferred.reset(reset)
        if fragments and not response.streaming:
            response.content = fill(response.content, fragments)
        return response
