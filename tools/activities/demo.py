"""A demo athlete with a few months of generated training, so a newcomer's first screen is not empty.

Everything here is clearly labelled as generated: the user is `is_demo`, named "Demo Runner (generated
data)", and every activity's source is `demo` with a name starting "Demo:". The generator is deterministic
(seeded), physiologically plausible (heart rate lags pace and drifts upward, cadence rises with speed,
HRV dips after hard days) and stored through the same `store_activity` path as real imports.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import DailyHealth, Gear, Race, User
from tools.account.users import create_user, find_user_by_email
from tools.activities.store import NewActivity, store_activity
from tools.feed.facts import keep_activity_facts
from tools.training_load.activity import compute_activity_load

DEMO_TZ = "Europe/Berlin"
HOME = (52.5163, 13.3777)  # a loop in a Berlin park
EARTH_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class DemoRun:
    kind: str  # easy, long, tempo, intervals, recovery
    day: date
    minutes: float
    easy_pace_s_per_km: float


@dataclass(frozen=True)
class DemoResult:
    user: User
    created: bool
    activities: int = 0
    samples: int = 0


def _week_plan(week: int, weeks: int) -> list[tuple[int, str, float]]:
    """(weekday, kind, minutes) for one week; volume builds with every 4th week lighter."""
    build = 1.0 + 0.06 * min(week, weeks - 2)
    if week % 4 == 3:
        build *= 0.75
    return [
        (1, "easy", 40 * build),
        (2, "intervals" if week % 2 == 0 else "tempo", 50 * build),
        (3, "recovery", 30 * build),
        (4, "easy", 45 * build),
        (6, "long", min(75 * build, 130)),
    ]


def _pace_profile(kind: str, t: float, total: float, easy: float) -> float:
    """Target pace (s/km) at second t of a run of `total` seconds."""
    warm = 600.0
    if t < warm or t > total - 480:
        return easy + 25
    if kind == "intervals":
        block = (t - warm) % 360  # 3 min hard, 3 min easy
        return easy - 75 if block < 180 else easy + 35
    if kind == "tempo":
        return easy - 50
    if kind == "recovery":
        return easy + 30
    if kind == "long":
        return easy + 5 - 10 * (t / total)
    return easy


def _generate_run(run: DemoRun, rng: random.Random, tz: ZoneInfo) -> NewActivity:
    start_local = datetime.combine(run.day, time(6, 45) if run.kind != "long" else time(8, 30), tzinfo=tz)
    start_local += timedelta(minutes=rng.randint(-20, 40))
    start = start_local.astimezone(ZoneInfo("UTC"))
    total = int(run.minutes * 60)
    max_hr, rest_hr = 188, 48
    loop_radius = 900.0
    ts, hr, speed, cadence, alt, lat, lon, dist = [], [], [], [], [], [], [], []
    distance = 0.0
    heart = 95.0
    for t in range(total):
        pace = _pace_profile(run.kind, t, total, run.easy_pace_s_per_km) + rng.gauss(0, 4)
        v = 1000.0 / pace
        grade = 0.03 * math.sin(distance / 400.0)
        v *= 1 - 2.5 * grade
        intensity = (v - 2.0) / 3.2  # ~0 at walking, ~1 near threshold for this athlete
        drift = 8.0 * t / 3600.0
        target = rest_hr + (max_hr - rest_hr) * (0.55 + 0.4 * intensity) + drift
        heart += (target - heart) / 25.0 + rng.gauss(0, 0.6)
        distance += v
        angle = distance / loop_radius
        ts.append(start + timedelta(seconds=t))
        hr.append(round(min(max_hr, heart)))
        speed.append(round(v, 3))
        cadence.append(round(158 + 9 * v + rng.gauss(0, 1.5), 1))
        alt.append(round(42 + 12 * math.sin(distance / 400.0), 1))
        lat.append(HOME[0] + loop_radius * math.sin(angle) / EARTH_M_PER_DEG_LAT)
        lon.append(
            HOME[1]
            + loop_radius * (1 - math.cos(angle)) / (EARTH_M_PER_DEG_LAT * math.cos(math.radians(HOME[0])))
        )
        dist.append(round(distance, 1))
    laps: list[dict[str, Any]] = []
    lap_start = 0
    for i in range(1, total + 1):
        if i == total or dist[i] // 1000 > dist[lap_start] // 1000:
            seg = range(lap_start, i)
            laps.append(
                {
                    "lap_index": len(laps),
                    "start_time": ts[lap_start],
                    "elapsed_s": float(len(seg)),
                    "timer_s": float(len(seg)),
                    "distance_m": dist[i - 1] - (dist[lap_start - 1] if lap_start else 0.0),
                    "avg_hr": sum(hr[j] for j in seg) / len(seg),
                    "max_hr": float(max(hr[j] for j in seg)),
                    "avg_speed_mps": sum(speed[j] for j in seg) / len(seg),
                    "avg_cadence": sum(cadence[j] for j in seg) / len(seg),
                    "trigger": "distance" if i < total else "session_end",
                }
            )
            lap_start = i
    ascent = sum(max(0.0, alt[i] - alt[i - 1]) for i in range(1, total))
    return NewActivity(
        fields={
            "source": "demo",
            "name": f"Demo: {run.kind.capitalize()} run",
            "sport": "running",
            "sub_sport": "generic",
            "start_time": start,
            "tz_offset_s": int(start_local.utcoffset().total_seconds()),  # type: ignore[union-attr]
            "elapsed_s": float(total),
            "moving_s": float(total),
            "distance_m": distance,
            "ascent_m": ascent,
            "descent_m": ascent,
            "avg_hr": sum(hr) / total,
            "max_hr": float(max(hr)),
            "avg_cadence": sum(cadence) / total,
            "max_cadence": max(cadence),
            "avg_speed_mps": distance / total,
            "max_speed_mps": max(speed),
            "calories": round(distance / 1000 * 68),
            "device_manufacturer": "runcoach-demo",
            "device_product": "generated",
        },
        laps=laps,
        samples={
            "ts": ts,
            "heart_rate": hr,
            "speed_mps": speed,
            "cadence": cadence,
            "altitude_m": alt,
            "lat": lat,
            "lon": lon,
            "distance_m": dist,
        },
    )


def _health_day(day: date, hard_yesterday: bool, rng: random.Random) -> DailyHealth:
    hrv = rng.gauss(58, 5) - (7 if hard_yesterday else 0)
    sleep = int(rng.gauss(7.4, 0.6) * 3600)
    return DailyHealth(
        day=day,
        sleep_s=sleep,
        sleep_score=max(40, min(95, round(60 + (sleep / 3600 - 6) * 12 + rng.gauss(0, 4)))),
        deep_sleep_s=int(sleep * 0.18),
        light_sleep_s=int(sleep * 0.55),
        rem_sleep_s=int(sleep * 0.22),
        awake_s=int(sleep * 0.05),
        resting_hr=round(rng.gauss(48, 1.5) + (2 if hard_yesterday else 0)),
        hrv_ms=round(hrv, 1),
        steps=int(rng.gauss(9000, 2500)),
        stress_avg=round(rng.gauss(28, 6)),
        source="demo",
    )


async def seed_demo(
    session: AsyncSession, email: str, password: str, *, weeks: int = 16, today: date | None = None
) -> DemoResult:
    """Create the demo athlete once. A second call finds it and changes nothing."""
    existing = await find_user_by_email(session, email)
    if existing is not None:
        return DemoResult(user=existing, created=False)
    tz = ZoneInfo(DEMO_TZ)
    today = today or datetime.now(tz).date()
    user = await create_user(
        session, email, password, display_name="Demo Runner (generated data)", timezone=DEMO_TZ, is_demo=True
    )
    user.max_hr, user.resting_hr, user.lthr, user.sex = 188, 48, 172, "female"
    rng = random.Random(20261123)
    first_monday = today - timedelta(days=today.weekday() + 7 * weeks)
    activities = samples = 0
    hard_days: set[date] = set()
    for week in range(weeks):
        easy = 345 - 2.0 * week  # fitness improves: easy pace from 5:45 towards 5:15 /km
        for weekday, kind, minutes in _week_plan(week, weeks):
            day = first_monday + timedelta(days=7 * week + weekday)
            if day >= today or rng.random() < 0.06:  # the odd missed session, as in real life
                continue
            new = _generate_run(DemoRun(kind, day, minutes, easy), rng, tz)
            activity = await store_activity(session, user.id, new)
            await compute_activity_load(session, activity)
            await keep_activity_facts(session, activity)
            activities += 1
            samples += new.sample_count
            if kind in ("intervals", "tempo", "long"):
                hard_days.add(day)
    for offset in range(7 * weeks + today.weekday() + 1):  # up to and including last night
        day = first_monday + timedelta(days=offset)
        if day > today:
            break
        health = _health_day(day, day - timedelta(days=1) in hard_days, rng)
        health.user_id = user.id
        session.add(health)
    session.add(
        Gear(
            user_id=user.id,
            name="Demo daily trainer",
            brand="Generic",
            model="Trainer 3",
            default_for_sport="running",
            start_distance_m=310_000,
            retire_at_m=800_000,
        )
    )
    session.add(
        Race(
            user_id=user.id,
            name="Demo City Half Marathon",
            date=today + timedelta(weeks=8),
            distance_m=21_097.5,
            priority="A",
            goal_time_s=1 * 3600 + 49 * 60,
        )
    )
    await session.flush()
    return DemoResult(user=user, created=True, activities=activities, samples=samples)
