"""Read an admin change form the way a browser would submit it, unchanged.

``form_data(html, form_id)`` returns the fields of one ``<form>`` with their
current values: text inputs and textareas as written, checked boxes only,
selected options (the first option of a single select when none is marked).
Tests then change a value or two and post it back, as an editor would.
``admin_action(client, action, objects)`` ticks ``objects`` on their model's
changelist, runs the action and returns the messages shown after it.
``change_url(obj)`` is the address of ``obj``'s change form.
"""

from __future__ import annotations

from collections.abc import Sequence
from html.parser import HTMLParser

from django.db.models import Model
from django.urls import reverse


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.data.append((name, a.get("value") or "on"))
                return
            self.data.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in a, "options": [], "selected": []}
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            self._select["options"].append(value)
            if "selected" in a:
                self._select["selected"].append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # The HTML parser drops one newline right after <textarea>; Django writes one.
            self.data.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            s = self._select
            chosen = s["selected"] or ([] if s["multiple"] or not s["options"] else [s["options"][0]])
            self.data.extend((s["name"], value) for value in chosen)
            self._select = None


def form_data(html: str, form_id: str) -> dict[str, list[str]]:
    reader = _FormReader(form_id)
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    return data


def as_browser_posts(data: dict[str, list[str]]) -> dict[str, list[str]]:
    """``data`` with every line break as CRLF, as browsers send textarea text."""
    return {name: [value.replace("\n", "\r\n") for value in values] for name, values in data.items()}


def change_url(obj: Model) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def admin_action(client, action: str, objects: Sequence[Model]) -> list[str]:
    """Run the admin ``action`` on ``objects`` (all of one model) from its changelist; the messages shown after."""
    meta = objects[0]._meta
    response = client.post(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]
