"""Chunking of the knowledge corpus: front matter, heading paths, size limits, overlap, stable hashes."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.chunking import (
    DEFAULT_CORPUS_DIR,
    HEADING_SEPARATOR,
    Chunk,
    Document,
    chunk_document,
    load_corpus,
    parse_document,
)

CORPUS_FILES = sorted(DEFAULT_CORPUS_DIR.glob("*.md"), key=lambda p: p.name)

EXPECTED_FILES = {
    "heart-rate-zones.md",
    "pace-zones-and-vdot.md",
    "periodization.md",
    "long-runs.md",
    "intervals-and-threshold.md",
    "easy-running-and-80-20.md",
    "tapering.md",
    "recovery-and-sleep.md",
    "hrv-and-readiness.md",
    "injury-warning-signs.md",
    "fuelling-and-hydration.md",
    "strength-and-mobility.md",
    "race-week.md",
    "shoes-and-gear.md",
    "how-runcoach-computes-training-load.md",
    "how-runcoach-computes-zones-and-predictions.md",
    "how-runcoach-computes-readiness.md",
    "how-runcoach-computes-vo2max-and-marathon-shape.md",
    "safety-and-limits.md",
    "heat-and-humidity.md",
    "altitude.md",
    "race-day-pacing.md",
    "overtraining-and-under-fuelling.md",
    "returning-after-illness-or-a-break.md",
    "common-running-injuries.md",
    "cadence-and-running-form.md",
    "hills.md",
    "base-building.md",
    "how-runcoach-builds-and-adapts-plans.md",
}

SAMPLE = """---
title: Tapering
tags: [taper, "race day", volume]
source_note: ignored
---
# Tapering

A taper reduces training before a race.

## How long to taper

A marathon taper lasts two to three weeks.

## What to keep

Keep some intensity during the taper.
"""


def body_of(chunk: Chunk) -> str:
    """The chunk's text without its heading-path prefix."""
    prefix = f"{chunk.heading_path}\n\n"
    assert chunk.text.startswith(prefix)
    return chunk.text[len(prefix) :]


def make_doc(body: str, title: str = "Doc") -> Document:
    return Document(source="doc.md", title=title, tags=(), body=body)


# --- front matter ---------------------------------------------------------------------------------------


def test_front_matter_gives_title_tags_and_body() -> None:
    doc = parse_document(SAMPLE, source="tapering.md")
    assert doc.source == "tapering.md"
    assert doc.title == "Tapering"
    assert doc.tags == ("taper", "race day", "volume")
    assert doc.body.startswith("# Tapering")
    assert "---" not in doc.body
    assert "source_note" not in doc.body


def test_front_matter_from_path_and_windows_newlines(tmp_path: Path) -> None:
    path = tmp_path / "tapering.md"
    path.write_bytes(SAMPLE.replace("\n", "\r\n").encode("utf-8"))
    doc = parse_document(path, source=path.name)
    assert doc == parse_document(SAMPLE, source="tapering.md")
    assert "\r" not in doc.body


def test_quoted_title_and_bare_tag_list() -> None:
    doc = parse_document("---\ntitle: 'Race: week'\ntags: a, b ,, c\n---\ntext\n", source="x.md")
    assert doc.title == "Race: week"
    assert doc.tags == ("a", "b", "c")


def test_without_front_matter_title_falls_back_to_h1_then_file_name() -> None:
    assert parse_document("intro\n# Long runs\n\ntext\n", source="x.md").title == "Long runs"
    doc = parse_document("just text\n", source="race-week.md")
    assert doc.title == "race week"
    assert doc.tags == ()
    assert doc.body == "just text"


def test_unclosed_front_matter_is_an_error() -> None:
    with pytest.raises(ValueError, match="never closed"):
        parse_document("---\ntitle: x\n# Heading\n", source="bad.md")


def test_malformed_front_matter_line_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"bad\.md:3"):
        parse_document("---\ntitle: x\nno colon here\n---\nbody\n", source="bad.md")


# --- sections and heading paths -------------------------------------------------------------------------


