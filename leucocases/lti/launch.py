"""Validating LTI 1.3 logins and launches (pylti1p3 via django-lti), with clear refusals.

pylti1p3 does the protocol; this module tightens it where it is loose and
names each way a launch can fail, so the refusal page can say what happened:

- the launch state (nonce, state, launch data) lives in the database
  (``LaunchDatum``), not in the cache or the session;
- the id_token's audience must be this tool's client id for the platform
  (pylti1p3 only compares ``aud[0]``, with PyJWT's audience check off), its
  ``exp`` must be present and in the future;
- a nonce is consumed when the launch is accepted: the same id_token posted
  again (a replay) is refused, where pylti1p3 would accept it again;
- every HTTP call to a platform has a timeout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.http import HttpRequest
from django.utils import timezone
from lti_tool.models import Key, LtiLaunch, LtiRegistration
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage

from .models import LaunchDatum

#: Seconds allowed for a platform's clocks to run ahead or behind ours.
CLOCK_SKEW = 30
#: Seconds a platform gets to answer one HTTP request (key set, token, scores, roster).
HTTP_TIMEOUT = 10


class TimeoutSession(requests.Session):
    """A requests session whose calls time out (pylti1p3 passes no timeout)."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return super().request(*args, **kwargs)


def http_session() -> requests.Session:
    session = TimeoutSession()
    session.headers["User-Agent"] = "LeucoCases-LTI"
    return session


@dataclass(frozen=True, slots=True)
class Refusal:
    title: str
    explanation: str
    status: int = 403


#: Every way a login or launch is refused, by code: what the refusal page says.
REFUSALS: dict[str, Refusal] = {
    "incomplete_login": Refusal(
        "Incomplete login request",
        "The LMS did not send the issuer, login hint and target link a login needs. "
        "Open the activity again from your course.",
        400,
    ),
    "unknown_platform": Refusal(
        "Unknown LMS",
        "No active LMS registration matches this request (issuer and client id). "
        "An administrator registers the LMS under Admin → LTI registrations.",
    ),
    "missing_state": Refusal(
        "This launch cannot be matched to its login",
        "The state that ties the launch to the login that started it is missing. This happens when "
        "the browser blocks cookies inside the course page, or when a launch page is reloaded. "
        "Open the activity again from your course; if it happens again, open it in a new window.",
    ),
    "bad_token": Refusal(
        "Malformed launch",
        "The launch did not carry a well-formed id_token. Open the activity again from your course.",
        400,
    ),
    "replayed_nonce": Refusal(
        "This launch was already used",
        "Each launch from the LMS can be used once, and this one has been (or it is unknown). "
        "Open the activity again from your course.",
    ),
    "wrong_audience": Refusal(
        "This launch was meant for another tool",
        "The launch was addressed to a client id that is not this tool's registration with that LMS.",
    ),
    "bad_signature": Refusal(
        "The launch's signature could not be verified",
        "The launch was not signed by a key the LMS publishes for this registration. "
        "If the LMS rotated its keys recently, try again in a minute; otherwise tell an administrator.",
    ),
    "expired_token": Refusal(
        "This launch has expired",
        "Launches are valid for a few minutes. Open the activity again from your course.",
    ),
    "unknown_deployment": Refusal(
        "This LMS deployment is not activated",
        "The LMS is registered, but this deployment of LeucoCases in it is not active yet. "
        "An administrator activates it under Admin → LTI registrations (it is listed there now).",
    ),
    "unsupported_message": Refusal(
        "Unsupported launch",
        "LeucoCases accepts resource-link and deep-linking launches only.",
        400,
    ),
    "platform_keys": Refusal(
        "The LMS's keys could not be fetched",
        "LeucoCases could not read the LMS's public key set to check the launch. Try again shortly.",
        502,
    ),
}


