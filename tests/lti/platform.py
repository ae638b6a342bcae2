"""A test LMS: lti1p3platform signs its launches and deep-linking requests and
checks the tool's answers; ``responses`` serves its key set, token, line-item,
score and roster endpoints to the tool's HTTP client.

    platform = TestPlatform()
    platform.register()                     # the LMS registered in LeucoCases (admin's job)
    with platform.serving():                # its HTTP endpoints answer the tool
        response = launch(client, platform, sub="learner-1", roles=LEARNER, custom={"case": slug})
    platform.scores                          # every score the tool posted, in order
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses
from django.test import Client
from jwcrypto.jwk import JWK
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti_tool.models import LtiDeployment, LtiRegistration

LEARNER = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
INSTRUCTOR = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]


def rsa_pem_pair() -> tuple[str, str]:
    key = JWK.generate(kty="RSA", size=2048)
    return key.export_to_pem(private_key=True, password=None).decode(), key.export_to_pem().decode()


class _Conf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self._registration


class _Preflight(Request):
    """What the tool sent the platform's auth endpoint (nonce, state, redirect_uri, client_id)."""

    def build_metadata(self, request: dict[str, str]) -> dict[str, Any]:
        return {"method": "GET", "form_data": {}, "get_data": request, "headers": {}, "content_type": None,
                "path": "/auth", "json": None}  # fmt: skip


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return launch_data


