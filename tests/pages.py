"""What a test reads of a rendered page.

    from tests.pages import page_html, visible_text

- ``page_html(response)``: the response's HTML with character references
  decoded (``&amp;`` reads ``&``, ``&rsquo;`` reads ’), for asserting on markup.
- ``visible_text(response)``: the words a reader sees, in order: that HTML with
  every tag a space and white space folded, for asserting on sentences that
  markup splits.
"""

import html
import re


def page_html(response) -> str:
    return html.unescape(response.content.decode())


def visible_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page_html(response)).split())
