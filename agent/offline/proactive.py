"""Proactive messages (the turns RunCoach's scheduler starts, `[proactive:<trigger>]`): a short paragraph a
coach would send — what the data says, what it means, one concrete suggestion — from this turn's results.
"""

from __future__ import annotations

from typing import Any

from agent.offline.coaching import applied_today, proposal_line, readiness
from agent.offline.intents import Intent
from agent.offline.turn import Fmt, Turn, clock

__all__ = ["PROACTIVE_ANSWERS"]


def morning(i: Intent, turn: Turn, f: Fmt) -> str:
    done = applied_today(turn)  # the athlete answered the morning's proposal
    if done is not None:
        return done
    r = turn.data("readiness")
    if not r or r.get("score") is None:
        return (
            "Good morning! I have no sleep or HRV from last night yet: sync your "
            "watch, and go by feel until then."
        )
    body = readiness(i, turn, f).split("\n")
    proposed = proposal_line(turn.data("adjust_today"), f)
    if proposed:  # the signals and their baselines are in the proposal's why
        return f"Good morning! {body[0]} Readiness {r.get('score')}/100 ({r.get('label')}).\n\n{proposed}"
    return (
        f"Good morning! {body[0]} "
        + " ".join(line.lstrip("- ") + ";" for line in body[2:4]).rstrip(";")
        + "."
    )


def after_run(i: Intent, turn: Turn, f: Fmt) -> str:
    a = turn.data("last_activity")
    if not a:
        return "I could not read your latest run."
    recent = turn.data("list_activities")
    avg = recent.get("avg_pace_s_per_km")
    pace = a.get("pace_s_per_km")
    feel = ""
    if pace and avg:
        feel = (
            " — quicker than your recent average"
            if pace < avg - 5
            else " — easier than your recent average"
            if pace > avg + 5
            else " — right at your usual pace"
        )
    hr = f", heart rate {f.bpm(a['avg_hr'])} on average" if a.get("avg_hr") else ""
    return (
        f"Nice work on your {a.get('name') or 'run'}: "
        f"{f.km(a.get('distance_km'))} in {f.duration(a.get('duration_s'))} "
        f"at {f.pace(pace)}{feel}{hr}. Refuel within the hour and keep tomorrow easy."
    )


def weekly(i: Intent, turn: Turn, f: Fmt) -> str:
    weeks = turn.data("training_load").get("weekly") or []
    listing = turn.data("list_activities")
    acts = listing.get("activities") or []
    runs = [a for a in acts if a.get("sport") == "running"]
    this = weeks[-1] if weeks else {}
    before = weeks[-2] if len(weeks) > 1 else {}
    trend = ""
    if this.get("load") is not None and before.get("load"):
        trend = " more than" if this["load"] > before["load"] else " less than"
        trend = f", load {this['load']:.1f} —{trend} the {before['load']:.1f} of the week before"
    return (
        f"Your week: {len(runs)} runs and "
        f"{f.km(listing.get('total_distance_km'))} in the last 7 days{trend}. "
        f"{_planned_vs_done(turn.data('plan_execution'))}"
        "Next week: keep most runs easy, one quality session, and the long run."
    )


def _planned_vs_done(e: dict[str, Any]) -> str:
    """'Plan: 4 of 5 sessions done, executed 86/100 on average. ' (empty without a plan that week)."""
    if not e.get("planned"):
        return ""
    score = e.get("average_score")
    executed = f", executed {score:.0f}/100 on average" if score is not None else ""
    return f"Plan: {e['done']} of {e['planned']} sessions done{executed}. "


def race_week(i: Intent, turn: Turn, f: Fmt) -> str:
    races = turn.data("list_races").get("races") or []
    name = i.slots.get("name")
    race: dict[str, Any] | None = next((r for r in races if r["name"] == name), races[0] if races else None)
    if race is None:
        return "Race week! I could not find the race on your calendar."
    days = race.get("days_to_go")
    goal = f" Your goal is {clock(race['goal_time_s'])}." if race.get("goal_time_s") else ""
    if days is not None and days <= 1:
        return (
            f"{race['name']} is tomorrow!{goal} Start controlled and even, eat a "
            "carb-rich dinner you know, lay out your kit, "
            "and get to bed early."
        )
    return (
        f"{race['name']} is in {days} days ({f.day(race['date'])}).{goal} This "
        "is taper week: shorter runs, a few strides, extra sleep."
    )


def gear(i: Intent, turn: Turn, f: Fmt) -> str:
    items = turn.data("list_gear").get("gear") or []
    name = i.slots.get("name")
    g = next((x for x in items if x["name"] == name), items[0] if items else None)
    if g is None:
        return "Your shoes passed their retirement distance; I could not read your gear."
    return (
        f"Your {g['name']} now has {f.km(g.get('distance_km'))} on it, past the "
        f"{f.km(g.get('retire_at_km'))} you set. "
        "Time for a new pair: rotate it in over the next runs and retire this pair."
    )


def missed(i: Intent, turn: Turn, f: Fmt) -> str:
    plan = turn.get("get_plan")
    if plan is None or not plan.ok:
        return "Yesterday's key session was not run. Shall I adapt your plan?"
    name = i.slots.get("name") or "the key session"
    return (
        f"Yesterday's {name} did not happen — that's fine, one session does not make a season. "
        f'Don\'t squeeze it in: your plan "{plan.data.get("name")}" carries on. '
        "Want me to adapt the coming days?"
    )


PROACTIVE_ANSWERS = {
    "proactive_morning_readiness": morning,
    "proactive_after_run": after_run,
    "proactive_weekly_review": weekly,
    "proactive_race_week": race_week,
    "proactive_gear_threshold": gear,
    "proactive_missed_session": missed,
}
