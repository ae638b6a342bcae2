"""The database side of search: full-text retrieval and spelling, on SQLite and PostgreSQL.

Both databases index the analysed terms of ``SearchEntry`` (see
``analysis``), so they agree on what matches; each ranks with its own
full-text scoring to pick the candidates, which ``answer`` then ranks the
same way on both:

- SQLite: an FTS5 table (``taxonomy_search_fts``, rowid = entry id) ranked by
  FTS5's ``bm25()``, and an FTS5 ``trigram`` table over the term vocabulary
  (``taxonomy_search_vocab``) to find spelling candidates. Our services write
  both next to the rows they index.
- PostgreSQL: a generated ``tsvector`` column (``simple`` configuration: the
  terms are analysed already) with a GIN index, queried with
  ``websearch_to_tsquery`` and ranked with ``ts_rank_cd``; ``pg_trgm`` with a
  GIN index on the vocabulary for spelling.

Every function here runs one query, whatever the size of the content.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from .analysis import similarity, trigrams

FTS_TABLE = "taxonomy_search_fts"
VOCAB_TABLE = "taxonomy_search_vocab"
ENTRY_TABLE = "taxonomy_searchentry"
TERM_TABLE = "taxonomy_searchterm"
# Column weights: title, body, context (FTS5 bm25 and ts_rank_cd's {D, C, B, A} = {-, body, context, title}).
_BM25_WEIGHTS = "4.0, 1.0, 2.0"
_TS_RANK_WEIGHTS = "{0.1, 0.3, 0.6, 1.0}"


def is_postgresql(conn=connection) -> bool:
    return conn.vendor == "postgresql"


# --- writing (SQLite only: PostgreSQL's column is generated) -----------------------


def entries_removed(ids: Sequence[int] | None) -> None:
    """Forget FTS rows of these entries (all of them when ``ids`` is None)."""
    if is_postgresql():
        return
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608 - constant table name
        elif ids:
            for chunk in _chunks(list(ids)):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608


def entries_added(entries: Iterable) -> None:
    if is_postgresql():
        return
    rows = [(e.pk, e.title, e.body, e.context) for e in entries]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, title, body, context) VALUES (%s, %s, %s, %s)",  # noqa: S608
                rows,
            )


def terms_removed(ids: Sequence[int] | None) -> None:
    if is_postgresql():
        return
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"DELETE FROM {VOCAB_TABLE}")  # noqa: S608
        elif ids:
            for chunk in _chunks(list(ids)):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {VOCAB_TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608


def terms_added(terms: Iterable) -> None:
    if is_postgresql():
        return
    rows = [(t.pk, t.term) for t in terms]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {VOCAB_TABLE} (rowid, term) VALUES (%s, %s)", rows)  # noqa: S608


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- reading --------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One candidate entry with the database's own rank (higher is better)."""

    kind: str
    object_id: int
    title: str
    body: str
    context: str
    engine_score: float

    def field_terms(self) -> dict[str, list[str]]:
        return {"title": self.title.split(), "body": self.body.split(), "context": self.context.split()}


def retrieve(alternatives: Sequence[tuple[str, ...]], *, per_kind: int) -> list[Hit]:
    """Entries holding any of ``alternatives`` (terms or phrases), the best ``per_kind`` of each kind."""
    alternatives = [a for a in alternatives if a]
    if not alternatives:
        return []
    if is_postgresql():
        # websearch syntax: a phrase in quotes, alternatives joined by "or"; terms are [a-z0-9]+ only.
        query = " or ".join(f'"{" ".join(a)}"' if len(a) > 1 else a[0] for a in alternatives)
        sql = f"""
            SELECT kind, object_id, title, body, context, score FROM (
                SELECT e.kind, e.object_id, e.title, e.body, e.context,
                       ts_rank_cd('{_TS_RANK_WEIGHTS}', e.vector, q.query) AS score,
                       row_number() OVER (
                           PARTITION BY e.kind ORDER BY ts_rank_cd('{_TS_RANK_WEIGHTS}', e.vector, q.query) DESC, e.id
                       ) AS place
                FROM {ENTRY_TABLE} e, websearch_to_tsquery('simple', %s) AS q(query)
                WHERE e.vector @@ q.query
            ) ranked WHERE place <= %s
        """  # noqa: S608 - constants only; the query text is a parameter
        params = [query, per_kind]
    else:
        query = " OR ".join('"' + " ".join(a) + '"' for a in alternatives)
        sql = f"""
            SELECT kind, object_id, title, body, context, -score FROM (
                SELECT e.kind, e.object_id, e.title, e.body, e.context, h.score,
                       row_number() OVER (PARTITION BY e.kind ORDER BY h.score, e.id) AS place
                FROM (
                    SELECT rowid, bm25({FTS_TABLE}, {_BM25_WEIGHTS}) AS score
                    FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s
                ) h JOIN {ENTRY_TABLE} e ON e.id = h.rowid
            ) WHERE place <= %s
        """  # noqa: S608
        params = [query, per_kind]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Hit(*row) for row in cursor.fetchall()]


@dataclass(frozen=True)
class Vocabulary:
    """What the index knows about some terms: entries (and fact entries) holding each, and their totals."""

    documents: dict[str, int]
    facts: dict[str, int]
    total: int
    total_facts: int


def vocabulary(terms: Iterable[str]) -> Vocabulary:
    terms = sorted(set(terms))
    marks = ", ".join(["%s"] * len(terms)) or "NULL"
    sql = f"""
        SELECT term, documents, facts FROM {TERM_TABLE} WHERE term IN ({marks})
        UNION ALL SELECT NULL, COUNT(*), COALESCE(SUM(CASE WHEN kind = 'fact' THEN 1 ELSE 0 END), 0) FROM {ENTRY_TABLE}
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, terms)
        rows = cursor.fetchall()
    total, total_facts = next((d, f) for term, d, f in rows if term is None)
    return Vocabulary(
        documents={t: d for t, d, _ in rows if t is not None},
        facts={t: f for t, _, f in rows if t is not None},
        total=total,
        total_facts=total_facts,
    )


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