@dataclass
class TestPlatform:
    __test__ = False  # not a test class, whatever its name

    issuer: str = "https://lms.example.edu"
    client_id: str = "leucocases-client-1"
    deployment_id: str = "deployment-1"
    course_id: str = "course-101"
    #: 500 answers the score endpoint gives before it accepts scores.
    score_failures: int = 0
    scores: list[dict[str, Any]] = field(default_factory=list)
    score_attempts: int = 0
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: list[dict[str, Any]] = field(default_factory=list)
    tokens_issued: int = 0

    def __post_init__(self) -> None:
        self.private_key, self.public_key = rsa_pem_pair()
        self.registration = self._registration(self.client_id)
        self.conf = _Conf(registration=self.registration)

    # --- where things are ------------------------------------------------------------
    @property
    def keyset_url(self) -> str:
        return f"{self.issuer}/jwks"

    @property
    def auth_url(self) -> str:
        return f"{self.issuer}/auth"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    @property
    def lineitems_url(self) -> str:
        return f"{self.issuer}/courses/{self.course_id}/lineitems"

    @property
    def memberships_url(self) -> str:
        return f"{self.issuer}/courses/{self.course_id}/memberships"

    def line_item_url(self, n: int) -> str:
        return f"{self.lineitems_url}/{n}"

    def _registration(self, client_id: str, private_key: str | None = None) -> Registration:
        return (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(client_id)
            .set_deployment_id(self.deployment_id)
            .set_platform_public_key(self.public_key)
            .set_platform_private_key(private_key or self.private_key)
            .set_tool_key_set_url("https://testserver/lti/jwks/")
        )

    # --- registered in LeucoCases ----------------------------------------------------------
    def register(self, *, active_deployment: bool = True) -> LtiRegistration:
        registration = LtiRegistration.objects.create(
            name="Test LMS",
            issuer=self.issuer,
            client_id=self.client_id,
            auth_url=self.auth_url,
            token_url=self.token_url,
            keyset_url=self.keyset_url,
        )
        LtiDeployment.objects.create(
            registration=registration, deployment_id=self.deployment_id, is_active=active_deployment
        )
        return registration

    # --- signing launches ------------------------------------------------------------------
    def id_token(
        self,
        preflight: dict[str, str],
        *,
        sub: str,
        roles: list[str],
        resource_link: str = "link-1",
        custom: dict[str, str] | None = None,
        line_item: str | None = None,
        ags: bool = True,
        deep_link_return: str | None = None,
        client_id: str | None = None,
        deployment_id: str | None = None,
        expires_in: int = 300,
        signing_key: str | None = None,
        name: tuple[str, str] = ("Ada", "Learner"),
    ) -> str:
        """An id_token for the tool's preflight request, signed by lti1p3platform."""
        registration = self._registration(client_id or self.client_id, signing_key)
        if deployment_id:
            registration.set_deployment_id(deployment_id)
        if deep_link_return:
            registration.set_deeplink_launch_url(preflight["redirect_uri"])
        registration.set_launch_url(preflight["redirect_uri"])
        launch = _Launch(
            _Preflight({**preflight, "client_id": client_id or self.client_id}), _Conf(registration=registration)
        )
        launch.set_id_token_expiration(expires_in)
        launch.set_user_data(sub, roles, full_name=" ".join(name), email_address=f"{sub}@example.edu")
        launch.set_extra_claims({"given_name": name[0], "family_name": name[1]})
        launch.set_launch_context_claim(
            self.course_id,
            ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
            "Haematology 101",
            "HAEM101",
        )
        if deep_link_return:
            launch.set_dl(deep_link_return, title="Add content", accept_types={"ltiResourceLink"})
        else:
            launch.set_resource_link_claim(resource_link, title="LeucoCases activity")
            if custom:
                launch.set_custom_parameters_claim(custom)
            if ags:
                launch.set_ags(self.lineitems_url, line_item)
        launch.set_nrps(self.memberships_url)
        launch.set_launch_presentation_claim("iframe", return_url=f"{self.issuer}/courses/{self.course_id}")
        return launch.lti_launch()["id_token"]

    def validate_deep_link_response(self, jwt_value: str) -> list[dict[str, Any]]:
        """The content items of the tool's deep-linking answer, checked by lti1p3platform (signature included)."""
        return self._tool_conf().validate_deeplinking_resp({"JWT": jwt_value})

    # --- serving its endpoints to the tool -----------------------------------------------------
    @contextlib.contextmanager
    def serving(self, tool_jwks: dict[str, Any] | None = None):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            mock.add_passthru("http://127.0.0.1")
            mock.add_passthru("https://localhost")
            mock.add(responses.GET, self.keyset_url, json={"keys": self.registration.get_jwks()})
            mock.add_callback(responses.POST, self.token_url, callback=self._token)
            mock.add_callback(
                responses.POST, re.compile(re.escape(self.lineitems_url) + r"/\d+/scores"), callback=self._score
            )
            mock.add_callback(responses.POST, self.lineitems_url, callback=self._create_line_item)
            mock.add_callback(
                responses.GET, re.compile(re.escape(self.lineitems_url) + r"(\?.*)?$"), callback=self._line_items
            )
            mock.add_callback(
                responses.GET, re.compile(re.escape(self.memberships_url) + r"(\?.*)?$"), callback=self._roster
            )
            self.mock = mock
            yield mock

    def _tool_conf(self) -> _Conf:
        from django.test import Client as _Client

        keys = json.loads(_Client().get("/lti/jwks/").content)
        conf = _Conf(registration=self._registration(self.client_id))
        conf.get_registration().set_tool_key_set(keys)
        return conf

    def _token(self, request) -> tuple[int, dict, str]:
        form = dict(parse_qsl(request.body))
        grant = self._tool_conf().get_access_token(form)  # checks the tool's signed client assertion
        self.tokens_issued += 1
        return 200, {}, json.dumps(grant)

    def _authorised(self, request, scopes: list[str]) -> bool:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return bool(token) and self.conf.validate_token(token, scopes)

    def _score(self, request) -> tuple[int, dict, str]:
        self.score_attempts += 1
        if not self._authorised(request, ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]):
            return 401, {}, "{}"
        if self.score_failures > 0:
            self.score_failures -= 1
            return 500, {}, '{"error": "gradebook unavailable"}'
        score = json.loads(request.body)
        score["line_item"] = request.url.rsplit("/scores", 1)[0]
        self.scores.append(score)
        return 200, {}, "{}"

    def _create_line_item(self, request) -> tuple[int, dict, str]:
        if not self._authorised(request, ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"]):
            return 401, {}, "{}"
        item = json.loads(request.body)
        item["id"] = self.line_item_url(len(self.line_items) + 1)
        self.line_items[item["id"]] = item
        return 201, {}, json.dumps(item)

    def _line_items(self, request) -> tuple[int, dict, str]:
        return 200, {}, json.dumps(list(self.line_items.values()))

    def _roster(self, request) -> tuple[int, dict, str]:
        if not self._authorised(request, ["https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"]):
            return 401, {}, "{}"
        body = {"id": self.memberships_url, "context": {"id": self.course_id}, "members": self.members}
        return 200, {}, json.dumps(body)


def login_params(platform: TestPlatform, **extra: str) -> dict[str, str]:
    return {
        "iss": platform.issuer,
        "login_hint": extra.pop("login_hint", "opaque-user"),
        "target_link_uri": "https://testserver/lti/launch/",
        "lti_message_hint": "message-" + uuid.uuid4().hex[:8],
        "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id,
        **extra,
    }


def login(client: Client, platform: TestPlatform) -> dict[str, str]:
    """Initiate login as the LMS would (in a new window: straight redirect); the auth request's parameters."""
    response = client.get("/lti/login/", {**login_params(platform), "lti1p3_new_window": "1"}, secure=True)
    assert response.status_code == 302, response.content
    location = urlsplit(response["Location"])
    assert location.geturl().startswith(platform.auth_url)
    return dict(parse_qsl(location.query))


def launch(client: Client, platform: TestPlatform, **claims: Any):
    """A whole launch: login initiation, the platform's signed id_token, the POST to the tool."""
    preflight = login(client, platform)
    token = platform.id_token(preflight, **claims)
    return client.post(preflight["redirect_uri"], {"id_token": token, "state": preflight["state"]}, secure=True)
