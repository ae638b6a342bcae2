"""Usernames that cannot pass for someone else's.

Django's username field already NFKC-normalises what is typed (so full-width
"ｓｔｕｄｅｎｔ" becomes "student") and refuses a name that differs from an
existing one only in case. What it lets through are look-alikes built from
another alphabet: "ѕtudent" with a Cyrillic "ѕ" would sit beside "student" in
cohort results. ``check_username`` refuses

- a name mixing alphabets where a letter could pass for one of the other
  alphabet's (Unicode's confusables data, via ``confusable-homoglyphs``): "ѕtudent";
- a name whose letters, read as the Latin letters they look like, spell an
  existing username: an all-Cyrillic "ѕсо" when "sco" exists.

Names in one non-Latin alphabet ("Иван", "李明") stay welcome.
"""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs import confusables
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError


def latin_lookalike(username: str) -> str:
    """``username`` with each non-ASCII character that looks like an ASCII one replaced by it."""
    out = []
    for char in username:
        if char.isascii():
            out.append(char)
            continue
        found = confusables.is_confusable(char, preferred_aliases=["latin"]) or []
        glyphs = [h["c"] for item in found for h in item["homoglyphs"] if h["c"].isascii()]
        out.append(glyphs[0] if glyphs else char)
    return "".join(out)


def _script(char: str) -> str:
    return unicodedata.name(char, "?").split(" ")[0].capitalize()


def check_username(username: str, *, exclude_pk: int | None = None) -> None:
    """Raise ``ValidationError`` if ``username`` could be taken for another name."""
    if confusables.is_dangerous(username):
        odd = [item["character"] for item in confusables.is_confusable(username, preferred_aliases=["latin"]) or []]
        letters = ", ".join(f"“{c}” ({_script(c)})" for c in odd) or "some letters"
        raise ValidationError(
            "This username mixes alphabets in a way that looks like another name: %(letters)s. "
            "Use letters from one alphabet.",
            code="confusable_username",
            params={"letters": letters},
        )
    lookalike = latin_lookalike(username)
    if lookalike.casefold() != username.casefold():
        taken = get_user_model()._default_manager.filter(username__iexact=lookalike).exclude(pk=exclude_pk)
        if taken.exists():
            raise ValidationError(
                "This username looks the same as an existing one (%(existing)s). Choose another.",
                code="confusable_username",
                params={"existing": lookalike},
            )
