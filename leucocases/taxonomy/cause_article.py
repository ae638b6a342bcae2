"""A cause page's article, rendered once per worker, audience and content version.

Everything on a cause page but the reader's own solved cases is the same for
every reader who is not staff, and changes only when content does: the facts
with their numbered citations, the related causes, the references, in the
order the reader's audience asks for. Built, that cost seven queries and most
of the page's render time on every request; now each worker renders it once
and keeps it (``editorial.content_version``), and the view renders the
reader's own part, the navigation and the forms around it.

Staff preview drafts and see badges on unpublished relatives: their article is
built for them every time and never kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from leucocases.audience import AUDIENCES
from leucocases.editorial.content_version import remember

from .models import Cause
from .selectors import cause_page, is_staff

TEMPLATE = "taxonomy/cause_detail.html"


@dataclass(frozen=True)
class CauseArticle:
    cause: Cause
    #: The page's meta description.
    description: SafeString
    #: From the breadcrumb to the related causes; the reader's own cases follow it.
    head: SafeString
    #: The references and review record, closing the article.
    foot: SafeString


def cause_article(*, slug: str, user, audience: str) -> CauseArticle:
    """The article of cause ``slug`` for ``audience`` (404 unless visible to ``user``)."""
    if is_staff(user):
        return build_cause_article(slug=slug, user=user, audience=audience)
    return remember(
        ("cause-article", slug, audience), lambda: build_cause_article(slug=slug, user=None, audience=audience)
    )


def build_cause_article(*, slug: str, user, audience: str) -> CauseArticle:
    page = cause_page(slug=slug, user=user)
    context = {"page": page, "cause": page.cause, "audience": audience, "audiences": AUDIENCES}
    return CauseArticle(
        cause=page.cause,
        description=render_to_string(f"{TEMPLATE}#description", context),
        head=render_to_string(f"{TEMPLATE}#article-head", context),
        foot=render_to_string(f"{TEMPLATE}#article-foot", context),
    )