def test_sections_become_chunks_with_heading_paths() -> None:
    chunks = chunk_document(parse_document(SAMPLE, source="tapering.md"))
    assert [c.heading_path for c in chunks] == [
        "Tapering",
        f"Tapering{HEADING_SEPARATOR}How long to taper",
        f"Tapering{HEADING_SEPARATOR}What to keep",
    ]
    assert [c.ordinal for c in chunks] == [0, 1, 2]
    assert chunks[1].text == "Tapering › How long to taper\n\nA marathon taper lasts two to three weeks."
    assert all(c.source == "tapering.md" and c.title == "Tapering" for c in chunks)


def test_deeper_headings_stay_inside_their_section() -> None:
    body = "# Root\n## Section\nintro\n### Detail\nmore\n#### Finer\nend\n"
    chunks = chunk_document(make_doc(body))
    assert len(chunks) == 1
    assert chunks[0].heading_path == "Root › Section"
    assert "### Detail" in chunks[0].text and "#### Finer" in chunks[0].text


def test_headings_inside_code_fences_are_not_sections() -> None:
    body = "# Root\n## Real\n```\n## not a heading\n```\nafter\n"
    chunks = chunk_document(make_doc(body))
    assert [c.heading_path for c in chunks] == ["Root › Real"]
    assert "## not a heading" in chunks[0].text


def test_closing_hashes_are_stripped_but_a_hash_in_a_word_is_kept() -> None:
    chunks = chunk_document(make_doc("# Root\n## Section ##\na\n## C# tips\nb\n"))
    assert [c.heading_path for c in chunks] == ["Root › Section", "Root › C# tips"]


def test_text_before_any_heading_uses_the_title() -> None:
    chunks = chunk_document(make_doc("preamble\n## Part\ntext\n", title="Shoes"))
    assert [c.heading_path for c in chunks] == ["Shoes", "Shoes › Part"]


def test_empty_sections_yield_no_chunks() -> None:
    body = "# Root\n\n## Empty\n\n   \n## Also empty\n## Full\ncontent\n"
    chunks = chunk_document(make_doc(body))
    assert [c.heading_path for c in chunks] == ["Root › Full"]
    assert [c.ordinal for c in chunks] == [0]


# --- splitting long sections ----------------------------------------------------------------------------


def _paragraph(n: int, words: int = 45) -> str:
    return " ".join(f"p{n}w{i}" for i in range(words))


def test_long_section_splits_on_paragraph_boundaries_with_overlap() -> None:
    paragraphs = [_paragraph(n) for n in range(8)]  # ~290 characters each
    doc = make_doc("# Root\n## Long\n" + "\n\n".join(paragraphs))
    chunks = chunk_document(doc, max_chars=800, overlap_chars=120)
    assert len(chunks) > 1
    assert all(c.heading_path == "Root › Long" for c in chunks)
    assert all(len(c.text) <= 800 for c in chunks)
    bodies = [body_of(c) for c in chunks]
    # Every piece after the overlap starts at a paragraph boundary: no paragraph is cut.
    for body in bodies:
        for part in body.split("\n\n"):
            assert any(p.endswith(part) for p in paragraphs), part
    # Each continuation starts with a non-empty tail of the previous piece, no longer than the overlap.
    for previous, current in itertools.pairwise(bodies):
        tail = current.split("\n\n")[0]
        assert previous.endswith(tail)
        assert 0 < len(tail) <= 120
    # Every paragraph survives whole in some chunk.
    for paragraph in paragraphs:
        assert any(paragraph in body for body in bodies)


def test_overlong_paragraph_splits_on_word_boundaries() -> None:
    words = [f"word{i:03d}" for i in range(300)]
    doc = make_doc("# Root\n## One paragraph\n" + " ".join(words))
    chunks = chunk_document(doc, max_chars=500, overlap_chars=60)
    assert len(chunks) >= 5
    vocabulary = set(words)
    for chunk in chunks:
        assert len(chunk.text) <= 500
        assert set(body_of(chunk).split()) <= vocabulary  # no token is a fragment of a word
    covered = {w for c in chunks for w in body_of(c).split()}
    assert covered == vocabulary
    bodies = [body_of(c) for c in chunks]
    for previous, current in itertools.pairwise(bodies):
        first = current.split()[0]
        assert first in previous.split()[-10:]  # overlap carried over from the end of the previous piece


