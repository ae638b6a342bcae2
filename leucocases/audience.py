"""Who the visitor says they are ("Which best describes you?"), read from a cookie.

A core module, below every app: the page cache keys cached pages on it
(``pagecache``) and must not import an app; editorial's context processor and
footer form, and sign-up (accounts), read it from here too.
"""

from __future__ import annotations

from django.http import HttpRequest

AUDIENCES = (
    ("student", "Medical student"),
    ("resident", "Resident"),
    ("clinician", "Clinician"),
)
AUDIENCE_COOKIE = "audience"
DEFAULT_AUDIENCE = "student"


def current_audience(request: HttpRequest) -> str:
    value = request.COOKIES.get(AUDIENCE_COOKIE, DEFAULT_AUDIENCE)
    return value if value in dict(AUDIENCES) else DEFAULT_AUDIENCE
