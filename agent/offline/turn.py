"""One turn as the offline coach sees it: the athlete's message, this turn's tool calls with their results,
and how to print figures in the athlete's units.

Figures are printed only from tool results and in the forms the grounding check reads with their unit:
distances "9.01 km" (or "5.60 mi"), paces "5:14 /km", durations "47:12" / "1:05:03", heart rates "154 bpm"
(only for heart-rate fields). Days are printed as "Thu 2026-11-19": a date never reads as a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["Fmt", "Result", "Turn"]

MILE_KM = 1.609344


@dataclass(frozen=True)
class Result:
    tool: str
    args: dict[str, Any]
    content: Any

    @property
    def ok(self) -> bool:
        return isinstance(self.content, dict) and not (
            set(self.content) == {"error", "message"} or set(self.content) == {"error"}
        )

    @property
    def data(self) -> dict[str, Any]:
        return self.content if self.ok else {}

    @property
    def error(self) -> str:
        if isinstance(self.content, dict):
            return str(self.content.get("message") or self.content.get("error") or "it failed")
        return str(self.content)


@dataclass
class Turn:
    """This turn's results, in call order."""

    results: list[Result] = field(default_factory=list)
    retries: list[tuple[str, str]] = field(default_factory=list)

    def get(self, tool: str, **match: Any) -> Result | None:
        """The latest result of `tool` whose arguments include `match`."""
        for result in reversed(self.results):
            if result.tool == tool and all(result.args.get(k) == v for k, v in match.items()):
                return result
        return None

    def data(self, tool: str, **match: Any) -> dict[str, Any]:
        found = self.get(tool, **match)
        return found.data if found else {}

    def called(self, tool: str, args: dict[str, Any]) -> bool:
        return any(r.tool == tool and r.args == args for r in self.results) or any(
            t == tool for t, _ in self.retries
        )


@dataclass(frozen=True)
class Fmt:
    """Printing figures in the athlete's units."""

    imperial: bool = False

    def km(self, km: float | None) -> str:
        if km is None:
            return "–"
        return f"{km / MILE_KM:.2f} mi" if self.imperial else f"{km:.2f} km"

    def pace(self, s_per_km: float | None) -> str:
        if not s_per_km:
            return "–"
        if self.imperial:
            return f"{clock(s_per_km * MILE_KM)} /mi"
        return f"{clock(s_per_km)} /km"

    @staticmethod
    def bpm(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f} bpm"

    @staticmethod
    def duration(seconds: float | None) -> str:
        return "–" if seconds is None else clock(seconds)

    @staticmethod
    def day(value: str | date | None) -> str:
        if value is None:
            return "–"
        d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return f"{d:%a} {d.isoformat()}"


def clock(seconds: float) -> str:
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def number(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:.{decimals}f}"
