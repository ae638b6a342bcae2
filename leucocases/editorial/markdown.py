"""The one place markdown becomes HTML.

Authors write markdown; nh3 (a maintained binding of the Rust ammonia
sanitizer) then removes anything that could run script — tags, event-handler
attributes and javascript: URLs — so no author can inject code into a page.
"""

from functools import lru_cache

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "sub",
    "sup",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "abbr",
    "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope"},
    "td": set(),
}


def render_markdown(text: str | None) -> SafeString:
    if not text:
        return mark_safe("")
    return mark_safe(_sanitized_html(text))  # noqa: S308 - nh3 has sanitized it


# The same few hundred texts (presentations, findings, facts) are rendered on
# every page view, and building a Markdown parser costs about a millisecond each
# time. The output depends on the text alone, so each worker remembers it.
@lru_cache(maxsize=4096)
def _sanitized_html(text: str) -> str:
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