class LaunchRefused(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    @property
    def refusal(self) -> Refusal:
        return REFUSALS[self.code]


class DatabaseLaunchStorage(LaunchDataStorage[Any]):
    """pylti1p3's launch state in ``LaunchDatum`` rows with expiry dates."""

    def get_session_cookie_name(self) -> None:
        # Keys are random (uuid state, nonce, launch id) and the state cookie
        # binds a launch to the browser; no extra session-id cookie is needed.
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        row = LaunchDatum.objects.filter(key=self._prepare_key(key), expires_at__gt=timezone.now()).first()
        return None if row is None else row.value

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        expires_at = timezone.now() + dt.timedelta(seconds=exp or 86400)
        LaunchDatum.objects.update_or_create(
            key=self._prepare_key(key), defaults={"value": value, "expires_at": expires_at}
        )

    def check_value(self, key: str) -> bool:
        return LaunchDatum.objects.filter(key=self._prepare_key(key), expires_at__gt=timezone.now()).exists()

    def consume(self, key: str) -> bool:
        """Delete ``key``; True if it existed unexpired (this caller got it first)."""
        deleted, _ = LaunchDatum.objects.filter(key=self._prepare_key(key), expires_at__gt=timezone.now()).delete()
        return deleted > 0


def launch_state_prune() -> int:
    """Delete expired launch state; how many rows went."""
    deleted, _ = LaunchDatum.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


class ToolConfig(DjangoToolConfig):
    """django-lti's lookup of registrations and deployments (an unknown deployment
    is recorded inactive, for an administrator to activate)."""


def _refuse_on(code: str):
    """Run a pylti1p3 validation step, turning its LtiException into ``LaunchRefused(code)``."""

    def wrap(step):
        def run(self):
            try:
                return step(self)
            except LaunchRefused:
                raise
            except LtiException as error:
                raise LaunchRefused(code, str(error)) from error

        return run

    return wrap


class ToolMessageLaunch(DjangoMessageLaunch):
    """pylti1p3's message launch with named refusals and the checks it leaves out."""

    @_refuse_on("missing_state")
    def validate_state(self):
        return super().validate_state()

    @_refuse_on("bad_token")
    def validate_jwt_format(self):
        try:
            return super().validate_jwt_format()
        except (ValueError, TypeError, UnicodeError) as error:
            raise LaunchRefused("bad_token", str(error)) from error

    @_refuse_on("replayed_nonce")
    def validate_nonce(self):
        return super().validate_nonce()

    def validate_registration(self):
        try:
            return super().validate_registration()
        except LtiException as error:
            iss = self._get_jwt_body().get("iss")
            known_issuer = isinstance(iss, str) and LtiRegistration.objects.active().filter(issuer=iss).exists()
            raise LaunchRefused("wrong_audience" if known_issuer else "unknown_platform", str(error)) from error

    def validate_jwt_signature(self):
        try:
            public_key, key_alg = self.get_public_key()
        except LtiException as error:
            code = "platform_keys" if "fetch" in str(error) or "Invalid response" in str(error) else "bad_signature"
            raise LaunchRefused(code, str(error)) from error
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[key_alg],
                audience=self._registration.get_client_id(),
                leeway=CLOCK_SKEW,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise LaunchRefused("expired_token", str(error)) from error
        except jwt.InvalidAudienceError as error:
            raise LaunchRefused("wrong_audience", str(error)) from error
        except jwt.InvalidTokenError as error:
            raise LaunchRefused("bad_signature", str(error)) from error
        body = self._get_jwt_body()
        aud = body.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and body.get("azp") != self._registration.get_client_id():
            raise LaunchRefused("wrong_audience", "azp does not name this tool")
        return self

    @_refuse_on("unknown_deployment")
    def validate_deployment(self):
        return super().validate_deployment()

    @_refuse_on("unsupported_message")
    def validate_message(self):
        return super().validate_message()

    def save_launch_data(self):
        # The nonce is spent only now, once everything else checked out: a
        # forged launch cannot burn a real one, and a replay finds it gone.
        nonce = self._get_jwt_body().get("nonce")
        if not self._session_service.data_storage.consume(self._session_service._get_key("nonce", nonce)):
            raise LaunchRefused("replayed_nonce", "nonce already used")
        return super().save_launch_data()


def tool_key_ensure() -> Key:
    """The key the tool signs with (deep-linking answers, service tokens); made on first need."""
    key = Key.objects.active().order_by("-datetime_created").first()
    return key if key is not None else Key.objects.generate()


def launch_validate(request: HttpRequest) -> LtiLaunch:
    """Validate the launch POSTed to the tool: an ``LtiLaunch`` (django-lti), or ``LaunchRefused``."""
    tool_key_ensure()  # django-lti attaches the tool's key to every registration it loads
    message_launch = ToolMessageLaunch(
        request, ToolConfig(), launch_data_storage=DatabaseLaunchStorage(), requests_session=http_session()
    )
    if not request.POST.get("id_token"):
        raise LaunchRefused("missing_state" if not request.POST.get("state") else "bad_token", "no id_token")
    message_launch.validate()
    lti_launch = LtiLaunch(message_launch)
    if not lti_launch.deployment.is_active:
        raise LaunchRefused("unknown_deployment", lti_launch.deployment.deployment_id)
    return lti_launch


def oidc_login(request: HttpRequest, registration_uuid: Any = None) -> DjangoOIDCLogin:
    tool_key_ensure()
    return DjangoOIDCLogin(request, ToolConfig(registration_uuid), launch_data_storage=DatabaseLaunchStorage())
