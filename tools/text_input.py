"""Text a person types (a comment, a chat message): trimmed, required and bounded, with messages that say
what to write instead."""

from __future__ import annotations

from core.errors import InvalidInput


def required_text(text: str, *, max_chars: int, empty: str, too_long: str) -> str:
    """`text` without surrounding whitespace; `InvalidInput(empty)` when nothing is left, and
    `InvalidInput(too_long)` over `max_chars` (`too_long` may name `{max_chars}` and `{length}`)."""
    stripped = text.strip()
    if not stripped:
        raise InvalidInput(empty)
    if len(stripped) > max_chars:
        raise InvalidInput(too_long.format(max_chars=max_chars, length=len(stripped)))
    return stripped
