"""The evaluation athlete: twelve weeks of real device recordings replayed on a calendar, plus health data.

The runs and rides are real FIT files from `../shared/data/fit/` (Garmin Fenix 2, Forerunner 110 and other
devices, a Strava-app recording, an Edge 810 ride), decoded by the product's own decoder and stored through
the same `store_activity` path as any import, with every timestamp shifted so the recording starts on its
day of the calendar below. Nothing in a recording is changed but its date: distances, heart rates and
per-second samples are the device's. Sleep, HRV and resting HR are generated (seeded, plausible, a bad last
night), and the athlete has one pair of shoes and one A race, so every question category has something to
ask about.

`EVAL_TODAY` is fixed: every question and its ground truth are about the same calendar on any day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import DailyHealth, Gear, Race, User
from tools.account.users import create_user
from tools.activities.fit.decode import decode_fit
from tools.activities.fit.model import ParsedActivity
from tools.activities.prepared import to_new_activity
from tools.activities.store import NewActivity, store_activity
from tools.gear.gear import link_default_gear
from tools.training_load.activity import compute_activity_load

EVAL_TODAY = date(2026, 11, 20)  # a Friday
EVAL_NOW = datetime(2026, 11, 20, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
EVAL_TZ = "Europe/Berlin"
EVAL_EMAIL = "eval.athlete@runcoach.local"
WEEKS = 12

SHOE_NAME = "Brooks Ghost 15"
RACE_NAME = "Lisbon Half Marathon"
RACE_DATE = date(2027, 1, 31)


@dataclass(frozen=True)
class Recording:
    """A real file and the name it gets in the athlete's log."""

    path: str  # under ../shared/data/fit/
    name: str
    local_start: time


EASY = Recording("fitdecode/tests/files/developer-types-sample.fit", "Easy run", time(7, 10))
TEMPO = Recording("fitdecode/tests/files/activity-small-fenix2-run.fit", "Tempo run", time(18, 5))
RECOVERY = Recording("fitdecode/tests/files/2013-02-06-12-11-14.fit", "Recovery run", time(8, 30))
LONG = Recording("fitdecode/tests/files/compressed-speed-distance.fit", "Long run", time(9, 0))
LONG_PHONE = Recording(
    "python-fitparse/tests/files/strava-android-app-201.10-b1218918.fit", "Long run (phone)", time(9, 15)
)
RIDE = Recording("fitdecode/tests/files/Edge810-Vector-2013-08-16-15-35-10.fit", "Commute ride", time(17, 30))
RECORDINGS = (EASY, TEMPO, RECOVERY, LONG, LONG_PHONE, RIDE)


def calendar(today: date = EVAL_TODAY, weeks: int = WEEKS) -> list[tuple[date, Recording]]:
    """What was recorded on which day, oldest first: four runs a week, a ride every other Wednesday, the
    long run from the phone every third week, and a few missed sessions (as in real life)."""
    monday = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    missed = {(2, 5), (6, 1), (9, 3)}  # (week, weekday)
    days: list[tuple[date, Recording]] = []
    for week in range(weeks):
        plan = {1: EASY, 3: TEMPO, 5: RECOVERY, 6: LONG_PHONE if week % 3 == 1 else LONG}
        if week % 2 == 0:
            plan[2] = RIDE
        for weekday in sorted(plan):
            day = monday + timedelta(days=7 * week + weekday)
            if day < today and (week, weekday) not in missed:
                days.append((day, plan[weekday]))
    return days


def _shifted(new: NewActivity, delta: timedelta, tz_offset_s: int, name: str) -> NewActivity:
    fields = {
        **new.fields,
        "start_time": new.fields["start_time"] + delta,
        "tz_offset_s": tz_offset_s,
        "name": name,
        "file_sha256": None,  # one file replayed on many days: each replay is its own activity
    }
    laps = [{**lap, "start_time": lap["start_time"] + delta} for lap in new.laps]
    samples = {**new.samples, "ts": [ts + delta for ts in new.samples.get("ts", [])]}
    legs = [_shifted(leg, delta, tz_offset_s, name) for leg in new.legs]
    return NewActivity(fields=fields, laps=laps, samples=samples, legs=legs)


