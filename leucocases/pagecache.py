"""Reader pages for visitors without a session, served from the cache (Redis).

A cause page renders in tens of milliseconds; a bare Django view answers in
well under one. Most traffic on the reader pages comes from visitors who are
not logged in and have not started a case, and every one of them is sent the
same page, so ``AnonymousPageCacheMiddleware`` keeps the rendered page for
``PAGE_CACHE_SECONDS`` (production: 60 s, ``DJANGO_PAGE_CACHE_SECONDS``) and
serves it again without running the view.

Only safe pages are cached: GET/HEAD of the URL names in ``CACHED_URL_NAMES``,
for a request carrying no session or messages cookie, answered 200 with HTML
by a view that set no cookie but the CSRF one. Anything tied to a person
(a session, a logged-in user, a message) bypasses the cache both ways.

Pages carry CSRF tokens (the footer's audience form, htmx's header). A token
is a per-visitor secret masked at random, so a cached page cannot hand one
visitor's token to the next: the stored page keeps gaps where its tokens
were, and each visitor gets a fresh token of their own secret
(``get_token``), with the CSRF cookie set by ``CsrfViewMiddleware`` as usual.
Editors' changes show within ``PAGE_CACHE_SECONDS``; staff preview logged in,
which never uses the cache.

Entries live in the default cache (Redis), shared by every app server; each
worker also keeps the entries it serves in its own memory for a few seconds
(the "pages" cache), which roughly halves the cost of a hit.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.urls import Resolver404, resolve

from leucocases.audience import current_audience

#: The pages worth caching: the same for every visitor without a session.
CACHED_URL_NAMES = frozenset(
    {
        "home",
        "editorial:policy",
        "editorial:disclaimer",
        "taxonomy:causes",
        "taxonomy:cause",
        "taxonomy:topic",
        "taxonomy:references",
        "taxonomy:workup_steps",
        "taxonomy:workup_step",
        "cases:list",
    }
)
#: Query parameters those pages read (filters); a request with any other is not cached,
#: so junk query strings cannot fill the cache with copies of a page.
CACHED_QUERY_PARAMETERS = frozenset({"mechanism", "label", "difficulty", "page"})
#: How long a worker keeps its own copy of a shared entry (the "pages" cache, in
#: process memory): a Redis round trip is half of what a hit costs.
LOCAL_SECONDS = 5
_TOKEN_CANDIDATE = re.compile(rf"(?<![A-Za-z0-9])[A-Za-z0-9]{{{2 * CSRF_SECRET_LENGTH}}}(?![A-Za-z0-9])")
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options", "Content-Security-Policy")


def _unmask(token: str) -> str:
    mask, cipher = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    chars = CSRF_ALLOWED_CHARS
    return "".join(chars[chars.index(c) - chars.index(m)] for c, m in zip(cipher, mask, strict=True))


def split_on_tokens(body: str, secret: str) -> list[str]:
    """``body`` cut at every CSRF token masked from ``secret``: N tokens give N+1 pieces."""
    pieces, start = [], 0
    for match in _TOKEN_CANDIDATE.finditer(body):
        if _unmask(match.group()) == secret:
            pieces.append(body[start : match.start()])
            start = match.end()
    pieces.append(body[start:])
    return pieces


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
        key = self._key(request) if seconds > 0 else None
        if key is None:
            return self.get_response(request)
        stored = self._get(key)
        if stored is not None:
            return self._replay(request, stored)
        response = self.get_response(request)
        entry = self._entry(request, response) if request.method == "GET" else None
        if entry is not None:
            entry["expires_at"] = time.time() + seconds
            cache.set(key, entry, seconds)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _get(key: str) -> dict | None:
        """The worker's own copy if it has one, else the shared (Redis) one, copied
        locally for at most ``LOCAL_SECONDS`` and never past the shared entry's expiry,
        so an edit still shows within ``PAGE_CACHE_SECONDS`` on every app server."""
        local = caches["pages"]
        stored = local.get(key)
        if stored is None:
            stored = cache.get(key)
            if stored is not None:
                remaining = stored.get("expires_at", 0) - time.time()
                if remaining >= 1:
                    local.set(key, stored, min(LOCAL_SECONDS, int(remaining)))
        return stored

    @staticmethod
    def _key(request: HttpRequest) -> str | None:
        if request.method not in ("GET", "HEAD"):
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name not in CACHED_URL_NAMES or not set(request.GET) <= CACHED_QUERY_PARAMETERS:
            return None
        # What else changes the page: htmx fragments, the audience choice, the host.
        variant = "\n".join(
            [
                request.get_host(),
                request.get_full_path(),
                request.headers.get("HX-Request", ""),
                current_audience(request),
            ]
        )
        return "pagecache:v1:" + hashlib.sha256(variant.encode()).hexdigest()

    @staticmethod
    def _entry(request: HttpRequest, response: HttpResponse) -> dict | None:
        if (
            response.status_code != 200
            or response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or "private" in response.get("Cache-Control", "")
            or "no-store" in response.get("Cache-Control", "")
            or any(name != settings.CSRF_COOKIE_NAME for name in response.cookies)
            or getattr(request, "user", None) is None
            or request.user.is_authenticated
        ):
            return None
        body = response.content.decode(response.charset)
        secret = request.META.get("CSRF_COOKIE")
        pieces = split_on_tokens(body, secret) if secret else [body]
        headers = {name: response[name] for name in _KEPT_HEADERS if name in response}
        return {"pieces": pieces, "headers": headers, "charset": response.charset}

    @staticmethod
    def _replay(request: HttpRequest, stored: dict) -> HttpResponse:
        pieces = stored["pieces"]
        # One fresh mask of this visitor's own secret fills every gap, as a rendered page
        # does: Django's csrf context processor masks once per render, not per tag.
        token = get_token(request) if len(pieces) > 1 else ""
        response = HttpResponse(token.join(pieces), charset=stored["charset"])
        for name, value in stored["headers"].items():
            response[name] = value
        response["X-Page-Cache"] = "hit"
        return response
