"""The database side of search: full-text retrieval and spelling, on SQLite and PostgreSQL.

Both databases index the analysed terms of ``SearchEntry`` (see
``analysis``), so they agree on what matches; each ranks with its own
full-text scoring to pick the candidates, which ``answer`` then ranks the
same way on both:

- SQLite: an FTS5 table (``taxonomy_search_fts``, rowid = entry id, with the
  entry's kind and object id stored unindexed beside its text) ranked by
  FTS5's ``bm25()``, and an FTS5 ``trigram`` table over the term vocabulary
  (``taxonomy_search_vocab``) to find spelling candidates. Our services write
  both next to the rows they index.
- PostgreSQL: a generated ``tsvector`` column (``simple`` configuration: the
  terms are analysed already) with a GIN index, queried with
  ``websearch_to_tsquery`` and ranked with ``ts_rank_cd``, and a second one
  holding only an entry's page and section, for the pages a question names;
  ``pg_trgm`` with a GIN index on the vocabulary for spelling.

The SQL creating these lives in migrations 0002 and 0003. Every function here
runs one query, whatever the size of the content.
"""

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import connection

from .analysis import similarity, trigrams

FTS_TABLE = "taxonomy_search_fts"
VOCAB_TABLE = "taxonomy_search_vocab"
ENTRY_TABLE = "taxonomy_searchentry"
TERM_TABLE = "taxonomy_searchterm"
STATE_TABLE = "taxonomy_searchindexstate"
# Column weights. FTS5 bm25(): title, context, section, body (kind and object_id are unindexed);
# ts_rank_cd's {D, C, B, A} = {section, body, context, title}.
_BM25_WEIGHTS = "4.0, 2.0, 1.0, 1.0, 0.0, 0.0"
_BM25_PAGE_WEIGHTS = "0.0, 2.0, 1.0, 0.0, 0.0, 0.0"
_TS_RANK_WEIGHTS = "{0.3, 0.3, 0.6, 1.0}"

#: A term sequence: one word, or a phrase.
Alternative = tuple[str, ...]
#: A concept: alternatives, any of which counts.
Alternatives = tuple[Alternative, ...]


def is_postgresql(conn=connection) -> bool:
    return conn.vendor == "postgresql"


# --- the index version and what the snapshot loads ---------------------------------------


def index_version() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {STATE_TABLE} WHERE id = 1")  # noqa: S608 - constant table name
        row = cursor.fetchone()
    return row[0] if row else None


def term_counts() -> list[tuple[str, int, int]]:
    """Every term of the index with the entries, and fact entries, holding it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, documents, facts FROM {TERM_TABLE}")  # noqa: S608
        return cursor.fetchall()


def _term_count(column: str) -> str:
    return f"SUM(CASE WHEN {column} = '' THEN 0 ELSE LENGTH({column}) - LENGTH(REPLACE({column}, ' ', '')) + 1 END)"


def field_totals() -> dict[str, tuple[int, dict[str, int]]]:
    """Per kind: the number of entries and the number of terms in each field, over all of them."""
    from .models import SearchEntry

    names = SearchEntry.FIELDS
    sums = ", ".join(_term_count(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT kind, COUNT(*), {sums} FROM {ENTRY_TABLE} GROUP BY kind")  # noqa: S608
        rows = cursor.fetchall()
    return {kind: (count, dict(zip(names, (int(s or 0) for s in sums_), strict=True))) for kind, count, *sums_ in rows}


# --- writing (SQLite only: PostgreSQL's column is generated) -----------------------


def _sqlite_only[**P](write: Callable[P, None]) -> Callable[P, None]:
    """PostgreSQL generates its search columns itself: there these writes do nothing."""

    @functools.wraps(write)
    def on_sqlite(*args: P.args, **kwargs: P.kwargs) -> None:
        if not is_postgresql():
            write(*args, **kwargs)

    return on_sqlite


@_sqlite_only
def entries_removed(ids: Sequence[int] | None) -> None:
    """Forget FTS rows of these entries (all of them when ``ids`` is None)."""
    _delete_rows(FTS_TABLE, ids)


@_sqlite_only
def entries_added(entries: Iterable) -> None:
    rows = [(e.pk, e.title, e.context, e.section, e.body, e.kind, e.object_id) for e in entries]
    _insert_rows(FTS_TABLE, ("rowid", "title", "context", "section", "body", "kind", "object_id"), rows)


@_sqlite_only
def terms_removed(ids: Sequence[int] | None) -> None:
    _delete_rows(VOCAB_TABLE, ids)


@_sqlite_only
def terms_added(terms: Iterable) -> None:
    _insert_rows(VOCAB_TABLE, ("rowid", "term"), [(t.pk, t.term) for t in terms])


def _insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if rows:
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            # Constant table and column names.
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


def _delete_rows(table: str, ids: Sequence[int] | None) -> None:
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - constant table names
            return
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", chunk)  # noqa: S608


# --- reading --------------------------------------------------------------------


@dataclass(frozen=True)
class Retrieval:
    """What a question asks the database for (each concept: alternatives, any of which counts), at most
    ``per_kind[kind]`` entries of each kind from each part, best first by the database's own full-text rank:

    - ``any_of``: entries holding any of these concepts;
    - ``pages_of``: entries whose page or section names any of these concepts (context and section: the
      overview page "What causes leucopenia", the group "Infection-related").
    """

    any_of: tuple[Alternatives, ...] = ()
    pages_of: tuple[Alternatives, ...] = ()
    per_kind: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """One candidate entry with its analysed fields and the database's own rank (higher is better)."""

    id: int
    kind: str
    object_id: int
    title: str
    context: str
    section: str
    body: str
    engine_score: float