def test_list_lines_split_on_line_boundaries() -> None:
    items = [f"- item {i}: " + " ".join(["easy"] * 12) for i in range(40)]
    chunks = chunk_document(make_doc("# Root\n## List\n" + "\n".join(items)), max_chars=600, overlap_chars=0)
    assert len(chunks) > 1
    for chunk in chunks:
        assert all(line in items for line in body_of(chunk).split("\n"))


def test_zero_overlap_partitions_the_text() -> None:
    paragraphs = [_paragraph(n, words=30) for n in range(10)]
    chunks = chunk_document(make_doc("# R\n## S\n" + "\n\n".join(paragraphs)), max_chars=700, overlap_chars=0)
    assert "\n\n".join(body_of(c) for c in chunks) == "\n\n".join(paragraphs)


def test_a_single_giant_word_is_cut_to_respect_the_limit() -> None:
    chunks = chunk_document(make_doc("# R\n## S\n" + "x" * 1000), max_chars=300, overlap_chars=50)
    assert all(len(c.text) <= 300 for c in chunks)
    assert "".join(body_of(c) for c in chunks).count("x") >= 1000


@pytest.mark.parametrize(("max_chars", "overlap"), [(100, 60), (400, -1), (20, 0)])
def test_invalid_limits_are_rejected(max_chars: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        doc = parse_document(SAMPLE, source="tapering.md")
        chunk_document(doc, max_chars=max_chars, overlap_chars=overlap)


_word = st.text(alphabet="abcdefghij", min_size=1, max_size=10)
_line = st.lists(_word, min_size=1, max_size=30)
_paragraph_st = st.lists(_line, min_size=1, max_size=4)
_section = st.lists(_paragraph_st, min_size=1, max_size=12)


def _numbered(section: list[list[list[str]]]) -> str:
    """Render paragraphs of lines of words, each word made unique so its position is unambiguous."""
    counter = iter(range(10**6))
    return "\n\n".join(
        "\n".join(" ".join(f"{word}{next(counter)}" for word in line) for line in paragraph)
        for paragraph in section
    )


@settings(max_examples=150, deadline=None)
@given(
    section=_section,
    max_chars=st.integers(min_value=150, max_value=900),
    overlap=st.integers(min_value=0, max_value=60),
)
def test_splitting_respects_limit_words_and_order(
    section: list[list[list[str]]], max_chars: int, overlap: int
) -> None:
    text = _numbered(section)
    chunks = chunk_document(make_doc(f"# T\n## S\n{text}"), max_chars=max_chars, overlap_chars=overlap)
    original = text.split()
    position = 0
    for chunk in chunks:
        assert len(chunk.text) <= max_chars
        tokens = body_of(chunk).split()
        assert tokens
        # Whole words only, in order: the piece re-reads at most an overlap of the previous piece and then
        # continues the original exactly where the previous piece stopped.
        assert set(tokens) <= set(original)
        start = original.index(tokens[0])
        assert start <= position
        assert len(" ".join(original[start:position])) <= overlap
        assert tokens == original[start : start + len(tokens)]
        assert start + len(tokens) > position
        position = start + len(tokens)
    assert position == len(original)


# --- hashes ---------------------------------------------------------------------------------------------


def test_hashes_are_stable_and_pinned() -> None:
    first = chunk_document(parse_document(SAMPLE, source="tapering.md"))
    second = chunk_document(parse_document(SAMPLE, source="tapering.md"))
    assert [c.content_sha256 for c in first] == [c.content_sha256 for c in second]
    assert all(re.fullmatch(r"[0-9a-f]{64}", c.content_sha256) for c in first)
    assert len({c.content_sha256 for c in first}) == len(first)
    # Pinned so a change to the hashing scheme (which re-embeds the whole corpus) is deliberate.
    assert first[1].content_sha256 == PINNED_SHA256


PINNED_SHA256 = "7ab409de70b1c82dc6b95e7a572fd2d057541e473aeb254a90c7cb57183957a9"


def test_hash_changes_with_text_but_not_with_position() -> None:
    before = {c.heading_path: c for c in chunk_document(parse_document(SAMPLE, source="tapering.md"))}
    edited = SAMPLE.replace("two to three weeks", "three weeks")
    inserted = SAMPLE.replace("## How long", "## New section\n\nNew text.\n\n## How long")
    after_edit = {c.heading_path: c for c in chunk_document(parse_document(edited, source="tapering.md"))}
    after_insert = {c.heading_path: c for c in chunk_document(parse_document(inserted, source="tapering.md"))}

    changed = "Tapering › How long to taper"
    untouched = "Tapering › What to keep"
    assert after_edit[changed].content_sha256 != before[changed].content_sha256
    assert after_edit[untouched].content_sha256 == before[untouched].content_sha256
    assert after_insert[changed].ordinal == before[changed].ordinal + 1
    assert after_insert[changed].content_sha256 == before[changed].content_sha256


def test_hash_changes_with_source_or_title() -> None:
    base = chunk_document(parse_document(SAMPLE, source="tapering.md"))[1]
    renamed = chunk_document(parse_document(SAMPLE, source="taper.md"))[1]
    retitled_text = SAMPLE.replace("title: Tapering", "title: Taper")
    retitled = chunk_document(parse_document(retitled_text, source="tapering.md"))[1]
    assert base.text == renamed.text == retitled.text
    assert len({base.content_sha256, renamed.content_sha256, retitled.content_sha256}) == 3


def test_chunks_are_immutable() -> None:
    chunk = chunk_document(parse_document(SAMPLE, source="tapering.md"))[0]
    with pytest.raises(AttributeError):
        chunk.text = "changed"  # type: ignore[misc]


# --- the corpus -----------------------------------------------------------------------------------------


def test_corpus_has_the_expected_files() -> None:
    assert {p.name for p in CORPUS_FILES} == EXPECTED_FILES


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_file_parses_and_chunks(path: Path) -> None:
    doc = parse_document(path, source=path.name)
    assert path.read_text(encoding="utf-8").startswith("---\ntitle: ")
    assert doc.title and doc.tags
    assert 600 <= len(doc.body.split()) <= 1500
    chunks = chunk_document(doc)
    assert len(chunks) >= 3
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    h2 = [line[3:].strip() for line in doc.body.splitlines() if line.startswith("## ")]
    paths = {c.heading_path for c in chunks}
    for heading in h2:
        assert any(p.endswith(f"{HEADING_SEPARATOR}{heading}") for p in paths), heading
    for chunk in chunks:
        assert len(chunk.text) <= 1800
        assert body_of(chunk).strip()
        assert chunk.source == path.name and chunk.title == doc.title


def test_load_corpus_is_deterministic_and_ordered() -> None:
    first = load_corpus()
    second = load_corpus()
    assert first == second
    assert [c.source for c in first] == sorted(c.source for c in first)
    assert {c.source for c in first} == EXPECTED_FILES
    assert len({c.content_sha256 for c in first}) == len(first)


def test_load_corpus_respects_limits() -> None:
    chunks = load_corpus(max_chars=700, overlap_chars=100)
    assert all(len(c.text) <= 700 for c in chunks)
    assert all(body_of(c).strip() for c in chunks)
    assert len(chunks) > len(load_corpus())


def test_load_corpus_reads_another_directory(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "a.md").write_text("# A\n## One\ntext\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("# ignored\n", encoding="utf-8")
    chunks = load_corpus(tmp_path)
    assert [c.source for c in chunks] == ["a.md", "b.md", "b.md", "b.md"]


def test_load_corpus_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="knowledge corpus"):
        load_corpus(tmp_path / "missing")


def test_a_tapering_chunk_mentions_taper() -> None:
    chunks = [c for c in load_corpus() if c.source == "tapering.md"]
    assert any("How long to taper" in c.heading_path for c in chunks)
    assert all("taper" in c.text.lower() for c in chunks)


def test_every_section_of_the_corpus_names_its_subject() -> None:
    """Each chunk stands alone: its body repeats a word from its own heading or the document title."""
    stop = {"and", "the", "for", "with", "how", "what", "why", "when", "your", "from", "runcoach", "computes"}
    for chunk in load_corpus():
        words = {w for w in re.findall(r"[a-z0-9]+", chunk.heading_path.lower()) if len(w) > 2} - stop
        stems = {w[: max(4, len(w) - 3)] for w in words}  # "tapering" -> "taper"
        body = body_of(chunk).lower()
        assert any(stem in body for stem in stems), chunk.heading_path
