"""Indexing and hybrid retrieval on the real database, with the keyless hashing embedder."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from knowledge.chunking import load_corpus
from knowledge.embeddings import HashingEmbedder
from knowledge.index import ensure_indexed, index_corpus
from knowledge.search import hybrid_search, text_search, vector_search, websearch_terms
from tests.knowledge.labelled_questions import LABELLED_QUESTIONS


@pytest.fixture
async def indexed(db: AsyncSession) -> HashingEmbedder:
    embedder = HashingEmbedder()
    await index_corpus(db, embedder)
    return embedder


async def test_index_then_reindex_skips_unchanged(db: AsyncSession) -> None:
    embedder = HashingEmbedder()
    chunks = load_corpus()
    first = await index_corpus(db, embedder, chunks)
    assert first.added == len(chunks) and first.unchanged == 0

    second = await index_corpus(db, embedder, chunks)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 0, 0, len(chunks))
    assert await ensure_indexed(db, embedder, chunks) is None

    changed = dataclasses.replace(chunks[3], text=chunks[3].text + "\n\nOne more sentence.")
    third = await index_corpus(db, embedder, [*chunks[:3], changed, *chunks[4:-1]])
    assert (third.added, third.updated, third.deleted) == (0, 1, 1)
    count = (await db.execute(text("SELECT count(*) FROM knowledge_chunks"))).scalar_one()
    assert count == len(chunks) - 1


async def test_model_change_reindexes_everything(db: AsyncSession) -> None:
    chunks = load_corpus()
    await index_corpus(db, HashingEmbedder(384), chunks)
    report = await index_corpus(db, HashingEmbedder(768), chunks)
    assert report.added == len(chunks) and report.other_models_deleted == len(chunks)
    models = (
        await db.execute(text("SELECT DISTINCT embedding_model, embedding_dim FROM knowledge_chunks"))
    ).all()
    assert [tuple(m) for m in models] == [("hashing-ngram-768", 768)]


async def test_bulk_copy_path_matches_row_inserts(db: AsyncSession) -> None:
    embedder = HashingEmbedder()
    report = await index_corpus(db, embedder, copy_threshold=1, rebuild_index_at=1)
    assert report.bulk and report.added == len(load_corpus())
    indexes = (
        await db.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'knowledge_chunks'"))
    ).scalars()
    assert "ix_knowledge_chunks_embedding_384" in set(indexes)
    hits = await hybrid_search(db, embedder, "how long should I taper")
    assert hits[0].source == "tapering.md"


async def test_hybrid_search_finds_the_taper_chunk_with_citation(
    db: AsyncSession, indexed: HashingEmbedder
) -> None:
    hits = await hybrid_search(db, indexed, "how long should I taper")
    assert hits, "no results"
    assert hits[0].source == "tapering.md"
    assert any(h.heading_path == "Tapering › How long to taper" for h in hits[:3])
    assert all(h.vector_rank is not None or h.text_rank is not None for h in hits)
    fused = [h for h in hits if h.vector_rank and h.text_rank]
    assert fused, "expected at least one chunk ranked by both vector and full text"


async def test_websearch_terms_cannot_inject_operators() -> None:
    assert websearch_terms('taper -"race" OR (x)') == "taper or race or OR or x"
    assert websearch_terms("!!!") == ""


async def test_search_with_only_stop_words_is_empty_not_an_error(
    db: AsyncSession, indexed: HashingEmbedder
) -> None:
    assert await text_search(db, indexed.name, "the and of") == []


async def test_recall_at_5_on_labelled_questions(
    db: AsyncSession, indexed: HashingEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(LABELLED_QUESTIONS) >= 30
    hybrid_hits = vector_hits = 0
    misses = []
    for question, expected in LABELLED_QUESTIONS:
        found = await hybrid_search(db, indexed, question, limit=5)
        assert len(found) == 5 and max(Counter(h.source for h in found).values()) <= 2  # per_source cap
        hybrid = {h.source for h in found}
        vector = {h.source for h in await vector_search(db, indexed, question, limit=5)}
        hybrid_hits += bool(hybrid & expected)
        vector_hits += bool(vector & expected)
        if not hybrid & expected:
            misses.append(question)
    recall = hybrid_hits / len(LABELLED_QUESTIONS)
    with capsys.disabled():
        print(
            f"\nrecall@5 over {len(LABELLED_QUESTIONS)} labelled questions ({indexed.name}): "
            f"hybrid {recall:.3f}, vector only {vector_hits / len(LABELLED_QUESTIONS):.3f}; misses: {misses}"
        )
    assert recall >= 0.9, misses


async def test_vector_query_shape_can_use_the_dimension_hnsw_index(
    db: AsyncSession, indexed: HashingEmbedder
) -> None:
    from knowledge.repository import vector_cte, vector_literal

    await db.execute(text("SET LOCAL enable_seqscan = off"))
    plan = (
        await db.execute(
            text(f"EXPLAIN WITH {vector_cte(384)} SELECT * FROM vec"),
            {
                "embedding": vector_literal(await indexed.embed_query("taper")),
                "model": indexed.name,
                "candidates": 10,
            },
        )
    ).scalars()
    assert any("ix_knowledge_chunks_embedding_384" in line for line in plan)


async def test_all_words_first_then_any_word(db: AsyncSession, indexed: HashingEmbedder) -> None:
    from knowledge.search import websearch_words

    assert websearch_words('taper -"race"') == "taper race"
    hits = await text_search(db, indexed.name, "taper marathon weeks", limit=5)
    assert hits and all(h.text_rank is not None for h in hits)
    assert hits[0].source == "tapering.md"
    # no chunk has every word: the any-word tier still answers
    assert await text_search(db, indexed.name, "taper zzzyzx", limit=3)
