"""Typed text is trimmed, required and bounded, with the caller's own messages."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from tools.feed.comments import MAX_COMMENT_CHARS, clean_body
from tools.text_input import required_text


def test_text_is_trimmed_and_kept_within_the_limit() -> None:
    assert required_text("  hi there \n", max_chars=8, empty="e", too_long="t") == "hi there"
    assert required_text("x" * 8, max_chars=8, empty="e", too_long="t") == "x" * 8


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_nothing_but_whitespace_is_refused_with_the_empty_message(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        required_text(text, max_chars=8, empty="Write something.", too_long="t")
    assert refused.value.message == "Write something."


def test_too_long_says_the_limit_and_the_length() -> None:
    with pytest.raises(InvalidInput) as refused:
        required_text(" " + "x" * 9, max_chars=8, empty="e", too_long="Under {max_chars}, not {length}.")
    assert refused.value.message == "Under 8, not 9."


def test_a_feed_comment_keeps_its_messages() -> None:
    with pytest.raises(InvalidInput, match="the comment is empty"):
        clean_body("  ")
    with pytest.raises(InvalidInput) as refused:
        clean_body("x" * (MAX_COMMENT_CHARS + 1))
    assert refused.value.message == (
        f"Keep a comment under {MAX_COMMENT_CHARS} characters (this one has {MAX_COMMENT_CHARS + 1})."
    )
