"""A workout as the lines an athlete reads: "Warm-up 15:00 @ 5:26–4:54/km", "5 × (1000 m @ …, …)"."""

from __future__ import annotations

from collections.abc import Sequence

from tools.units import clock, pace
from tools.workouts.model import (
    Block,
    CadenceTarget,
    EndByDistance,
    EndByTime,
    HeartRateTarget,
    HeartRateZoneTarget,
    PaceTarget,
    PowerTarget,
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


def target_text(target: Target | None) -> str | None:
    match target:
        case PaceTarget():
            return f"{pace(target.slowest_s_per_km)}–{pace(target.fastest_s_per_km)}".replace("/km–", "–")
        case HeartRateTarget():
            return f"{target.low_bpm:.0f}–{target.high_bpm:.0f} bpm"
        case HeartRateZoneTarget():
            return f"HR zone {target.zone}"
        case CadenceTarget():
            return f"{target.low_spm:.0f}–{target.high_spm:.0f} spm"
        case PowerTarget():
            return f"{target.low_w:.0f}–{target.high_w:.0f} W"
    return None


def _amount(step: Step) -> str:
    if isinstance(step.end, EndByTime):
        return clock(step.end.seconds)
    if isinstance(step.end, EndByDistance):
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
