"""Letting an LMS show LeucoCases in its frame, and nowhere else.

Everywhere the site sends ``frame-ancestors 'none'`` and ``X-Frame-Options:
DENY``, with Lax cookies. An LMS shows a tool in an iframe on its own origin,
so for LTI only:

- responses under ``/lti/`` (login initiation, launch, deep linking, the
  instructor's activity pages) may be framed by the registered platforms;
- a session that began with an LTI launch may be framed by the platform that
  launched it (its origins are stored in the session at launch), and its
  session and CSRF cookies become ``SameSite=None; Secure`` so the browser
  sends them inside that cross-site frame (only over HTTPS: browsers refuse
  ``SameSite=None`` without ``Secure``), and ``Partitioned``, which browsers
  that block third-party cookies require (the cookie is then kept for that
  LMS's site only). The login's state cookie gets the same treatment.

The rest of the Content-Security-Policy is left exactly as the CSP middleware
built it; other requests pass through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import cookies as http_cookies
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP

# Browsers that block third-party cookies still keep a partitioned one (CHIPS:
# kept per top-level site) in a cross-site frame. Python's cookie jar learns
# the Partitioned attribute only in 3.14; teach it the same way before that.
if "partitioned" not in http_cookies.Morsel._reserved:  # pragma: no cover - Python < 3.14
    http_cookies.Morsel._reserved["partitioned"] = "Partitioned"
    http_cookies.Morsel._flags.add("partitioned")

#: Session key of an LTI launch: {"registration": pk, "frame_origins": [...], ...}.
SESSION_KEY = "leucocases_lti"
LTI_PATH_PREFIX = "/lti/"


def launch_session(request: HttpRequest) -> dict[str, Any] | None:
    """The LTI launch this request's session came from, without touching a session-less request."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and not getattr(request, "_lti_session_started", False):
        return None
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    return value if isinstance(value, dict) else None


def registered_frame_origins() -> list[str]:
    """Every active platform's frame origins (for /lti/ pages reached before a launch succeeded)."""
    from lti_tool.models import LtiRegistration

    from .models import PlatformSettings

    origins: set[str] = set()
    for registration in LtiRegistration.objects.active().select_related("leucocases_settings"):
        try:
            platform_settings = registration.leucocases_settings
        except PlatformSettings.DoesNotExist:
            platform_settings = None
        origins.update(frame_origins_of(registration, platform_settings))
    return sorted(origins)


def frame_origins_of(registration: Any, platform_settings: Any | None) -> list[str]:
    """The origins that may frame the tool for one platform: as configured, else issuer's and auth URL's."""
    from .models import origin_of

    configured = [] if platform_settings is None else platform_settings.frame_origins.splitlines()
    listed = [origin_of(line) for line in configured if line.strip()]
    if not any(listed):
        listed = [origin_of(registration.issuer), origin_of(registration.auth_url)]
    return sorted({origin for origin in listed if origin})


def with_frame_ancestors(policy: str, sources: Iterable[str]) -> str:
    """``policy`` with its frame-ancestors directive replaced; every other directive kept as it was."""
    sources = list(sources) or [CSP.NONE]
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    kept = [d for d in directives if d.split()[0].lower() != "frame-ancestors"]
    return "; ".join([*kept, "frame-ancestors " + " ".join(sources)])


class LtiFrameMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        launched = launch_session(request)
        if launched is not None:
            origins = [o for o in launched.get("frame_origins", []) if isinstance(o, str)]
            self._allow_framing(response, origins)
        elif request.path.startswith(LTI_PATH_PREFIX):
            self._allow_framing(response, registered_frame_origins())
        if request.is_secure() and (launched is not None or request.path.startswith(LTI_PATH_PREFIX)):
            self._cross_site_cookies(response, session_cookies=launched is not None)
        return response

    @staticmethod
    def _allow_framing(response: HttpResponse, origins: list[str]) -> None:
        if not origins:
            return
        header = str(CSP.HEADER_ENFORCE)
        if header in response:
            response[header] = with_frame_ancestors(response[header], origins)
        # frame-ancestors is the modern control; X-Frame-Options cannot name an origin.
        if "X-Frame-Options" in response:
            del response["X-Frame-Options"]

    @staticmethod
    def _cross_site_cookies(response: HttpResponse, *, session_cookies: bool) -> None:
        """Cookies already cross-site (the login's state) become partitioned; in an LTI
        session the session and CSRF cookies become cross-site and partitioned too."""
        ours = {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME} if session_cookies else set()
        for name, morsel in response.cookies.items():
            if not morsel.value or (name not in ours and str(morsel["samesite"]).lower() != "none"):
                continue
            morsel["samesite"] = "None"
            morsel["secure"] = True
            morsel["partitioned"] = True
