"""Knowledge retrieval latency at 10 000 chunks: hybrid (vector + full text, reciprocal rank fusion) against
vector-only search, on the same index, in the same run.

    python bench/knowledge_search.py [--chunks 10000] [--rounds 5]

It starts its own embedded PostgreSQL under a temporary RUNCOACH_HOME (or uses DATABASE_URL when set),
migrates, and indexes `--chunks` chunks with the keyless `hashing-ngram-384` embedder: the real corpus, then
variants of it (each corpus chunk with a different tail of filler sentences, under its own source name) up
to the count. The queries are the labelled questions of the retrieval test, asked `--rounds` times each,
hybrid and vector-only interleaved. Latency is the whole call: query embedding plus one SQL round trip.
Recall@5 counts a hit when a returned chunk comes from (a variant of) an expected document.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import percentile, run_on_fresh_database  # noqa: E402

FILLER = [
    "Consistency across months matters more than any single session",
    "Keep most running easy and conversational",
    "Sleep and food are part of training",
    "Progress volume gradually and take a lighter week every few weeks",
    "Warm up before hard efforts and cool down after them",
    "Listen to pain that changes how you run",
    "Hills build strength and economy",
    "Strides keep the legs quick without adding fatigue",
]


def _row(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"  {name:<34} p50 {statistics.median(ms):6.2f} ms   p99 {percentile(ms, 99):6.2f} ms"
        f"   mean {statistics.fmean(ms):6.2f} ms"
    )


async def _bench(total: int, rounds: int) -> None:
    from sqlalchemy import text

    from core.database import dispose_engine, get_sessionmaker
    from knowledge.chunking import Chunk, load_corpus
    from knowledge.embeddings import HashingEmbedder
    from knowledge.index import index_corpus
    from knowledge.repository import vector_literal
    from knowledge.search import hybrid_search, vector_search
    from tests.knowledge.labelled_questions import LABELLED_QUESTIONS

    corpus = load_corpus()
    rng = random.Random(7)
    chunks: list[Chunk] = list(corpus)
    variant = 0
    while len(chunks) < total:
        variant += 1
        for base in corpus:
            if len(chunks) >= total:
                break
            tail = ". ".join(rng.sample(FILLER, 3)) + "."
            chunks.append(
                Chunk(
                    source=f"v{variant:03d}-{base.source}",
                    title=base.title,
                    heading_path=base.heading_path,
                    ordinal=base.ordinal,
                    text=f"{base.text}\n\n{tail}",
                )
            )
    embedder = HashingEmbedder()
    maker = get_sessionmaker()
    async with maker() as session:
        started = time.perf_counter()
        report = await index_corpus(session, embedder, chunks)
        await session.commit()
        index_s = time.perf_counter() - started
        await session.execute(text("ANALYZE knowledge_chunks"))
        await session.commit()
    print(
        f"indexed {report.written} chunks with {report.model} in {index_s:.1f} s "
        f"(embedding + COPY + HNSW build; bulk path: {report.bulk})"
    )

    def origin(source: str) -> str:
        return source.split("-", 1)[1] if source.startswith("v") and source[1:4].isdigit() else source

    hybrid_s: list[float] = []
    vector_s: list[float] = []
    embed_s: list[float] = []
    hybrid_hits = vector_hits = 0
    async with maker() as session:
        query_vector = await embedder.embed_query("how long should I taper")
        plan = (
            await session.execute(
                text(
                    "EXPLAIN SELECT id FROM knowledge_chunks "
                    "WHERE embedding_dim = 384 AND embedding_model = :m "
                    "ORDER BY (embedding::vector(384)) <=> CAST(:q AS vector(384)) LIMIT 40"
                ),
                {"m": embedder.name, "q": vector_literal(query_vector)},
            )
        ).scalars()
        uses_index = any("ix_knowledge_chunks_embedding_384" in line for line in plan)
        for question, _ in LABELLED_QUESTIONS[:5]:  # warm-up
            await hybrid_search(session, embedder, question)
            await vector_search(session, embedder, question)
        for round_ in range(rounds):
            for question, expected in LABELLED_QUESTIONS:
                t0 = time.perf_counter()
                await embedder.embed_query(question)
                embed_s.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                hybrid = await hybrid_search(session, embedder, question, limit=5)
                hybrid_s.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                vector = await vector_search(session, embedder, question, limit=5)
                vector_s.append(time.perf_counter() - t0)
                if round_ == 0:
                    hybrid_hits += bool({origin(h.source) for h in hybrid} & expected)
                    vector_hits += bool({origin(h.source) for h in vector} & expected)
    n = len(LABELLED_QUESTIONS)
    print(f"knowledge search over {len(chunks)} chunks, {len(hybrid_s)} queries each")
    print(f"vector part uses ix_knowledge_chunks_embedding_384 (HNSW): {'yes' if uses_index else 'no'}")
    print(_row("hybrid (vector + full text, RRF)", hybrid_s))
    print(_row("vector only (baseline)", vector_s))
    print(_row("query embedding alone (in both)", embed_s))
    ratio = statistics.median(hybrid_s) / statistics.median(vector_s)
    print(f"hybrid / vector-only latency (p50): {ratio:.2f}x")
    print(
        f"recall@5, {n} labelled questions: hybrid {hybrid_hits / n:.3f}, vector only {vector_hits / n:.3f}"
    )
    await dispose_engine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    run_on_fresh_database(lambda: _bench(args.chunks, args.rounds), reuse_home=True)


if __name__ == "__main__":
    main()
