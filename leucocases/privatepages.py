"""``Cache-Control: private, no-store`` on every page that belongs to someone.

A page rendered for a request that carries a session (a signed-in learner or
instructor, or a visitor part-way through a practice case) can show a report,
a dashboard, quiz results or the admin. Browsers keep pages in their cache and
back-forward history, and shared proxies may keep them too, so a shared
computer or a misconfigured proxy could show one learner's page to the next.
These responses are marked never to be stored anywhere. Reader pages for
visitors without a session stay cacheable (leucocases/pagecache.py serves them).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Looked at after the view, so a session it started (a first choice) counts too.
        # ``is_empty`` reads no session data: no query, no "Vary: Cookie" for anonymous readers.
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            patch_cache_control(response, private=True, no_store=True)
        return response
