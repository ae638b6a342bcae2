"""Deep linking: the signed answer that puts picked cases and quizzes into an LMS course.

Each pick becomes an LTI resource link to the tool's launch URL with custom
parameters naming it (``case=<slug>`` or ``quiz=<slug>``, and the score
policy) and a gradebook column (line item, 100 points) that the LMS creates
with the link; its launches then carry that column's URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lti_tool.models import LtiRegistration
from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from leucocases.cases.models import Case
from leucocases.quizzes.models import Quiz

from .grades import LINE_ITEM_MAXIMUM, LINE_ITEM_TAG
from .services import tool_key_ensure


@dataclass(frozen=True, slots=True)
class DeepLinkAnswer:
    return_url: str
    jwt: str


def content_item(*, target: Case | Quiz, policy: str, launch_url: str) -> DeepLinkResource:
    kind = "case" if isinstance(target, Case) else "quiz"
    return (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(target.title)
        .set_custom_params({kind: target.slug, "policy": policy})
        .set_lineitem(
            LineItem()
            .set_score_maximum(LINE_ITEM_MAXIMUM)
            .set_label(target.title[:255])
            .set_resource_id(f"{kind}:{target.slug}")
            .set_tag(LINE_ITEM_TAG)
        )
    )


def deep_link_answer(
    *, registration: LtiRegistration, deployment_id: str, settings: dict[str, Any], items: list[DeepLinkResource]
) -> DeepLinkAnswer:
    """The JWT (signed with the tool's key) to post back to the LMS's deep-linking return URL."""
    tool_key_ensure()
    link = DeepLink(registration.to_registration(), deployment_id, settings)
    return DeepLinkAnswer(return_url=settings["deep_link_return_url"], jwt=link.get_response_jwt(items))
