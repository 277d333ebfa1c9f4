"""A workout as the lines an athlete reads: "Warm-up 15:00 @ 5:26–4:54/km", "5 × (1000 m @ …, …)"."""

from __future__ import annotations

from collections.abc import Sequence

from tools.units import clock, pace
from tools.workouts.model import (
    Block,
    EndByDistance,
    EndByTime,
    HeartRateZoneTarget,
    PaceTarget,
    Repeat,
    Step,
    StepType,
    Target,
)

STEP_NAMES = {
    StepType.WARMUP: "Warm-up",
    StepType.ACTIVE: "Run",
    StepType.RECOVERY: "Recovery",
    StepType.REST: "Rest",
    StepType.COOLDOWN: "Cool-down",
}


#: the unit of each range target but pace (a pace range reads fastest last) and the zone (a number)
UNITS = {"heart_rate": "bpm", "cadence": "spm", "power": "W"}


def target_text(target: Target | None) -> str | None:
    match target:
        case None:
            return None
        case PaceTarget():
            return f"{pace(target.slowest_s_per_km)}–{pace(target.fastest_s_per_km)}".replace("/km–", "–")
        case HeartRateZoneTarget():
            return f"HR zone {target.zone}"
    low, high = target.bounds
    return f"{low:.0f}–{high:.0f} {UNITS[target.type]}"


def _amount(step: Step) -> str:
    match step.end:
        case EndByTime():
            return clock(step.end.seconds)
        case EndByDistance():
            metres = step.end.meters
            return f"{metres / 1000:.1f} km" if metres >= 2000 else f"{metres:.0f} m"
    return "until lap button"


def step_text(step: Step) -> str:
    parts = [f"{STEP_NAMES[step.step_type]} {_amount(step)}"]
    target = target_text(step.target)
    if target:
        parts.append(f"@ {target}")
    if step.notes:
        parts.append(f"({step.notes})")
    return " ".join(parts)


def describe(blocks: Sequence[Block]) -> list[str]:
    """One line per top-level block; a repeat on one line with its steps in brackets."""
    lines = []
    for block in blocks:
        if isinstance(block, Repeat):
            inner = ", ".join(describe(block.blocks))
            lines.append(f"{block.count} × ({inner})")
        else:
            lines.append(step_text(block))
    return lines
