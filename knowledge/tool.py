"""`search_knowledge`: hybrid search over RunCoach's own training knowledge, with citations."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from knowledge.embeddings import Embedder, get_embedder
from knowledge.index import ensure_indexed
from knowledge.search import hybrid_search
from tools.deps import ToolDeps
from tools.registry import tool

MAX_PASSAGES = 8


class SearchKnowledgeInput(BaseModel):
    query: str = Field(
        min_length=2,
        max_length=300,
        description="the question or topic in plain words, e.g. 'how long to taper'",
    )
    limit: int = Field(default=4, description=f"how many passages to return (1-{MAX_PASSAGES})")

    @field_validator("query")
    @classmethod
    def _strip(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("limit")
    @classmethod
    def _clamp(cls, value: int) -> int:
        return max(1, min(MAX_PASSAGES, value))


class Passage(BaseModel):
    source: str = Field(description="corpus file the passage comes from")
    title: str
    heading_path: str = Field(description="document › section")
    text: str
    score: float


class CitationRef(BaseModel):
    source: str
    title: str
    heading_path: str


class SearchKnowledgeOutput(BaseModel):
    query: str
    embedding_model: str
    passages: list[Passage]
    citations: list[CitationRef] = Field(description="where each passage comes from, best first, no repeats")


def _embedder(deps: ToolDeps) -> Embedder:
    chosen = deps.clients.get("embedder")
    return chosen if isinstance(chosen, Embedder) else get_embedder()


@tool()
async def search_knowledge(deps: ToolDeps, args: SearchKnowledgeInput) -> SearchKnowledgeOutput:
    """Search RunCoach's training knowledge base (heart-rate and pace zones, easy running, long runs,
    intervals and threshold, periodization, tapering, race week, recovery and sleep, HRV, injury warning
    signs, fuelling, shoes, strength, and how RunCoach computes load, VDOT, predictions and readiness).
    Returns the most relevant passages with their sources. Use it for general training questions and cite
    the sources you used; use the athlete's data tools for anything about their own training."""
    embedder = _embedder(deps)
    await ensure_indexed(deps.session, embedder)
    hits = await hybrid_search(deps.session, embedder, args.query, limit=args.limit)
    citations: list[CitationRef] = []
    seen: set[tuple[str, str]] = set()
    for hit in hits:
        if (hit.source, hit.heading_path) not in seen:
            seen.add((hit.source, hit.heading_path))
            citations.append(CitationRef(source=hit.source, title=hit.title, heading_path=hit.heading_path))
    return SearchKnowledgeOutput(
        query=args.query,
        embedding_model=embedder.name,
        passages=[
            Passage(source=h.source, title=h.title, heading_path=h.heading_path, text=h.text, score=h.score)
            for h in hits
        ],
        citations=citations,
    )
