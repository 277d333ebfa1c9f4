from __future__ import annotations

from pgvector.sqlalchemy import Vector
from sqlalchemy import Computed, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt

#: dimensions that have an HNSW index (expression index per dimension, see the initial migration)
INDEXED_EMBEDDING_DIMS: tuple[int, ...] = (384, 768, 1536)


class KnowledgeChunk(CreatedAt, Base):
    """A chunk of the knowledge corpus with its embedding and full-text vector.

    The embedding column has no fixed dimension: the model and dimension are stored with each chunk, and
    each supported dimension has its own partial HNSW index over `embedding::vector(dim)`, so changing the
    model re-indexes instead of mixing vector spaces.
    """

    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        UniqueConstraint("source", "ordinal", "embedding_model"),
        Index("ix_knowledge_chunks_search", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    heading_path: Mapped[str] = mapped_column(String(400))
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    embedding_model: Mapped[str] = mapped_column(String(120))
    embedding_dim: Mapped[int] = mapped_column(Integer)
    embedding = mapped_column(Vector())
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('english', coalesce(heading_path, '') || ' ' || coalesce(text, ''))", persisted=True
        ),
    )
