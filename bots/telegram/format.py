"""Coach text → Telegram messages: HTML that Telegram accepts, split under its 4096-character limit.

The coach writes light Markdown (`**bold**`, `*italic*`/`_italic_`, `` `code` ``, `# headings`, `- lists`).
Telegram's MarkdownV2 rejects a message over one unescaped character, so we send `parse_mode=HTML`
with everything escaped and only `<b>`, `<i>` and `<code>` produced by us — always balanced, on one line.
Long text is split at paragraph, then line, then word boundaries, each part rendered on its own.
"""

from __future__ import annotations

import html
import re

TELEGRAM_LIMIT = 4096

_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*|__([^_\n]+)__")
_ITALIC = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])|(?<![\w_])_([^_\n]+)_(?![\w_])")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$")
_BULLET = re.compile(r"^(\s*)[-*]\s+")


def _inline(line: str) -> str:
    """One line of Markdown → escaped HTML (code spans are never formatted inside)."""
    parts = _CODE.split(line)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 1:
            out.append(f"<code>{html.escape(part, quote=False)}</code>")
            continue
        text = html.escape(part, quote=False)
        text = _BOLD.sub(lambda m: f"<b>{m.group(1) or m.group(2)}</b>", text)
        text = _ITALIC.sub(lambda m: f"<i>{m.group(1) or m.group(2)}</i>", text)
        out.append(text)
    return "".join(out)


def to_html(markdown: str) -> str:
    """Telegram-safe HTML for a piece of coach text."""
    lines = []
    for line in markdown.splitlines():
        if heading := _HEADING.match(line):
            lines.append(f"<b>{_inline(heading.group(1))}</b>")
        elif bullet := _BULLET.match(line):
            lines.append(f"{bullet.group(1)}• {_inline(line[bullet.end() :])}")
        else:
            lines.append(_inline(line))
    return "\n".join(lines)


def _split_raw(text: str, limit: int) -> list[str]:
    """Split plain text into pieces of at most `limit` characters at the nicest boundary available."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep)
            if cut > limit // 3:
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def split_html(markdown: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The text as rendered HTML messages, each at most `limit` characters (escaping may grow a piece,
    so a piece that renders too long is split again, smaller)."""
    out: list[str] = []
    budget = limit
    pending = _split_raw(markdown, budget)
    while pending:
        piece = pending.pop(0)
        rendered = to_html(piece)
        if len(rendered) <= limit or len(piece) <= 1:
            out.append(rendered[:limit])
        else:
            pending[:0] = _split_raw(piece, max(1, len(piece) * limit // len(rendered) - 16))
    return out


def escape(text: str) -> str:
    return html.escape(text, quote=False)
