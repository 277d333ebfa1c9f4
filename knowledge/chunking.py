"""Turn the markdown corpus into retrievable chunks.

A corpus file starts with a small front-matter block and is organised by headings::

    ---
    title: Tapering
    tags: [taper, race, volume]
    ---
    # Tapering
    Intro paragraph...
    ## How long to taper
    ...

Each `##` section becomes one chunk (the text before the first `##` becomes its own chunk). A section longer
than the budget is split at paragraph, then line, then word boundaries, and each continuation repeats the
last `overlap_chars` of the piece before it, so a sentence cut at a boundary is still seen whole by one chunk.
Every chunk's text starts with its heading path ("Tapering › How long to taper") so that it embeds with
its context.

Pure: no I/O beyond reading the path it is given, no database, no embeddings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_CORPUS_DIR",
    "HEADING_SEPARATOR",
    "Chunk",
    "Document",
    "chunk_document",
    "load_corpus",
    "parse_document",
]

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
HEADING_SEPARATOR = " › "

_FRONT_MATTER_FENCE = "---"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)(?:\s+#+)?\s*$")
_CODE_FENCE = re.compile(r"^\s*(```|~~~)")
# Boundaries tried in order when a section is too long: paragraph, line, word.
_SEPARATORS = ("\n\n", "\n", " ")


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed corpus file: front matter plus the markdown body."""

    source: str
    title: str
    tags: tuple[str, ...]
    body: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable piece of a document.

    `text` is what gets embedded and full-text indexed: the heading path, a blank line, then the section text.
    `content_sha256` covers source, title, heading path and text, so an indexer can skip a chunk whose stored
    hash matches and rewrite one whose content or metadata changed. `ordinal` (0-based, per document) is the
    chunk's position and is deliberately not hashed: inserting a section does not invalidate those after it.
    """

    source: str
    title: str
    heading_path: str
    ordinal: int
    text: str
    content_sha256: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        for part in (self.source, self.title, self.heading_path, self.text):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x00")
        object.__setattr__(self, "content_sha256", digest.hexdigest())


def parse_document(path_or_text: Path | str, source: str) -> Document:
    """Parse a corpus file: a `Path` is read as UTF-8, a `str` is the markdown itself.

    The optional front matter (`---` lines around `key: value` pairs) gives `title` and `tags`
    (`[a, b]` or `a, b`); other keys are ignored. Without a title the first `#` heading is used, then the
    source's stem. Raises ValueError for a front-matter block that is never closed or a malformed line in it.
    """
    raw = path_or_text.read_text(encoding="utf-8") if isinstance(path_or_text, Path) else path_or_text
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    meta, body = _split_front_matter(text, source)
    title = _unquote(meta.get("title", ""))
    if not title:
        title = _first_h1(body) or Path(source).stem.replace("-", " ").replace("_", " ").strip()
    tags = _parse_tags(meta.get("tags", ""))
    return Document(source=source, title=title, tags=tags, body=body.strip("\n"))


def chunk_document(doc: Document, max_chars: int = 1800, overlap_chars: int = 200) -> list[Chunk]:
    """Split a document into chunks of at most `max_chars` characters of `text` (heading path included).

    Sections are cut at `##` headings; `#` headings start a new root for the path; deeper headings stay
    inside their section. An empty section yields no chunk.
    """
    if overlap_chars < 0:
        raise ValueError(f"overlap_chars must be >= 0, got {overlap_chars}")
    if max_chars <= 2 * overlap_chars:
        raise ValueError(f"max_chars ({max_chars}) must exceed twice overlap_chars ({overlap_chars})")
    chunks: list[Chunk] = []
    for path, section in _sections(doc):
        heading_path = HEADING_SEPARATOR.join(path)
        prefix = f"{heading_path}\n\n"
        budget = max_chars - len(prefix)
        if budget - overlap_chars - 2 < 1:
            raise ValueError(
                f"max_chars={max_chars} leaves no room for text under heading {heading_path!r} in "
                f"{doc.source}; raise max_chars or shorten the heading"
            )
        for piece in _split_text(section, budget, overlap_chars):
            chunks.append(
                Chunk(
                    source=doc.source,
                    title=doc.title,
                    heading_path=heading_path,
                    ordinal=len(chunks),
                    text=prefix + piece,
                )
            )
    return chunks


def load_corpus(
    directory: Path | None = None, *, max_chars: int = 1800, overlap_chars: int = 200
) -> list[Chunk]:
    """Chunk every `*.md` file in `directory` (default `knowledge/corpus/`), in file-name order."""
    root = DEFAULT_CORPUS_DIR if directory is None else directory
    if not root.is_dir():
        raise FileNotFoundError(f"knowledge corpus directory not found: {root}")
    chunks: list[Chunk] = []
    for path in sorted(root.glob("*.md"), key=lambda p: p.name):
        doc = parse_document(path, source=path.name)
        chunks.extend(chunk_document(doc, max_chars=max_chars, overlap_chars=overlap_chars))
    return chunks


# --- front matter -------------------------------------------------------------------------------------


def _split_front_matter(text: str, source: str) -> tuple[dict[str, str], str]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != _FRONT_MATTER_FENCE:
        return {}, text
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == _FRONT_MATTER_FENCE)
    except StopIteration:
        raise ValueError(f"{source}: front matter opened with '---' but never closed") from None
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise ValueError(f"{source}:{number}: expected 'key: value' in front matter, got {line!r}")
        meta[key.strip().lower()] = value.strip()
    return meta, "\n".join(lines[end + 1 :])


def _parse_tags(value: str) -> tuple[str, ...]:
    inner = value.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    tags = (_unquote(tag) for tag in inner.split(","))
    return tuple(tag for tag in tags if tag)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].strip()
    return value


def _first_h1(body: str) -> str | None:
    for level, heading in _headings(body):
        if level == 1:
            return heading
    return None


# --- sections -----------------------------------------------------------------------------------------


def _headings(body: str) -> Iterator[tuple[int, str]]:
    for level, heading, _ in _scan(body):
        if level:
            yield level, heading


def _scan(body: str) -> Iterator[tuple[int, str, str]]:
    """Yield (heading level, heading text, line) per line; level 0 for non-heading lines and code."""
    in_code = False
    for line in body.split("\n"):
        if _CODE_FENCE.match(line):
            in_code = not in_code
            yield 0, "", line
            continue
        match = None if in_code else _HEADING.match(line)
        if match:
            yield len(match.group(1)), match.group(2).strip(), line
        else:
            yield 0, "", line


def _sections(doc: Document) -> Iterator[tuple[tuple[str, ...], str]]:
    """Yield (heading path, section text) for each `#`/`##` section with non-blank text."""
    root = doc.title
    path: tuple[str, ...] = (root,)
    lines: list[str] = []
    for level, heading, line in _scan(doc.body):
        if level in (1, 2):
            text = "\n".join(lines).strip()
            if text:
                yield path, text
            lines = []
            if level == 1:
                root = heading
                path = (root,)
            else:
                path = (root, heading)
        else:
            lines.append(line)
    text = "\n".join(lines).strip()
    if text:
        yield path, text


# --- splitting ----------------------------------------------------------------------------------------


def _split_text(text: str, budget: int, overlap: int) -> list[str]:
    """Split `text` into pieces of at most `budget` characters, with `overlap` characters carried over."""
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n")))
    if len(text) <= budget:
        return [text]
    unit_limit = budget - overlap - 2  # room for the carried-over tail and its separator
    units = _units(text, unit_limit, level=0, joiner="")
    pieces: list[str] = []
    current = ""
    for joiner, unit in units:
        if current and len(current) + len(joiner) + len(unit) > budget:
            pieces.append(current)
            tail = _tail(current, overlap)
            current = f"{tail}{joiner or ' '}{unit}" if tail else unit
        else:
            current = f"{current}{joiner}{unit}" if current else unit
    pieces.append(current)
    return pieces


def _units(text: str, limit: int, level: int, joiner: str) -> list[tuple[str, str]]:
    """Break `text` into (separator before it, unit) pairs, each unit at most `limit` characters.

    Tries paragraph, line and word boundaries in turn. A single word longer than `limit` (a very long URL,
    say) is the one case that is cut mid-word, because the size limit is a hard guarantee.
    """
    if len(text) <= limit:
        return [(joiner, text)]
    if level == len(_SEPARATORS):
        return [(joiner if i == 0 else "", text[i : i + limit]) for i in range(0, len(text), limit)]
    separator = _SEPARATORS[level]
    parts = [part.strip() for part in text.split(separator)]
    units: list[tuple[str, str]] = []
    for part in (p for p in parts if p):
        units.extend(_units(part, limit, level + 1, joiner if not units else separator))
    return units


def _tail(text: str, overlap: int) -> str:
    """The last `overlap` characters of `text` or fewer, starting at a word boundary."""
    if overlap == 0:
        return ""
    if len(text) <= overlap:
        return text.strip()
    start = len(text) - overlap
    if not text[start - 1].isspace():
        boundary = re.search(r"\s", text[start:])
        if boundary is None:
            return ""
        start += boundary.end()
    return text[start:].strip()
