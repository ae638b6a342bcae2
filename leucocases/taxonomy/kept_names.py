"""Cause names and references by key, read once per worker and content version.

A report names its causes and numbers its citations from these: the same
rows on every report, which change only when an author edits them. So each
worker keeps them in memory under the content version
(``editorial.content_version``), as ``workup_catalogue`` keeps the steps: an
edit shows on the next request, and a report costs no query for them. Every
row is kept, published or not: a report graded before a cause or reference
was withdrawn still names it. The references are shared between requests:
nothing may change them.
"""

from __future__ import annotations

from collections.abc import Iterable

from leucocases.editorial.content_version import remember

from .models import Cause, Reference

__all__ = ["cause_names", "references_for"]


def _all_cause_names() -> dict[str, str]:
    return remember("cause-names", lambda: dict(Cause.objects.values_list("slug", "name")))


def cause_names(slugs: Iterable[str]) -> dict[str, str]:
    """The names of the causes ``slugs`` names that exist (slug -> name)."""
    names = _all_cause_names()
    return {slug: names[slug] for slug in slugs if slug in names}


def _references_by_key() -> dict[str, Reference]:
    return remember("references-by-key", lambda: {ref.key: ref for ref in Reference.objects.all()})


def references_for(keys: Iterable[str]) -> tuple[Reference, ...]:
    """The references with these keys that exist, in reference-list order (``number``)."""
    by_key = _references_by_key()
    found = {by_key[key] for key in keys if key in by_key}
    return tuple(sorted(found, key=lambda ref: (ref.number, ref.key)))
