"""`zones`: heart-rate zones by three methods, pace zones and Daniels training paces, each saying which
of its inputs came from the profile and which were estimated or assumed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.fitness.efforts import recent_fitness
from tools.fitness.race_prediction import Paces, distance_name, paces_out
from tools.fitness.vdot import MAX_VDOT, MIN_VDOT, training_paces
from tools.registry import tool
from tools.units import clock, pace
from tools.zones.anchors import Anchor, AnchorResolver
from tools.zones.science import HeartRateZone, heart_rate_reserve_zones, lthr_zones, max_hr_zones, pace_zones

HrMethod = Literal["max_hr", "hrr", "lthr"]


def vdot_for_threshold_pace(threshold_s_per_km: float) -> float | None:
    """The VDOT whose Daniels T pace is `threshold_s_per_km` (bisection; T pace falls as VDOT rises)."""
    low, high = MIN_VDOT, MAX_VDOT
    if (
        not training_paces(high).threshold_s_per_km
        <= threshold_s_per_km
        <= training_paces(low).threshold_s_per_km
    ):
        return None
    for _ in range(60):
        middle = (low + high) / 2.0
        if training_paces(middle).threshold_s_per_km > threshold_s_per_km:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


class ZonesInput(BaseModel):
    hr_method: Literal["all", "max_hr", "hrr", "lthr"] = Field(
        default="all",
        description="max_hr (% of max HR), hrr (Karvonen, % of heart-rate reserve), lthr (Friel, % of "
        "lactate-threshold HR), or all",
    )


class Zone(BaseModel):
    name: str
    low_bpm: int | None
    high_bpm: int | None


class PaceZoneOut(BaseModel):
    name: str
    slowest_s_per_km: float | None
    fastest_s_per_km: float | None
    text: str


class ZonesOutput(BaseModel):
    anchors: dict[str, Anchor | None] = Field(description="max_hr, resting_hr, lthr, threshold_pace")
    heart_rate: dict[str, list[Zone]]
    pace_zones: list[PaceZoneOut] | None
    vdot: float | None
    vdot_basis: str | None
    training_paces: Paces | None
    estimated: list[str] = Field(description="anchors that were estimated from data or assumed")
    notes: list[str]


def _zones(zones: list[HeartRateZone]) -> list[Zone]:
    return [
        Zone(
            name=z.name,
            low_bpm=round(z.low_bpm) if z.low_bpm is not None else None,
            high_bpm=round(z.high_bpm) if z.high_bpm is not None else None,
        )
        for z in zones
    ]


@tool()
async def zones(deps: ToolDeps, args: ZonesInput) -> ZonesOutput:
    """The athlete's heart-rate zones (by % of max HR, heart-rate reserve and/or LTHR), pace zones from
    threshold pace (Friel), VDOT and Daniels training paces. Every anchor (max HR, resting HR, LTHR,
    threshold pace) says whether it is from the profile, estimated from the athlete's data, or assumed —
    say so when you quote estimated zones."""
    resolver = AnchorResolver(deps.session, deps.user, today=deps.today, hide_sources=hidden_sources(deps))
    notes: list[str] = []
    max_hr = await resolver.max_hr()
    resting = await resolver.resting_hr()
    lthr = await resolver.lthr()
    threshold = await resolver.threshold_pace()
    effort, _ = await recent_fitness(
        deps.session, deps.user_id, deps.tz, deps.today, hide_sources=hidden_sources(deps)
    )

    vdot: float | None = None
    basis: str | None = None
    if effort is not None:
        vdot = effort.vdot
        name = distance_name(effort.distance_m)
        basis = f"best {name} of the last 120 days ({clock(effort.time_s)}, {effort.day})"
    if threshold is None and vdot is not None:
        threshold = Anchor(
            value=round(training_paces(vdot).threshold_s_per_km, 1),
            source="estimated",
            detail=f"Daniels T pace for VDOT {vdot:.1f} from the {basis}",
        )
    if vdot is None and threshold is not None:
        vdot = vdot_for_threshold_pace(threshold.value)
        basis = f"the VDOT whose T pace is the threshold pace {pace(threshold.value)}" if vdot else None

    methods: list[HrMethod] = ["max_hr", "hrr", "lthr"] if args.hr_method == "all" else [args.hr_method]
    heart_rate: dict[str, list[Zone]] = {}
    for method in methods:
        if method == "lthr" and lthr is not None:
            heart_rate["lthr"] = _zones(lthr_zones(lthr.value))
        elif method == "max_hr" and max_hr is not None:
            heart_rate["max_hr"] = _zones(max_hr_zones(max_hr.value))
        elif method == "hrr" and max_hr is not None and resting.value < max_hr.value:
            heart_rate["hrr"] = _zones(heart_rate_reserve_zones(max_hr.value, resting.value))
    if max_hr is None:
        notes.append("no max heart rate: set it in the profile, or record runs with heart rate")

    pace_out = None
    if threshold is not None:
        pace_out = [
            PaceZoneOut(
                name=z.name,
                slowest_s_per_km=round(z.slowest_s_per_km, 1) if z.slowest_s_per_km is not None else None,
                fastest_s_per_km=round(z.fastest_s_per_km, 1) if z.fastest_s_per_km is not None else None,
                text=_pace_text(z.slowest_s_per_km, z.fastest_s_per_km),
            )
            for z in pace_zones(threshold.value)
        ]
    else:
        notes.append("no threshold pace: set it in the profile, or give a race result to race_prediction")

    anchors = {"max_hr": max_hr, "resting_hr": resting, "lthr": lthr, "threshold_pace": threshold}
    return ZonesOutput(
        anchors=anchors,
        heart_rate=heart_rate,
        pace_zones=pace_out,
        vdot=round(vdot, 1) if vdot is not None else None,
        vdot_basis=basis,
        training_paces=paces_out(training_paces(vdot)) if vdot is not None else None,
        estimated=[name for name, a in anchors.items() if a is not None and a.source != "profile"],
        notes=notes,
    )


def _pace_text(slowest: float | None, fastest: float | None) -> str:
    if slowest is None:
        return f"faster than {pace(fastest)}"
    if fastest is None:
        return f"slower than {pace(slowest)}"
    return f"{pace(slowest)}–{pace(fastest)}"
