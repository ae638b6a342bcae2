"""Keeping the search index in step with the content.

House style keeps logic out of ``save()`` and signals, so the code that writes
content calls these services itself, inside its own transaction:

- the taxonomy loader (``load_taxonomy``, so ``make content``) rebuilds the whole index;
- the case importer refreshes the cases it wrote;
- the admin refreshes what each save or delete touched (``admin.SearchIndexedAdmin``);
- ``manage.py rebuild_search_index`` rebuilds it after any other kind of write
  (a shell session, a restored dump).

Every write here also renews the index's version (``search_index_touch``), so
each process reloads its snapshot (``snapshot``) before the next question.

Visibility is never indexed: whether a page is published is read live when a
question is answered, so review decisions need no index write.
"""

import uuid
from collections import Counter
from collections.abc import Collection, Iterable

from django.db import transaction

from . import engines
from .analysis import is_stop_word, term, words
from .models import SearchEntry, SearchIndexState, SearchTerm
from .sources import Document, registered_sources, source_for

MAX_TERM_LENGTH = 100
BATCH = 1000


def _analyse(text: str, examples: dict[str, str]) -> str:
    out = []
    for word in words(text):
        if is_stop_word(word):
            continue
        analysed = term(word)
        if len(analysed) <= MAX_TERM_LENGTH:
            out.append(analysed)
            examples.setdefault(analysed, word)
    return " ".join(out)


def _entry(document: Document, examples: dict[str, str]) -> SearchEntry:
    return SearchEntry(
        kind=document.kind,
        object_id=document.object_id,
        title=_analyse(document.title, examples),
        body=_analyse(document.body, examples),
        context=_analyse(document.context, examples),
        section=_analyse(document.section, examples),
    )


def _distinct_terms(entry: SearchEntry) -> set[str]:
    return {t for terms in entry.field_terms().values() for t in terms}


@transaction.atomic
def search_index_rebuild() -> int:
    """Index every document of every registered source from scratch; returns the number of entries."""
    SearchEntry.objects.all().delete()
    SearchTerm.objects.all().delete()
    engines.entries_removed(None)
    engines.terms_removed(None)
    examples: dict[str, str] = {}
    counts: Counter[str] = Counter()
    fact_counts: Counter[str] = Counter()
    total = 0
    for source in registered_sources():
        batch: list[SearchEntry] = []
        for document in source.documents(None):
            entry = _entry(document, examples)
            counts.update(_distinct_terms(entry))
            if entry.kind == SearchEntry.Kind.FACT:
                fact_counts.update(_distinct_terms(entry))
            batch.append(entry)
            if len(batch) >= BATCH:
                total += _add_entries(batch)
                batch = []
        total += _add_entries(batch)
    new_terms = [
        SearchTerm(term=t, documents=n, facts=fact_counts[t], word=examples[t][:MAX_TERM_LENGTH])
        for t, n in counts.items()
    ]
    engines.terms_added(SearchTerm.objects.bulk_create(new_terms, batch_size=BATCH))
    search_index_touch()
    return total


def search_index_touch() -> None:
    """A new index version: every process reloads its snapshot (synonyms, vocabulary, lengths) before its next
    question. Called by every write here and by whatever writes the synonym table (admin, ``load_synonyms``)."""
    SearchIndexState.objects.update_or_create(pk=1, defaults={"version": uuid.uuid4().hex})


def _add_entries(entries: list[SearchEntry]) -> int:
    if entries:
        engines.entries_added(SearchEntry.objects.bulk_create(entries, batch_size=BATCH))
    return len(entries)


@transaction.atomic
def search_index_refresh(*, kind: str, ids: Iterable[int]) -> None:
    """Re-read these objects of ``kind`` and index them as they are now; ids that no longer exist are dropped."""
    ids = sorted(set(ids))
    if not ids:
        return
    examples: dict[str, str] = {}
    new = [_entry(document, examples) for document in source_for(kind).documents(ids)]
    old = list(SearchEntry.objects.filter(kind=kind, object_id__in=ids))
    delta: Counter[str] = Counter()
    fact_delta: Counter[str] = Counter()
    for entry in old:
        delta.subtract(_distinct_terms(entry))
    for entry in new:
        delta.update(_distinct_terms(entry))
    if kind == SearchEntry.Kind.FACT:
        fact_delta = delta
    engines.entries_removed([entry.pk for entry in old])
    SearchEntry.objects.filter(pk__in=[entry.pk for entry in old]).delete()
    _add_entries(new)
    _apply_term_counts(delta, fact_delta, examples)
    search_index_touch()


def search_index_refresh_many(changes: dict[str, Collection[int]]) -> None:
    """``search_index_refresh`` for several kinds at once: ``{"cause": [3], "fact": [7, 8]}``."""
    with transaction.atomic():
        for kind, ids in changes.items():
            search_index_refresh(kind=kind, ids=ids)


def _apply_term_counts(delta: Counter[str], fact_delta: Counter[str], examples: dict[str, str]) -> None:
    changed = {t: d for t, d in delta.items() if d}
    if not changed:
        return
    # Locked, so two editors saving at once cannot lose each other's counts.
    existing = {t.term: t for t in SearchTerm.objects.select_for_update().filter(term__in=list(changed))}
    updated, removed, created = [], [], []
    for value, difference in changed.items():
        row = existing.get(value)
        if row is None:
            if difference > 0:
                created.append(
                    SearchTerm(
                        term=value, documents=difference, facts=fact_delta[value], word=examples.get(value, value)
                    )
                )
        elif row.documents + difference <= 0:
            removed.append(row.pk)
        else:
            row.documents += difference
            row.facts = max(row.facts + fact_delta[value], 0)
            updated.append(row)
    SearchTerm.objects.bulk_update(updated, ["documents", "facts"], batch_size=BATCH)
    engines.terms_removed(removed)
    SearchTerm.objects.filter(pk__in=removed).delete()
    engines.terms_added(SearchTerm.objects.bulk_create(created, batch_size=BATCH))
