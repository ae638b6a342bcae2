"""The play page's menu entries (``cases/play.html#menu-item``), most of them kept per worker.

The menu lists the whole catalogue, each entry a form: with a large
catalogue, rendering those forms was most of the play page's time, yet an
entry the learner has not ordered differs between requests only in the
values every form of the page shares (where it posts, the CSRF token, the
attempt, the next position, the menu filter). So each worker renders every
entry once per content version, shown and hidden, with stand-ins for those
values (``_pristine``), and a request puts its values in their place, escaped
as the template would. Entries the learner ordered (they say so) are rendered
through the same partial with the same stand-ins, and kept too, by where they
were ordered: the next learner who ordered that entry first gets the same HTML.
"""

from __future__ import annotations

from types import SimpleNamespace

from django import template
from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from leucocases.editorial.content_version import remember

from ..menu import MenuCategory, MenuStep
from ..play_content import MENU_ITEM_TEMPLATE

register = template.Library()

#: Stand-ins no rendering changes (escaping leaves them alone), one per shared value.
_STAND_INS = {
    name: f"\x1fmenu-{name}\x1f" for name in ("choose_url", "csrf_token", "attempt", "next_position", "query")
}
#: The loop's whitespace around each entry, as ``{% for %}`` around an inline partial left it.
_BEFORE, _AFTER = "\n        ", "\n        "


def _render(entry: MenuStep, *, preview: bool) -> str:
    context = {
        "entry": entry,
        "routes": SimpleNamespace(choose_url=_STAND_INS["choose_url"]),
        "csrf_token": _STAND_INS["csrf_token"],
        "attempt": SimpleNamespace(pk=_STAND_INS["attempt"]),
        "next_position": _STAND_INS["next_position"],
        "menu": SimpleNamespace(query=_STAND_INS["query"]),
        "preview": preview,
    }
    return f"{_BEFORE}{get_template(MENU_ITEM_TEMPLATE).render(context)}{_AFTER}"


def _pristine(preview: bool) -> dict[tuple[int, bool], str]:
    """Every entry not ordered yet, shown and hidden, by (step pk, shown)."""

    def build() -> dict[tuple[int, bool], str]:
        from leucocases.taxonomy.workup_catalogue import workup_catalogue

        return {
            (step.pk, shown): _render(MenuStep(step=step, shown=shown), preview=preview)
            for step in workup_catalogue().steps
            for shown in (True, False)
        }

    return remember(("play-menu-items", preview), build)


def _ordered(entry: MenuStep, *, preview: bool) -> str:
    """An entry the learner ordered, kept by where they ordered it."""
    key = ("play-menu-ordered", entry.step.pk, entry.shown, entry.positions, preview)
    return remember(key, lambda: _render(entry, preview=preview))


def _values(context: template.Context) -> dict[str, str]:
    """The shared values, escaped: worked out once per page, not once per category."""
    kept = context.render_context.get(_values)
    if kept is None:
        attempt = context.get("attempt")
        kept = context.render_context[_values] = {
            "choose_url": conditional_escape(context["routes"].choose_url),
            "csrf_token": conditional_escape(str(context.get("csrf_token", ""))),
            "attempt": conditional_escape(str((attempt.pk if attempt is not None else None) or "")),
            "next_position": conditional_escape(str(context["next_position"])),
            "query": conditional_escape(context["menu"].query),
        }
    return kept


@register.simple_tag(takes_context=True)
def menu_items(context: template.Context, category: MenuCategory) -> SafeString:
    preview = bool(context.get("preview"))
    pristine = _pristine(preview)
    parts = []
    for entry in category.steps:
        kept = None if entry.positions else pristine.get((entry.step.pk, entry.shown))
        parts.append(kept if kept is not None else _ordered(entry, preview=preview))
    values = _values(context)
    html = "".join(parts)
    for name, stand_in in _STAND_INS.items():
        html = html.replace(stand_in, values[name])
    return mark_safe(html)  # noqa: S308 - rendered by the template, values escaped above
