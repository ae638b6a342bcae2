"""Find executable markup in an HTML page, with the standard library's parser.

Allowed: ``<script src>`` pointing at one of our own static files, and
non-executable data blocks (``type="application/json"``). Everything else a
browser could run is reported: other script elements, ``on*`` event-handler
attributes, htmx ``hx-on`` handlers, ``javascript:``/``vbscript:``/``data:``
URLs (except ``data:image/...`` in an ``img``), ``srcdoc``, frames, objects,
``<base>``, ``<meta http-equiv=refresh>``, ``<style>`` blocks and ``style``
attributes (both also banned by our CSP).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

STATIC_DIR = Path(settings.BASE_DIR) / "static"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "lowsrc"}
DANGEROUS_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style"}
DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);", re.IGNORECASE)


def _scheme(value: str) -> str:
    # Browsers ignore whitespace and control characters inside a scheme.
    compact = _CONTROL.sub("", value).lower()
    return compact.split(":", 1)[0] if ":" in compact else ""


def _our_static_script(src: str) -> bool:
    if not src.startswith(settings.STATIC_URL):
        return False
    path = (STATIC_DIR / src[len(settings.STATIC_URL) :].split("?", 1)[0]).resolve()
    return path.is_file() and STATIC_DIR.resolve() in path.parents


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script":
            kind = values.get("type", "").strip().lower()
            if kind in DATA_BLOCK_TYPES and "src" not in values:
                pass
            elif not _our_static_script(values.get("src", "")):
                self.problems.append(f"<script {values}>")
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in values.items():
            if name.startswith(("on", "hx-on", "data-hx-on")) or name in {"style", "srcdoc"}:
                self.problems.append(f"<{tag} {name}=...>")
            elif name in URL_ATTRIBUTES or name.endswith(":href"):
                scheme = _scheme(value)
                if scheme in {"javascript", "vbscript", "livescript"}:
                    self.problems.append(f"<{tag} {name}={value!r}>")
                elif scheme == "data" and not (tag == "img" and name == "src" and _SAFE_DATA_IMAGE.match(value)):
                    self.problems.append(f"<{tag} {name}={value[:40]!r}>")


def executable_markup(html: str) -> list[str]:
    """Every piece of markup in ``html`` a browser could execute; empty when the page is safe."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems
