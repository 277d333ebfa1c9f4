"""Index the knowledge corpus: embed each chunk and store it beside its full-text vector.

Re-indexing is incremental: a chunk whose `(source, ordinal)` already has a row for the current embedding
model with the same `content_sha256` is skipped; a changed chunk is re-embedded and rewritten; a chunk that
left the corpus is deleted. Rows of other embedding models are deleted too (by default), so a model change
re-indexes everything once and search never mixes vector spaces.

Many rows (a model change on a large corpus) go in with COPY into a staging table and one INSERT … SELECT;
above `rebuild_index_at` rows the dimension's HNSW index is dropped and rebuilt around the load, which is much
faster than maintaining it row by row. Everything happens in the caller's transaction (flush, never commit),
under a transaction-level advisory lock so two indexers never race.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import INDEXED_EMBEDDING_DIMS
from knowledge.chunking import Chunk, load_corpus
from knowledge.embeddings import Embedder

__all__ = [
    "IndexReport",
    "corpus_fingerprint",
    "ensure_indexed",
    "hnsw_index_sql",
    "index_corpus",
    "reindex",
]

_LOCK_KEY = "runcoach:knowledge-index"
_COLUMNS = (
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
class IndexReport:
    model: str
    dim: int
    added: int
    updated: int
    unchanged: int
    deleted: int
    other_models_deleted: int
    bulk: bool
    seconds: float

    @property
    def written(self) -> int:
        return self.added + self.updated


def hnsw_index_sql(dim: int) -> str:
    """The per-dimension partial HNSW index, exactly as the initial migration creates it."""
    return (
        f"CREATE INDEX IF NOT EXISTS ix_knowledge_chunks_embedding_{dim} ON knowledge_chunks "
        f"USING hnsw ((embedding::vector({dim})) vector_cosine_ops) WHERE embedding_dim = {dim}"
    )


def vector_literal(vector: Sequence[float]) -> str:
    """pgvector's text form: '[0.1,0.2,…]'."""
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def corpus_fingerprint(chunks: Sequence[Chunk]) -> str:
    """A digest of what the index must contain (order-independent), to compare with the stored rows."""
    keys = sorted(f"{c.source}|{c.ordinal}|{c.content_sha256}" for c in chunks)
    return hashlib.md5("\n".join(keys).encode(), usedforsecurity=False).hexdigest()


async def _stored_fingerprint(session: AsyncSession, model: str) -> str:
    row = await session.execute(
        text(
            "SELECT coalesce(md5(string_agg(k, chr(10) ORDER BY k COLLATE \"C\")), '') FROM ("
            "SELECT source || '|' || ordinal || '|' || content_sha256 AS k FROM knowledge_chunks "
            "WHERE embedding_model = :model) keys"
        ),
        {"model": model},
    )
    return str(row.scalar_one())


async def ensure_indexed(
    session: AsyncSession, embedder: Embedder, chunks: Sequence[Chunk] | None = None
) -> IndexReport | None:
    """Index the corpus if the stored rows for this embedder do not match it; None when already current."""
    chunks = load_corpus() if chunks is None else chunks
    if await _stored_fingerprint(session, embedder.name) == corpus_fingerprint(chunks):
        return None
    return await index_corpus(session, embedder, chunks)


