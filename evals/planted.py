"""How well the grounding check holds, measured on the eval's own answers.

- **Planted figures**: each answer (three times over, so 500+ answers) gets one invented sentence — a heart
  rate, a distance, a pace, a duration, a percentage or a bare load figure, with a value that no number in
  that answer's evidence gives (checked here with plain arithmetic, not with the product's code). The check
  must flag it.
- **Correct figures**: the figures of the answers that match a question's expected value (so they are true,
  by the eval's own ground truth). The check must not flag them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agent.grounding import figures_in, ungrounded_figures
from evals.score import Score, Transcript, figure_found, readings

ROUNDS = 3


@dataclass
class GroundingFigures:
    planted: int = 0
    planted_flagged: int = 0
    correct: int = 0
    correct_flagged: int = 0

    @property
    def planted_rate(self) -> float:
        return self.planted_flagged / self.planted if self.planted else 0.0

    @property
    def correct_rate(self) -> float:
        return self.correct_flagged / self.correct if self.correct else 0.0

    def line(self) -> str:
        return (
            f"grounding: planted invented figures flagged {self.planted_flagged}/{self.planted} "
            f"({100 * self.planted_rate:.1f} %); correct figures flagged "
            f"{self.correct_flagged}/{self.correct} "
            f"({100 * self.correct_rate:.1f} %)"
        )


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        if math.isfinite(value):
            yield float(value)
    elif isinstance(value, str):
        found = readings(value)
        yield from found["plain"]
        yield from found["clock"]
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _numbers(item)


def _absent(value: float, raw: list[float], scales: tuple[float, ...], tolerance: float) -> bool:
    return all(abs(x * s - value) > tolerance for x in raw for s in scales)


def plant(rng: random.Random, raw: list[float]) -> tuple[str, str]:
    """An invented sentence and the figure in it, with a value no evidence number gives."""
    for _ in range(200):
        kind = rng.choice(("bpm", "km", "pace", "duration", "percent", "load"))
        if kind == "bpm":
            v = rng.randint(95, 195)
            if _absent(v, raw, (1,), 0.6):
                return f"Your average heart rate there was {v} bpm.", f"{v} bpm"
        elif kind == "km":
            km = round(rng.uniform(2, 42), 1)
            if _absent(km, raw, (1, 1e-3, 1 / 1609.344), 0.06):
                return f"You covered {km} km.", f"{km} km"
        elif kind == "pace":
            s = rng.randint(240, 479)
            if _absent(s, raw, (1, 1.609344), 1.1) and all(x <= 0 or abs(1000 / x - s) > 1.1 for x in raw):
                return f"That was {s // 60}:{s % 60:02d} /km.", f"{s // 60}:{s % 60:02d} /km"
        elif kind == "duration":
            s = rng.randint(1200, 7199)
            text = f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
            if _absent(s, raw, (1, 60, 3600), 1.1):
                return f"It took {text}.", text
        elif kind == "percent":
            v = rng.randint(11, 95)
            if _absent(v, raw, (1, 100), 0.6):
                return f"About {v} % of it was hard.", f"{v} %"
        else:
            load = round(rng.uniform(20, 99), 1)
            loose = (1, 100, 1e-3, 1 / 1609.344, 1 / 60, 1 / 3600, 3.6)
            if _absent(load, raw, loose, 0.06) and all(x <= 0 or abs(1000 / x - load) > 0.06 for x in raw):
                return f"Your CTL should reach {load} next week.", f"{load}"
    raise RuntimeError("could not invent a figure absent from this evidence")


def measure(results: list[tuple[Score, Transcript]], *, seed: int = 20261206) -> GroundingFigures:
    rng = random.Random(seed)
    out = GroundingFigures()
    for s, t in results:
        if not t.answer.strip():
            continue
        evidence = [*t.evidence, s.question.text]
        raw = list(_numbers(evidence))
        # correct figures: the answer's figures that are one of the question's expected (true) values
        for figure in figures_in(t.answer):
            one = readings(figure.text)
            if any(figure_found(expected, one) for expected in s.question.figures):
                out.correct += 1
                out.correct_flagged += figure.text in ungrounded_figures(t.answer, evidence)
        for _ in range(ROUNDS):
            sentence, planted = plant(rng, raw)
            answer = f"{t.answer}\n\n{sentence}"
            out.planted += 1
            out.planted_flagged += planted in ungrounded_figures(answer, evidence)
    return out