def decode_recordings(data_dir: Path) -> dict[str, ParsedActivity]:
    """Every recording the calendar uses, decoded once (raises FileNotFoundError naming a missing file)."""
    decoded = {}
    for rec in RECORDINGS:
        path = data_dir / "fit" / rec.path
        if not path.is_file():
            raise FileNotFoundError(f"the eval needs {path} (the shared real data set)")
        decoded[rec.path] = decode_fit(path.read_bytes(), filename=path.name)
    return decoded


def _health(day: date, hard_yesterday: bool, rng: random.Random, *, last_night: bool) -> DailyHealth:
    if last_night:  # a bad night before "today": short sleep, low HRV, raised resting HR
        sleep, hrv, rhr = int(4.6 * 3600), 38.0, 56
    else:
        sleep = int(rng.gauss(7.3, 0.5) * 3600)
        hrv = round(rng.gauss(62, 4) - (6 if hard_yesterday else 0), 1)
        rhr = round(rng.gauss(49, 1.2) + (2 if hard_yesterday else 0))
    return DailyHealth(
        day=day,
        sleep_s=sleep,
        sleep_score=max(30, min(95, round(58 + (sleep / 3600 - 6) * 12))),
        deep_sleep_s=int(sleep * 0.18),
        light_sleep_s=int(sleep * 0.55),
        rem_sleep_s=int(sleep * 0.22),
        awake_s=int(sleep * 0.05),
        resting_hr=rhr,
        hrv_ms=hrv,
        steps=int(rng.gauss(9500, 2000)),
        stress_avg=round(rng.gauss(27, 5)),
        source="eval",
    )


async def build_athlete(session: AsyncSession, data_dir: Path) -> User:
    """Create the evaluation athlete with everything above. Flushes; the caller commits."""
    decoded = decode_recordings(data_dir)
    tz = ZoneInfo(EVAL_TZ)
    user = await create_user(
        session, EVAL_EMAIL, None, display_name="Eval Runner", timezone=EVAL_TZ, is_demo=False
    )
    user.max_hr, user.resting_hr, user.lthr, user.sex = 190, 49, 172, "female"
    session.add(
        Gear(
            user_id=user.id,
            name=SHOE_NAME,
            kind="shoes",
            brand="Brooks",
            model="Ghost 15",
            default_for_sport="running",
            start_distance_m=120_000,
            retire_at_m=700_000,
        )
    )
    session.add(
        Race(
            user_id=user.id,
            name=RACE_NAME,
            date=RACE_DATE,
            distance_m=21_097.5,
            priority="A",
            goal_time_s=1 * 3600 + 45 * 60,
        )
    )
    await session.flush()
    hard: set[date] = set()
    for day, rec in calendar():
        parsed = decoded[rec.path]
        local = datetime.combine(day, rec.local_start, tzinfo=tz)
        delta = local.astimezone(UTC) - parsed.start_time
        offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
        new = _shifted(
            to_new_activity(parsed, source="upload", external_id=None, name=None), delta, offset, rec.name
        )
        activity = await store_activity(session, user.id, new)
        await link_default_gear(session, activity)
        await compute_activity_load(session, activity)
        if rec in (TEMPO, LONG, LONG_PHONE):
            hard.add(day)
    rng = random.Random(20261120)
    first = EVAL_TODAY - timedelta(days=7 * WEEKS + 7)
    for offset in range((EVAL_TODAY - first).days + 1):
        day = first + timedelta(days=offset)
        health = _health(day, day - timedelta(days=1) in hard, rng, last_night=day == EVAL_TODAY)
        health.user_id = user.id
        session.add(health)
    await session.flush()
    return user