async def index_corpus(
    session: AsyncSession,
    embedder: Embedder,
    chunks: Sequence[Chunk] | None = None,
    *,
    prune_other_models: bool = True,
    copy_threshold: int = 200,
    rebuild_index_at: int = 2000,
) -> IndexReport:
    """Bring the stored chunks for `embedder` in line with `chunks` (default: the whole corpus)."""
    started = time.perf_counter()
    chunks = load_corpus() if chunks is None else chunks
    model, dim = embedder.name, embedder.dim
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": _LOCK_KEY})

    rows = await session.execute(
        text(
            "SELECT id, source, ordinal, content_sha256 FROM knowledge_chunks WHERE embedding_model = :model"
        ),
        {"model": model},
    )
    stored = {(r.source, r.ordinal): (r.id, r.content_sha256) for r in rows}
    wanted = {(c.source, c.ordinal): c for c in chunks}
    if len(wanted) != len(chunks):
        raise ValueError("two chunks share a (source, ordinal): the corpus loader is inconsistent")

    to_write = [c for key, c in wanted.items() if stored.get(key, (None, None))[1] != c.content_sha256]
    updated = sum(1 for c in to_write if (c.source, c.ordinal) in stored)
    stale_ids = [stored[key][0] for key in stored if key not in wanted]
    replace_ids = [stored[(c.source, c.ordinal)][0] for c in to_write if (c.source, c.ordinal) in stored]

    vectors = await embedder.embed_documents([c.text for c in to_write]) if to_write else []
    for vector in vectors:
        if len(vector) != dim:
            raise ValueError(f"{model} returned a {len(vector)}-dimensional vector, expected {dim}")

    doomed = stale_ids + replace_ids
    if doomed:
        await session.execute(text("DELETE FROM knowledge_chunks WHERE id = ANY(:ids)"), {"ids": doomed})
    other_deleted = 0
    if prune_other_models:
        result = await session.execute(
            text("DELETE FROM knowledge_chunks WHERE embedding_model <> :model"), {"model": model}
        )
        other_deleted = int(getattr(result, "rowcount", 0) or 0)

    bulk = len(to_write) >= copy_threshold
    if bulk:
        await _copy_in(session, to_write, vectors, model, dim, rebuild=len(to_write) >= rebuild_index_at)
        # fresh statistics: the planner's, and the word frequencies hybrid search reads (`knowledge.search`)
        await session.execute(text("ANALYZE knowledge_chunks"))
    elif to_write:
        await session.execute(
            text(
                f"INSERT INTO knowledge_chunks ({', '.join(_COLUMNS)}, embedding) VALUES "
                "(:source, :title, :heading_path, :ordinal, :text, :content_sha256, :embedding_model, "
                ":embedding_dim, CAST(:embedding AS vector))"
            ),
            [
                {
                    "source": c.source,
                    "title": c.title,
                    "heading_path": c.heading_path,
                    "ordinal": c.ordinal,
                    "text": c.text,
                    "content_sha256": c.content_sha256,
                    "embedding_model": model,
                    "embedding_dim": dim,
                    "embedding": vector_literal(v),
                }
                for c, v in zip(to_write, vectors, strict=True)
            ],
        )
    return IndexReport(
        model=model,
        dim=dim,
        added=len(to_write) - updated,
        updated=updated,
        unchanged=len(chunks) - len(to_write),
        deleted=len(stale_ids),
        other_models_deleted=other_deleted,
        bulk=bulk,
        seconds=time.perf_counter() - started,
    )


async def _copy_in(
    session: AsyncSession,
    chunks: Sequence[Chunk],
    vectors: Sequence[Sequence[float]],
    model: str,
    dim: int,
    *,
    rebuild: bool,
) -> None:
    """COPY rows into a staging table, then one INSERT … SELECT (the HNSW index rebuilt around it if
    asked)."""
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
    records = [
        (
            c.source,
            c.title,
            c.heading_path,
            c.ordinal,
            c.text,
            c.content_sha256,
            model,
            dim,
            vector_literal(v),
        )
        for c, v in zip(chunks, vectors, strict=True)
    ]
    await driver.copy_records_to_table(
        "knowledge_chunks_stage", records=records, columns=[*_COLUMNS, "embedding"]
    )
    rebuild = rebuild and dim in INDEXED_EMBEDDING_DIMS
    if rebuild:
        await session.execute(text(f"DROP INDEX IF EXISTS ix_knowledge_chunks_embedding_{dim}"))
    columns = ", ".join(_COLUMNS)
    await session.execute(
        text(
            f"INSERT INTO knowledge_chunks ({columns}, embedding) "
            f"SELECT {columns}, embedding::vector FROM knowledge_chunks_stage"
        )
    )
    if rebuild:
        await session.execute(text(hnsw_index_sql(dim)))


async def reindex() -> IndexReport | None:
    """Bring the index in line with the corpus for this process's embedder, in its own unit of work
    (`runcoach knowledge index`, and `runcoach up` after migrating). None when it was already current."""
    from core.database import session_scope
    from knowledge.embeddings import get_embedder

    async with session_scope() as session:
        return await ensure_indexed(session, get_embedder())
