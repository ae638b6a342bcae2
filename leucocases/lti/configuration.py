"""What an LMS administrator pastes into the LMS to register LeucoCases as a tool."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from .models import SCOPE_LINEITEM, SCOPE_SCORE

SCOPES = (
    SCOPE_LINEITEM,
    SCOPE_SCORE,
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)


@dataclass(frozen=True, slots=True)
class Setting:
    label: str
    value: str
    note: str = ""


def tool_configuration(*, base_url: str, registration_uuid: str | None = None) -> list[Setting]:
    """The tool's URLs under ``base_url`` (scheme and host the LMS reaches us at)."""
    base = base_url.rstrip("/")
    login = reverse("lti:login_for", kwargs={"registration_uuid": registration_uuid}) if registration_uuid else None
    return [
        Setting("Tool URL / target link URI", base + reverse("lti:launch")),
        Setting(
            "Initiate login URL",
            base + (login or reverse("lti:login")),
            "" if login else "Per platform: /lti/login/<registration UUID>/ works even when the LMS omits client_id.",
        ),
        Setting("Redirect URI(s)", base + reverse("lti:launch")),
        Setting("Public keyset URL (JWKS)", base + reverse("lti:jwks")),
        Setting("Deep linking URL (content selection)", base + reverse("lti:launch")),
        Setting("Services / scopes", " ".join(SCOPES), "Assignment and Grade Services, Names and Role Provisioning."),
        Setting("Privacy", "Share the launcher's name and e-mail (optional); roles are required."),
    ]
