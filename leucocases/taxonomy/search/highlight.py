"""Marking the words of a fact that answered the question, safely.

The fact's markdown is rendered and sanitized as everywhere else, reduced to
plain text, and then rebuilt piece by piece: every piece is escaped, and only
our own ``<mark>`` tags are added. Nothing the fact or the question contains
can reach the page as markup.
"""

import html
import re

from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from leucocases.editorial.markdown import render_markdown

from .analysis import fold_text, is_stop_word, term

_PIECES = re.compile(r"([A-Za-z0-9À-ɏ]+)")


def plain_text(markdown_text: str) -> str:
    return html.unescape(strip_tags(render_markdown(markdown_text))).strip()


def highlight(text: str, terms: frozenset[str] | set[str]) -> SafeString:
    """``text`` (plain) escaped, with each word whose term is in ``terms`` wrapped in ``<mark>``."""
    out = []
    for piece in _PIECES.split(text):
        folded = fold_text(piece)
        if piece and folded.isalnum() and not is_stop_word(folded) and term(folded) in terms:
            out.append(f"<mark>{escape(piece)}</mark>")
        else:
            out.append(escape(piece))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped
