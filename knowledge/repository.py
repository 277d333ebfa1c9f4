"""Every statement on `knowledge_chunks`.

The corpus is the coach's own reading, shared by every user (no athlete's data is in it), so nothing here is
scoped by user. Statements run in the caller's transaction: flush at most, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import INDEXED_EMBEDDING_DIMS

__all__ = [
    "COLUMNS",
    "SELECT_HITS",
    "TEXT_CTE",
    "KnowledgeChunks",
    "SearchHit",
    "hnsw_index_sql",
    "vector_cte",
    "vector_literal",
]

_LOCK_KEY = "runcoach:knowledge-index"
COLUMNS = (
    "source",
    "title",
    "heading_path",
    "ordinal",
    "text",
    "content_sha256",
    "embedding_model",
    "embedding_dim",
)


@dataclass(frozen=True)
class SearchHit:
    id: int
    source: str
    title: str
    heading_path: str
    text: str
    score: float
    vector_rank: int | None
    text_rank: int | None


def hnsw_index_sql(dim: int) -> str:
    """The per-dimension partial HNSW index, exactly as the initial migration creates it."""
    return (
        f"CREATE INDEX IF NOT EXISTS ix_knowledge_chunks_embedding_{dim} ON knowledge_chunks "
        f"USING hnsw ((embedding::vector({dim})) vector_cosine_ops) WHERE embedding_dim = {dim}"
    )


def vector_literal(vector: Sequence[float]) -> str:
    """pgvector's text form: '[0.1,0.2,…]'."""
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def _dim_sql(dim: int) -> int:
    if not isinstance(dim, int) or not 0 < dim <= 16000:
        raise ValueError(f"bad embedding dimension {dim!r}")
    return dim


def vector_cte(dim: int) -> str:
    d = _dim_sql(dim)
    return (
        "vec AS (SELECT id, row_number() OVER (ORDER BY distance, id) AS rank FROM ("
        f"  SELECT id, (embedding::vector({d})) <=> CAST(:embedding AS vector({d})) AS distance"
        "   FROM knowledge_chunks"
        f"  WHERE embedding_dim = {d} AND embedding_model = :model"
        f"  ORDER BY (embedding::vector({d})) <=> CAST(:embedding AS vector({d})) LIMIT :candidates) v)"
    )


# Full text in two tiers: chunks with every word of the question first, then, only when those are fewer than
# :min_all, chunks with any of its words that are not common (the second scan has a one-time filter on the
# first's count, so PostgreSQL skips it when the first is enough); each ranks at most :budget matches.
TEXT_CTE = (
    "common AS (SELECT e.word FROM pg_stats s,"
    "  unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(word, freq)"
    "  WHERE s.schemaname = current_schema() AND s.tablename = 'knowledge_chunks'"
    "    AND s.attname = 'search_vector' AND e.word IS NOT NULL"
    "    AND e.freq * (SELECT reltuples FROM pg_class WHERE oid = 'knowledge_chunks'::regclass) > :common), "
    "words AS (SELECT array_agg(w) AS ws FROM unnest(tsvector_to_array(to_tsvector('english', :words))) AS w"
    "  WHERE w NOT IN (SELECT word FROM common)), "
    "allq AS (SELECT websearch_to_tsquery('english', :words) AS q), "
    "anyq AS (SELECT to_tsquery('simple', nullif(array_to_string(ws, ' | '), '')) AS q FROM words), "
    "fts_all AS (SELECT id, ts_rank_cd(search_vector, (SELECT q FROM allq), 1) AS score FROM ("
    "  SELECT id, search_vector FROM knowledge_chunks"
    "  WHERE embedding_model = :model AND search_vector @@ (SELECT q FROM allq) LIMIT :budget) m"
    "  ORDER BY score DESC LIMIT :candidates), "
    "fts_any AS (SELECT id, ts_rank_cd(search_vector, (SELECT q FROM anyq), 1) AS score FROM ("
    "  SELECT id, search_vector FROM knowledge_chunks"
    "  WHERE (SELECT count(*) FROM fts_all) < :min_all"
    "    AND embedding_model = :model AND search_vector @@ (SELECT q FROM anyq) LIMIT :budget) m"
    "  ORDER BY score DESC LIMIT :candidates), "
    "fts AS (SELECT id, row_number() OVER (ORDER BY tier, score DESC, id) AS rank FROM ("
    "  SELECT id, score, 0 AS tier FROM fts_all"
    "  UNION ALL SELECT id, score, 1 FROM fts_any WHERE id NOT IN (SELECT id FROM fts_all)) t)"
)

SELECT_HITS = (
    "SELECT * FROM (SELECT k.id, k.source, k.title, k.heading_path, k.text, {score} AS score, "
    "{vrank} AS vector_rank, {trank} AS text_rank, "
    "row_number() OVER (PARTITION BY k.source ORDER BY {score} DESC, k.id) AS source_rank "
    "FROM {source} JOIN knowledge_chunks k ON k.id = {id}) ranked "
    "WHERE source_rank <= :per_source ORDER BY score DESC, id LIMIT :limit"
)


class KnowledgeChunks:
    """The stored chunks (all embedding models)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- indexing ---------------------------------------------------------------------------------------

    async def lock_for_indexing(self) -> None:
        """A transaction-level advisory lock, so two indexers never race."""
        await self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": _LOCK_KEY})

    async def fingerprint(self, model: str) -> str:
        """The digest of `model`'s stored (source, ordinal, content_sha256) keys, as `corpus_fingerprint`."""
        row = await self.session.execute(
            text(
                "SELECT coalesce(md5(string_agg(k, chr(10) ORDER BY k COLLATE \"C\")), '') FROM ("
                "SELECT source || '|' || ordinal || '|' || content_sha256 AS k FROM knowledge_chunks "
                "WHERE embedding_model = :model) keys"
            ),
            {"model": model},
        )
        return str(row.scalar_one())

    async def stored(self, model: str) -> dict[tuple[str, int], tuple[int, str]]:
        """`model`'s rows: (source, ordinal) → (id, content_sha256)."""
        rows = await self.session.execute(
            text(
                "SELECT id, source, ordinal, content_sha256 FROM knowledge_chunks "
                "WHERE embedding_model = :model"
            ),
            {"model": model},
        )
        return {(r.source, r.ordinal): (r.id, r.content_sha256) for r in rows}

    async def delete(self, ids: Sequence[int]) -> None:
        await self.session.execute(
            text("DELETE FROM knowledge_chunks WHERE id = ANY(:ids)"), {"ids": list(ids)}
        )

    async def delete_other_models(self, model: str) -> int:
        """Delete the rows of every embedding model but `model`; how many went."""
        result = await self.session.execute(
            text("DELETE FROM knowledge_chunks WHERE embedding_model <> :model"), {"model": model}
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def analyze(self) -> None:
        """Fresh statistics: the planner's, and the word frequencies hybrid search reads."""
        await self.session.execute(text("ANALYZE knowledge_chunks"))

    async def insert(self, records: Sequence[tuple[Any, ...]]) -> None:
        """Insert a few rows (COLUMNS plus the embedding's `vector_literal` text) in one statement."""
        await self.session.execute(
            text(
                f"INSERT INTO knowledge_chunks ({', '.join(COLUMNS)}, embedding) VALUES "
                "(:source, :title, :heading_path, :ordinal, :text, :content_sha256, :embedding_model, "
                ":embedding_dim, CAST(:embedding AS vector))"
            ),
            [dict(zip((*COLUMNS, "embedding"), record, strict=True)) for record in records],
        )

    async def copy_in(self, records: Sequence[tuple[Any, ...]], dim: int, *, rebuild: bool) -> None:
        """COPY rows (COLUMNS plus the embedding's text) into a staging table, then one INSERT … SELECT; the
        dimension's HNSW index is dropped and rebuilt around it if asked."""
        session = self.session
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await session.execute(
            text(
                "CREATE TEMP TABLE IF NOT EXISTS knowledge_chunks_stage (source text, title text, "
                "heading_path text, ordinal integer, text text, content_sha256 text, embedding_model text, "
                "embedding_dim integer, embedding text) ON COMMIT DROP"
            )
        )
        await session.execute(text("TRUNCATE knowledge_chunks_stage"))
        await driver.copy_records_to_table(
            "knowledge_chunks_stage", records=list(records), columns=[*COLUMNS, "embedding"]
        )
        rebuild = rebuild and dim in INDEXED_EMBEDDING_DIMS
        if rebuild:
            await session.execute(text(f"DROP INDEX IF EXISTS ix_knowledge_chunks_embedding_{_dim_sql(dim)}"))
        columns = ", ".join(COLUMNS)
        await session.execute(
            text(
                f"INSERT INTO knowledge_chunks ({columns}, embedding) "
                f"SELECT {columns}, embedding::vector FROM knowledge_chunks_stage"
            )
        )
        if rebuild:
            await session.execute(text(hnsw_index_sql(dim)))

    # -- search -----------------------------------------------------------------------------------------

    async def hits(self, sql: str, params: Mapping[str, Any]) -> list[SearchHit]:
        """Run one of the search statements built from `vector_cte`, `TEXT_CTE` and `SELECT_HITS`."""
        rows = await self.session.execute(text(sql), dict(params))
        return [
            SearchHit(
                id=r.id,
                source=r.source,
                title=r.title,
                heading_path=r.heading_path,
                text=r.text,
                score=float(r.score),
                vector_rank=r.vector_rank,
                text_rank=r.text_rank,
            )
            for r in rows
        ]