def _fts_phrase(alternative: Alternative) -> str:
    return '"' + " ".join(alternative) + '"'  # terms are [a-z0-9]+ only: nothing to escape


def _fts_any(concepts: Sequence[Alternatives]) -> str:
    return " OR ".join(_fts_phrase(a) for concept in concepts for a in concept)


def _ts_any(concepts: Sequence[Alternatives]) -> str:
    # websearch syntax: a phrase in quotes, alternatives joined by "or".
    return " or ".join(f'"{" ".join(a)}"' if len(a) > 1 else a[0] for concept in concepts for a in concept)


def _per_kind_limit(per_kind: Mapping[str, int]) -> tuple[str, list]:
    cases = " ".join("WHEN %s THEN %s" for _ in per_kind)
    params = [value for item in per_kind.items() for value in item]
    return f"CASE kind {cases} ELSE 0 END", params


def retrieve(retrieval: Retrieval) -> list[Hit]:
    """The candidates ``retrieval`` describes (one query)."""
    parts, params = [], []
    columns = "kind, object_id, title, context, section, body"
    for part, concepts in ((0, retrieval.any_of), (1, retrieval.pages_of)):
        if not concepts:
            continue
        if is_postgresql():
            vector = "e.page_vector" if part else "e.vector"
            parts.append(
                f"""SELECT e.id, {columns}, ts_rank_cd('{_TS_RANK_WEIGHTS}', {vector}, q) AS score, {part} AS part
                FROM {ENTRY_TABLE} e, websearch_to_tsquery('simple', %s) AS q WHERE {vector} @@ q"""  # noqa: S608
            )
            params.append(_ts_any(concepts))
        else:
            parts.append(
                f"""SELECT rowid AS id, {columns}, -bm25({FTS_TABLE}, {_BM25_PAGE_WEIGHTS if part else _BM25_WEIGHTS})
                AS score, {part} AS part FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"""  # noqa: S608
            )
            params.append("{context section} : (" + _fts_any(concepts) + ")" if part else _fts_any(concepts))
    if not parts:
        return []
    limit, limit_params = _per_kind_limit(retrieval.per_kind)
    sql = f"""
        SELECT id, {columns}, score FROM (
            SELECT hits.*, row_number() OVER (PARTITION BY kind, part ORDER BY score DESC, id) AS place
            FROM ({" UNION ALL ".join(parts)}) hits
        ) placed WHERE place <= {limit}
    """  # noqa: S608 - constants only; the query texts are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *limit_params])
        rows = cursor.fetchall()
    seen: set[int] = set()
    hits = []
    for row in rows:
        if row[0] not in seen:  # an entry both holding the words and on a page they name
            seen.add(row[0])
            hits.append(Hit(*row))
    return hits


@dataclass(frozen=True)
class Correction:
    term: str
    word: str
    documents: int
    facts: int
    similarity: float


def closest_terms(terms: Sequence[str], *, threshold: float) -> dict[str, Correction]:
    """For each unknown term, the most similar term in the index (trigram similarity ≥ ``threshold``)."""
    terms = [t for t in terms if len(t) >= 3]
    if not terms:
        return {}
    if is_postgresql():
        sql = f"""
            SELECT q.w, t.term, t.word, t.documents, t.facts FROM unnest(%s::text[]) AS q(w)
            CROSS JOIN LATERAL (
                SELECT term, word, documents, facts FROM {TERM_TABLE}
                WHERE term %% q.w ORDER BY term <-> q.w, term LIMIT 5
            ) t
        """  # noqa: S608
        params: list = [list(terms)]
    else:
        # FTS5's trigram index finds terms sharing trigrams; similarity is then computed as pg_trgm does.
        parts, params = [], []
        for term in terms:
            grams = sorted(g for g in trigrams(term) if " " not in g)
            if not grams:
                continue
            match = " OR ".join(f'"{g}"' for g in grams)
            parts.append(
                f"SELECT * FROM (SELECT %s, t.term, t.word, t.documents, t.facts FROM {VOCAB_TABLE} v "  # noqa: S608
                f"JOIN {TERM_TABLE} t ON t.id = v.rowid WHERE v.term MATCH %s ORDER BY v.rank LIMIT 40)"  # noqa: S608
            )
            params += [term, match]
        if not parts:
            return {}
        sql = " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    best: dict[str, Correction] = {}
    for wanted, term, word, documents, facts in rows:
        score = similarity(wanted, term)
        current = best.get(wanted)
        if score >= threshold and (current is None or (score, documents) > (current.similarity, current.documents)):
            best[wanted] = Correction(term=term, word=word, documents=documents, facts=facts, similarity=score)
    return best
