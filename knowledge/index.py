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

from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.chunking import Chunk, load_corpus
from knowledge.embeddings import Embedder
from knowledge.repository import KnowledgeChunks, vector_literal

__all__ = [
    "IndexReport",
    "corpus_fingerprint",
    "ensure_indexed",
    "index_corpus",
    "reindex",
]


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


def corpus_fingerprint(chunks: Sequence[Chunk]) -> str:
    """A digest of what the index must contain (order-independent), to compare with the stored rows."""
    keys = sorted(f"{c.source}|{c.ordinal}|{c.content_sha256}" for c in chunks)
    return hashlib.md5("\n".join(keys).encode(), usedforsecurity=False).hexdigest()


async def ensure_indexed(
    session: AsyncSession, embedder: Embedder, chunks: Sequence[Chunk] | None = None
) -> IndexReport | None:
    """Index the corpus if the stored rows for this embedder do not match it; None when already current."""
    chunks = load_corpus() if chunks is None else chunks
    if await KnowledgeChunks(session).fingerprint(embedder.name) == corpus_fingerprint(chunks):
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
    chunks_table = KnowledgeChunks(session)
    await chunks_table.lock_for_indexing()
    stored = await chunks_table.stored(model)
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
        await chunks_table.delete(doomed)
    other_deleted = 0
    if prune_other_models:
        other_deleted = await chunks_table.delete_other_models(model)

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
        for c, v in zip(to_write, vectors, strict=True)
    ]
    bulk = len(to_write) >= copy_threshold
    if bulk:
        await chunks_table.copy_in(records, dim, rebuild=len(to_write) >= rebuild_index_at)
        # fresh statistics: the planner's, and the word frequencies hybrid search reads (`knowledge.search`)
        await chunks_table.analyze()
    elif to_write:
        await chunks_table.insert(records)
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


async def reindex() -> IndexReport | None:
    """Bring the index in line with the corpus for this process's embedder, in its own unit of work
    (`runcoach knowledge index`, and `runcoach up` after migrating). None when it was already current."""
    from core.database import session_scope
    from knowledge.embeddings import get_embedder

    async with session_scope() as session:
        return await ensure_indexed(session, get_embedder())
