"""What every question reads about the index, kept in memory under the index's version.

Reading a question needs the synonym table, the document counts of its words
(IDF) and, to rank, the average length of each field: loaded from the
database each time, that was three queries and a full count of the index per
question. Instead each process keeps one ``Snapshot`` per database, and a
question costs one small query: the version in ``SearchIndexState``, which
our services renew on every write to the index or the synonym table
(``index.search_index_touch``). When it differs, the snapshot is loaded again
(three queries, once).
"""

from dataclasses import dataclass

from django.db import connection

from . import engines
from .models import SearchEntry
from .synonyms import SynonymTable, synonym_table


@dataclass(frozen=True)
class Snapshot:
    version: str | None
    synonyms: SynonymTable
    #: term → entries holding it, and fact entries holding it
    documents: dict[str, int]
    facts: dict[str, int]
    total: int
    total_facts: int
    #: kind → field → average number of terms
    average_lengths: dict[str, dict[str, float]]

    def average(self, kind: str) -> dict[str, float]:
        return self.average_lengths.get(kind) or _NO_LENGTHS


_NO_LENGTHS: dict[str, float] = {}
_snapshots: dict[str, Snapshot] = {}


def current_snapshot() -> Snapshot:
    """The snapshot for the database's current version (one query when it is already loaded)."""
    version = engines.index_version()
    cached = _snapshots.get(connection.alias)
    if cached is not None and version is not None and cached.version == version:
        return cached
    snapshot = load_snapshot(version)
    if version is not None:  # no state row (a flushed test database): never trust a cache
        _snapshots[connection.alias] = snapshot
    return snapshot


def load_snapshot(version: str | None) -> Snapshot:
    documents, facts = {}, {}
    for term, in_documents, in_facts in engines.term_counts():
        documents[term] = in_documents
        facts[term] = in_facts
    totals = engines.field_totals()
    averages = {
        kind: {name: max(terms / count, 1.0) for name, terms in fields.items()}
        for kind, (count, fields) in totals.items()
    }
    return Snapshot(
        version=version,
        synonyms=synonym_table(),
        documents=documents,
        facts=facts,
        total=sum(count for count, _ in totals.values()),
        total_facts=totals.get(SearchEntry.Kind.FACT, (0, {}))[0],
        average_lengths=averages,
    )
