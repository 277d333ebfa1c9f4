"""The coach's instructions, kept as markdown beside the code that fills them in."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_DIR = Path(__file__).resolve().parent


@cache
def _template(name: str) -> str:
    return (_DIR / f"{name}.md").read_text(encoding="utf-8")


def coach_instructions(context: dict[str, Any], *, today: str, units: str) -> str:
    """The system instructions for one turn: the fixed rules plus the athlete context loaded for it."""
    rules = _template("coach").replace("{units}", units)
    facts = json.dumps(context, separators=(",", ":"), default=str, sort_keys=True)
    return (
        f"{rules}\nToday is {today} in the athlete's time zone.\n\n"
        f"Athlete context (from RunCoach's tools):\n{facts}\n"
    )
