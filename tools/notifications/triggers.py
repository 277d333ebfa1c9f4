"""Which proactive messages are due for one user at one instant, evaluated in the user's time zone.

`due_messages(session, user, now)` returns every `Due` whose conditions hold at `now` and that has not
been stored yet. Each has a period key, so the pair (trigger, period) names the message exactly once:

| trigger | due when (local time) | period |
|---|---|---|
| morning_readiness | from `morning_earliest` once last night's sleep/HRV is in, else from | the date |
|                   | `morning_time`; until noon (a proposed change to today's session is | |
|                   | offered with Approve / Keep) | |
| after_run | a run that ended within the last 36 h is stored (synced or imported) | the activity |
| weekly_review | on `weekly_review_day` from `weekly_review_time` until midnight | the ISO week |
| race_week | 7 days and 1 day before a race, from `morning_time` | race + 7d / 1d |
| gear_threshold | active gear at or past its retirement distance, from `morning_time` | gear + threshold |
| missed_session | yesterday's key session was not run (no run that day), from `morning_time` | the session |

Pure decisions (`window_*`) are separate from the queries so they can be tested with a frozen clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import User
from tools.deps import user_zone
from tools.notifications.preferences import NotificationPreferences, Trigger, get_preferences
from tools.notifications.repository import Notifications, TriggerReads
from tools.notifications.store import idempotency_key

NOON = time(12, 0)
AFTER_RUN_WINDOW = timedelta(hours=36)
RACE_WEEK_DAYS = (7, 1)
MAX_AFTER_RUN = 3


@dataclass(frozen=True)
class Due:
    """One proactive message to write: what it is about and how the agent is asked for it."""

    user_id: int
    trigger: Trigger
    period_key: str
    title: str
    prompt: str
    local_date: date
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return idempotency_key(self.user_id, self.trigger, self.period_key)


def _system(trigger: Trigger, task: str) -> str:
    """The message of a system-started turn: tagged with the trigger (the offline coach routes on the
    tag), saying plainly that the athlete did not write it."""
    return (
        f"[proactive:{trigger}] This turn was started by RunCoach's scheduler, not by the athlete. {task} "
        "Use your tools for every number, keep it short and friendly, and end with one concrete suggestion."
    )


# --- pure decisions ---------------------------------------------------------------------------------


def window_morning(local: datetime, prefs: NotificationPreferences, *, night_data_in: bool) -> bool:
    t = local.time().replace(tzinfo=None)
    if t >= NOON or t < prefs.morning_earliest:
        return False
    return night_data_in or t >= prefs.morning_time


def window_daytime(local: datetime, prefs: NotificationPreferences) -> bool:
    t = local.time().replace(tzinfo=None)
    return prefs.morning_time <= t


def window_weekly(local: datetime, prefs: NotificationPreferences) -> bool:
    return (
        local.weekday() == prefs.weekly_review_day
        and local.time().replace(tzinfo=None) >= prefs.weekly_review_time
    )


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- candidates -------------------------------------------------------------------------------------


async def _morning(
    session: AsyncSession, user: User, local: datetime, prefs: NotificationPreferences
) -> list[Due]:
    today = local.date()
    night_in = await TriggerReads(session, user.id).night_data_in(today)
    if not window_morning(local, prefs, night_data_in=night_in):
        return []
    return [
        Due(
            user.id,
            Trigger.MORNING_READINESS,
            today.isoformat(),
            f"Good morning — readiness for {today:%a %d %b}",
            _system(
                Trigger.MORNING_READINESS,
                f"Write the athlete's morning message for {today.isoformat()}: how ready am I today "
                "(readiness from last night's sleep, HRV and resting HR, and training load), and what that "
                "means for today's session (adjust_today). If adjust_today proposes a change, say why — the "
                "signals beside their baselines — and call apply_today_adjustment with its apply_with: the "
                "athlete gets Approve / Keep buttons, and nothing changes until they press one.",
            ),
            today,
            {"day": today.isoformat(), "night_data_in": night_in},
        )
    ]


async def _after_run(session: AsyncSession, user: User, now: datetime, local: datetime) -> list[Due]:
    rows = await TriggerReads(session, user.id).runs_ended_since(
        now - AFTER_RUN_WINDOW, now, limit=MAX_AFTER_RUN
    )
    out = []
    for activity in rows:
        run_day = activity.start_time.astimezone(local.tzinfo).date()
        km = f"{activity.distance_m / 1000:.1f} km " if activity.distance_m else ""
        out.append(
            Due(
                user.id,
                Trigger.AFTER_RUN,
                f"activity:{activity.id}",
                f"Your {km}run on {run_day:%a %d %b}",
                _system(
                    Trigger.AFTER_RUN,
                    f"The athlete's run (activity {activity.id}) was just synced. Give feedback on how was "
                    f"that run: look up activity {activity.id} and comment on pace, heart rate and laps.",
                ),
                local.date(),
                {"activity_id": activity.id},
            )
        )
    return out


def _weekly(user: User, local: datetime, prefs: NotificationPreferences) -> list[Due]:
    if not window_weekly(local, prefs):
        return []
    week = iso_week(local.date())
    return [
        Due(
            user.id,
            Trigger.WEEKLY_REVIEW,
            week,
            f"Your week in review ({week})",
            _system(
                Trigger.WEEKLY_REVIEW,
                "Write the weekly review: what did I run this week (the last 7 days: distance, sessions, "
                "load), how the planned sessions went (plan_execution: done and execution scores) and "
                "what to focus on next week.",
            ),
            local.date(),
            {"week": week},
        )
    ]


async def _race_week(session: AsyncSession, user: User, local: datetime) -> list[Due]:
    today = local.date()
    races = await TriggerReads(session, user.id).races_on(today + timedelta(days=d) for d in RACE_WEEK_DAYS)
    out = []
    for race in races:
        days = (race.date - today).days
        when = "tomorrow" if days == 1 else f"in {days} days"
        out.append(
            Due(
                user.id,
                Trigger.RACE_WEEK,
                f"race:{race.id}:{days}d",
                f"{race.name} is {when}",
                _system(
                    Trigger.RACE_WEEK,
                    f"The athlete's race {race.name!r} (race {race.id}) on {race.date.isoformat()} "
                    f"is {when}. "
                    + (
                        "Write the race-eve message: list my races, then pacing, fuelling and sleep tonight."
                        if days == 1
                        else "Write the race-week message: list my races, then the taper for this week."
                    ),
                ),
                today,
                {"race_id": race.id, "days_to_go": days},
            )
        )
    return out


async def _gear(session: AsyncSession, user: User, local: datetime) -> list[Due]:
    rows = await TriggerReads(session, user.id).gear_past_retirement()
    out = []
    for gear, distance_m in rows:
        assert gear.retire_at_m is not None
        out.append(
            Due(
                user.id,
                Trigger.GEAR_THRESHOLD,
                f"gear:{gear.id}:{round(gear.retire_at_m / 1000)}km",
                f"{gear.name} is past {gear.retire_at_m / 1000:.0f} km",
                _system(
                    Trigger.GEAR_THRESHOLD,
                    f"The athlete's shoes {gear.name!r} (gear {gear.id}) passed their retirement distance. "
                    "Check my gear mileage and suggest what to do about these shoes.",
                ),
                local.date(),
                {"gear_id": gear.id, "distance_km": round(float(distance_m) / 1000, 1)},
            )
        )
    return out


async def _missed(session: AsyncSession, user: User, local: datetime) -> list[Due]:
    yesterday = local.date() - timedelta(days=1)
    tz = local.tzinfo
    start = datetime.combine(yesterday, time(), tzinfo=tz)
    rows = await TriggerReads(session, user.id).missed_key_sessions(yesterday, start)
    return [
        Due(
            user.id,
            Trigger.MISSED_SESSION,
            f"session:{s.id}",
            f"Missed yesterday: {s.title}",
            _system(
                Trigger.MISSED_SESSION,
                f"Yesterday's key session {s.title!r} (session {s.id}, {yesterday.isoformat()}) was not run. "
                "Show my training plan and offer to adapt the plan (do not change it without my yes).",
            ),
            local.date(),
            {"session_id": s.id},
        )
        for s in rows
    ]


async def due_messages(session: AsyncSession, user: User, now: datetime) -> list[Due]:
    """Every enabled proactive message due for `user` at `now` that is not stored yet."""
    prefs = get_preferences(user)
    local = now.astimezone(user_zone(user))
    candidates: list[Due] = []
    if prefs.enabled(Trigger.MORNING_READINESS):
        candidates += await _morning(session, user, local, prefs)
    if prefs.enabled(Trigger.AFTER_RUN):
        candidates += await _after_run(session, user, now, local)
    if prefs.enabled(Trigger.WEEKLY_REVIEW):
        candidates += _weekly(user, local, prefs)
    if window_daytime(local, prefs):
        if prefs.enabled(Trigger.RACE_WEEK):
            candidates += await _race_week(session, user, local)
        if prefs.enabled(Trigger.GEAR_THRESHOLD):
            candidates += await _gear(session, user, local)
        if prefs.enabled(Trigger.MISSED_SESSION):
            candidates += await _missed(session, user, local)
    if not candidates:
        return []
    stored = await Notifications(session, user.id).stored_keys(d.key for d in candidates)
    return [d for d in candidates if d.key not in stored]
