"""Answers about readiness, load, health, actions, knowledge and the proactive messages: a verdict, the
figures behind it from this turn's tool results, and one next step.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from agent.offline.dates import week_start
from agent.offline.intents import EXAMPLES, Intent
from agent.offline.plans import earlier_a_race, find_race
from agent.offline.turn import Fmt, Turn, clock

__all__ = ["COACH_ANSWERS", "not_understood"]


def _reasons(data: dict[str, Any], limit: int = 3) -> list[str]:
    reasons = data.get("reasons") or data.get("readiness_reasons") or []
    texts = [r["text"] if isinstance(r, dict) else str(r) for r in reasons]
    low = [r["text"] for r in reasons if isinstance(r, dict) and r.get("status") == "low"] or texts
    return low[:limit]


def applied_today(turn: Turn) -> str | None:
    """What became of a proposed change to today's session (approved, kept, or failed), if one was asked."""
    applied = turn.get("apply_today_adjustment")
    if applied is None:
        return None
    if applied.ok:
        return f"Done. {applied.data.get('message') or 'Today is changed on your plan.'}"
    session = turn.data("adjust_today").get("session") or {}
    if isinstance(applied.content, dict) and applied.content.get("error") == "not_run":  # declined
        title = session.get("title") or "today's session"
        return f"OK, we keep {title} as planned. Go by feel, and keep the easy parts truly easy."
    return f"I could not change today's session: {applied.error}"


def proposal_line(adj: dict[str, Any], f: Fmt) -> str | None:
    """The proposed change in one line, with why (signals beside their baselines) — None when keeping."""
    proposal = adj.get("proposal")
    session = adj.get("session") or {}
    if not adj.get("apply_with") or not proposal:
        return None
    size = f", {f.km(proposal.get('distance_km'))}" if proposal.get("kind") != "rest" else ""
    return (
        f"I propose to change today's {session.get('title') or 'session'} to {proposal['title']}{size}: "
        f"{adj.get('why')}. Approve to change it on your plan (and your watch), or keep it as planned."
    )


def readiness(i: Intent, turn: Turn, f: Fmt) -> str:
    done = applied_today(turn)
    if done is not None:
        return done
    r = turn.data("readiness")
    adj = turn.data("adjust_today")
    label = r.get("label") or adj.get("readiness_label")
    score = r.get("score", adj.get("readiness_score"))
    if not r and not adj:
        return "I have no readiness data for today: sync your watch after waking up, then ask again."
    verdict = {
        "rest": "Rest today, or at most a short, easy jog: your body is asking for recovery.",
        "take it easy": "Take it easy today: keep it short and easy, and skip the hard part.",
        "normal": "You can train as planned today; keep the easy parts easy.",
        "ready": "You are ready: a good day for the planned session, even a hard one.",
    }.get(str(label), "Go by feel today and keep it easy if in doubt.")
    lines = [verdict, f"Readiness {score}/100 ({label}) because:"]
    lines += [f"- {text}" for text in _reasons(r or adj)]
    session = adj.get("session")
    if session:
        proposed = proposal_line(adj, f)
        lines.append(
            proposed
            or f"Today's plan: {session.get('title') or session.get('kind')}. "
            f"Proposal: {adj.get('action')} — {adj.get('why')}."
        )
    elif adj:
        lines.append(
            "Nothing is planned for today, so the choice is yours: rest, or an "
            "easy jog if you feel better later."
        )
    return "\n".join(lines)


def sleep_last_night(i: Intent, turn: Turn, f: Fmt) -> str:
    days = turn.data("daily_health").get("days") or []
    if not days or days[-1].get("sleep_h") is None:
        return "Your watch recorded no sleep for last night yet: sync it and ask again."
    d = days[-1]
    hours = d["sleep_h"]
    verdict = "A short night" if hours < 6 else "A decent night" if hours < 7.5 else "A good night"
    extra = f", sleep score {d['sleep_score']}" if d.get("sleep_score") is not None else ""
    tip = " Keep today easy and get to bed early." if hours < 6 else ""
    return f"{verdict}: you slept {hours} h{extra}.{tip}"


_MEASURE_NAMES = {"resting_hr": "resting heart rate", "hrv_ms": "HRV", "sleep_h": "sleep"}


def _health_value(measure: str, value: float | None) -> str:
    if value is None:
        return "–"
    if measure == "resting_hr":
        return f"{value} bpm"
    if measure == "hrv_ms":
        return f"{value} ms"
    return f"{value} h"


def health_avg(i: Intent, turn: Turn, f: Fmt) -> str:
    m = i.slots["measure"]
    data = turn.data("daily_health")
    value = (data.get("averages") or {}).get(m)
    span = i.span.label if i.span else "the last 7 days"
    if value is None:
        return f"Your watch recorded no {_MEASURE_NAMES[m]} in {span}."
    days = [d for d in data.get("days") or [] if d.get(m) is not None]
    latest = f" Last night: {_health_value(m, days[-1][m])}." if days else ""
    return (
        f"Your {_MEASURE_NAMES[m]} averaged {_health_value(m, value)} over "
        f"{span} ({len(days)} nights).{latest}"
    )


def health_compare(i: Intent, turn: Turn, f: Fmt) -> str:
    m = i.slots["measure"]
    results = [r for r in turn.results if r.tool == "daily_health" and r.ok]
    if len(results) < 2:
        return "I could not read both weeks of health data."
    now = (results[0].data.get("averages") or {}).get(m)
    before = (results[1].data.get("averages") or {}).get(m)
    if now is None or before is None:
        return f"One of the two weeks has no {_MEASURE_NAMES[m]} recorded."
    word = "higher" if now > before else "lower" if now < before else "the same"
    meaning = ""
    if m == "resting_hr" and now > before:
        meaning = (
            " A rising resting heart rate can mean fatigue, stress or an illness coming: keep an eye on it."
        )
    return (
        f"Your {_MEASURE_NAMES[m]} is {word} over the last 7 days: "
        f"{_health_value(m, now)} on average, against "
        f"{_health_value(m, before)} in the 7 days before.{meaning}"
    )


def fitness(i: Intent, turn: Turn, f: Fmt) -> str:
    load = turn.data("training_load")
    today = load.get("today") or {}
    if not today:
        return "I could not read your training load."
    m = i.slots.get("measure")
    ctl, atl, tsb = today.get("ctl"), today.get("atl"), today.get("tsb")
    form = "fresh" if (tsb or 0) > 5 else "tired" if (tsb or 0) < -10 else "neither fresh nor very tired"
    if m == "atl":
        head = f"Your fatigue (ATL, acute load) is {atl:.1f}, against a fitness (CTL) of {ctl:.1f}."
    elif m == "tsb":
        head = f"Your form (TSB) is {tsb:.1f} today: you are {form}."
    elif m == "trend":
        weeks = load.get("weekly") or []
        lines = ["Your training load, week by week (newest first):"]
        for w in reversed(weeks):
            lines.append(
                f"- week of {f.day(w['week_start'])}: load {w['load']:.1f}, "
                f"{f.km(w.get('distance_km'))}, CTL {w['ctl']:.1f}"
            )
        lines.append(f"Today: fitness (CTL) {ctl:.1f}, fatigue (ATL) {atl:.1f}, form (TSB) {tsb:.1f}.")
        return "\n".join(lines)
    else:
        head = f"Your fitness (CTL) is {ctl:.1f} right now; fatigue (ATL) {atl:.1f}, form (TSB) {tsb:.1f}."
    daily = load.get("daily") or []
    if i.slots.get("trend") and daily:
        then = daily[0]
        word = "gone up" if ctl > then["ctl"] else "gone down" if ctl < then["ctl"] else "stayed level"
        head = (
            f"Your fitness has {word} over "
            f"{i.span.label if i.span else 'the period'}: CTL {then['ctl']:.1f} on "
            f"{f.day(then['day'])}, {ctl:.1f} now."
        )
    elif today.get("ctl_change_7d") is not None:
        change = today["ctl_change_7d"]
        head += (
            f" Over the last 7 days CTL changed by {change:+.1f} ({'rising' if change > 0 else 'falling'})."
        )
    return head


def week_load(i: Intent, turn: Turn, f: Fmt) -> str:
    load = turn.data("training_load")
    weeks = {w["week_start"]: w for w in load.get("weekly") or []}
    assert i.span is not None
    w = weeks.get(week_start(i.span.first).isoformat())
    if w is None:
        return f"I have no training load for {i.span.label}."
    prev = weeks.get((week_start(i.span.first) - timedelta(days=7)).isoformat())
    compare = ""
    if prev is not None:
        word = "up from" if w["load"] > prev["load"] else "down from"
        compare = f" That is {word} {prev['load']:.1f} the week before."
    return (
        f"Your training load {i.span.label} is {w['load']:.1f} (TSS-equivalent "
        f"points) from {f.km(w.get('distance_km'))} "
        f"of running; fitness (CTL) {w['ctl']:.1f}, form (TSB) {w['tsb']:.1f} at the week's end.{compare}"
    )


def vo2max(i: Intent, turn: Turn, f: Fmt) -> str:
    data = turn.data("fitness_metrics")
    trend = data.get("trend") or {}
    if not trend.get("current"):
        return "I have no VO2max estimate yet: it needs steady runs with heart rate."
    direction = trend.get("direction", "stable")
    return (
        f"Your VO2max estimate is {trend['current']} and {direction} "
        f"({trend.get('slope_per_30d')} points per 30 days "
        f"over {trend.get('runs')} runs). Single runs scatter by a few points, so read the trend."
    )


def tired_week(i: Intent, turn: Turn, f: Fmt) -> str:
    r = turn.data("readiness")
    load = turn.data("training_load").get("today") or {}
    health = turn.data("daily_health").get("averages") or {}
    lines = [
        "Make this an easy week: shorten the runs, keep them easy, and rest when readiness is low.",
        f"- Readiness today: {r.get('score')}/100 ({r.get('label')})",
    ]
    if load:
        lines.append(
            f"- Load: fitness (CTL) {load.get('ctl')}, fatigue (ATL) "
            f"{load.get('atl')}, form (TSB) {load.get('tsb')}"
        )
    if health.get("sleep_h") is not None:
        lines.append(f"- Sleep: {health['sleep_h']} h a night on average over the last 7 days")
    return "\n".join(lines)


def zones(i: Intent, turn: Turn, f: Fmt) -> str:
    z = turn.data("zones")
    methods = z.get("heart_rate") or {}
    if not methods:
        return "I could not read your zones."
    method = next(iter(methods))
    anchor = (z.get("anchors") or {}).get("max_hr") or {}
    lines = [
        (
            f"Your heart-rate zones (by {method.replace('_', ' ')}, max HR "
            f"{anchor.get('value', 0):.0f} bpm from {anchor.get('source', '?')}):"
        )
    ]
    counts = [r for r in turn.results if r.tool == "query_samples" and r.ok]
    for n, zone in enumerate(methods[method]):
        low, high = zone.get("low_bpm"), zone.get("high_bpm")
        band = (
            f"{low} bpm–{high} bpm"
            if low is not None and high is not None
            else (f"from {low} bpm" if low is not None else f"up to {high} bpm")
        )
        spent = ""
        if n < len(counts):
            rows = counts[n].data.get("rows") or []
            spent = f": {clock(rows[0]['samples'] if rows else 0)} on your last run"
        lines.append(f"- {zone['name']}: {band}{spent}")
    return "\n".join(lines)


def add_gear(i: Intent, turn: Turn, f: Fmt) -> str:
    g = turn.get("add_gear")
    if g is None:
        return 'Which shoes? Tell me the brand and model, e.g. "I bought new shoes, Nike Pegasus 41".'
    if not g.ok:
        return f"I could not add them: {g.error}"
    d = g.data
    return (
        f"Added your {d['name']}. They are now your default running shoes, so new runs count on them; "
        f"I will tell you when they near {f.km(d.get('retire_at_km'))}."
    )


def add_race(i: Intent, turn: Turn, f: Fmt) -> str:
    r = turn.get("add_race")
    if r is None:
        return 'Tell me the race name and date, e.g. "Add the Berlin Half on 2027-04-05 as an A race".'
    if not r.ok:
        return f"I could not add the race: {r.error}"
    d = r.data
    lines = [
        (
            f"{d['name']} is on your calendar: {f.day(d['date'])}, priority "
            f"{d['priority']}, {d.get('days_to_go')} days to go."
        )
    ]
    p = turn.get("generate_plan")
    if p is not None:
        lines.append(_plan_line(p.data, f) if p.ok else f"I could not build the plan: {p.error}")
    return "\n".join(lines)


def _plan_line(plan: dict[str, Any], f: Fmt) -> str:
    weeks = plan.get("weeks") or []
    return (
        f'Your plan "{plan.get("name")}" is ready: {len(weeks)} weeks from '
        f"{f.day(plan.get('start_date'))} to race day "
        f"{f.day(plan.get('race_date'))}, at VDOT {plan.get('vdot')}."
    )


def build_plan(i: Intent, turn: Turn, f: Fmt) -> str:
    p = turn.get("generate_plan")
    race = find_race(i, turn) if turn.get("list_races") else None
    earlier = earlier_a_race(i, turn)
    if p is None and earlier is not None and i.day is not None:
        return (
            f"Your A race, {earlier['name']}, is on {f.day(earlier['date'])} — before "
            f"{f.day(i.day)}. A plan to the later race would run straight through it without a taper. "
            f"Shall I plan to {earlier['name']} instead, or make it a B or C race first?"
        )
    if p is None:
        return (
            'Tell me the race (or its date and distance), e.g. "Make me a plan for '
            'a half marathon on 2027-02-28".'
        )
    if not p.ok:
        return f"I could not build the plan: {p.error}"
    head = f"Here is your plan for the {race['name']}." if race else "Here is your plan."
    return head + "\n" + _plan_line(p.data, f)


def workout(i: Intent, turn: Turn, f: Fmt) -> str:
    w = turn.get("generate_workout")
    if w is None:
        return "I could not make that workout."
    if not w.ok:
        return f"I could not make that workout: {w.error}"
    d = w.data
    summary = d.get("summary") or {}
    size = ""
    if isinstance(summary, dict) and summary.get("distance_km"):
        size = f": about {f.km(summary['distance_km'])}"
        if summary.get("hard_min"):
            size += f", {summary['hard_min']:.0f} min of it hard"
    lines = [f'Saved "{d.get("name")}" for {f.day(d.get("scheduled_date"))}{size}.']
    push = turn.get("push_workout")
    if push is not None:
        lines.append(
            f"Sent to your watch: {push.data.get('message') or 'done'}"
            if push.ok
            else f"Not sent to your watch: {push.error}"
        )
    return "\n".join(lines)


def push_workout(i: Intent, turn: Turn, f: Fmt) -> str:
    push = turn.get("push_workout")
    if push is None:
        return "I could not send it."
    return (
        f"Sent to your watch: {push.data.get('message') or 'done'}" if push.ok else f"Not sent: {push.error}"
    )


def log_session(i: Intent, turn: Turn, f: Fmt) -> str:
    r = turn.get("log_training_session")
    if r is None or not r.ok:
        return f"I could not log it: {r.error if r else 'no tool'}"
    d = r.data
    assumed = (
        f" I assumed an effort of RPE {d.get('rpe')}/10; tell me if it was harder or easier."
        if i.slots.get("rpe_assumed")
        else ""
    )
    return (
        f"Logged: {d.get('name') or d.get('sport')}, {d.get('duration_min')} "
        f"min on {f.day(d.get('start_time'))}, "
        f"adding a load of {d.get('training_load')}.{assumed}"
    )


def note(i: Intent, turn: Turn, f: Fmt) -> str:
    r = turn.get("add_calendar_note")
    if r is None or not r.ok:
        return f"I could not note that: {r.error if r else 'no tool'}"
    d = r.data
    kind = d.get("kind")
    advice = {
        "illness": (
            "No hard sessions until you are well: rest while you have a fever or "
            "symptoms below the neck, then come back with easy runs. Tell me when you are better."
        ),
        "injury": (
            "Stop running if it hurts while running or gets worse; easy "
            "cross-training is fine. If it is not better in a few days, see a physio."
        ),
        "travel": "I will plan lighter, flexible days around the trip.",
        "life_stress": "Stress counts as load: keep the week's runs easy and shorter, and sleep first.",
    }.get(str(kind), "")
    span = f.day(d.get("start_date")) + (
        f" to {f.day(d.get('end_date'))}"
        if d.get("end_date") and d.get("end_date") != d.get("start_date")
        else " on"
    )
    lines = [
        f"Sorry to hear it. I noted {str(kind).replace('_', ' ')} from {span}. {advice}".replace(
            " on.", " onwards."
        )
    ]
    r2 = turn.data("readiness")
    if r2:
        lines.append(f"Readiness today: {r2.get('score')}/100 ({r2.get('label')}).")
    proposal = turn.data("propose_note_changes")
    if proposal.get("can_apply"):
        lines.append(
            f"For your plan I propose: {proposal.get('summary')}. Nothing changes until you apply it "
            "(the Notes page shows each day)."
        )
    return "\n".join(lines)


def knowledge(i: Intent, turn: Turn, f: Fmt) -> str:
    passages = turn.data("search_knowledge").get("passages") or []
    if not passages:
        return "I found nothing on that in RunCoach's knowledge base. " + _examples()
    words = {w for w in i.text.lower().split() if len(w) > 3}
    ranked = sorted(
        passages, key=lambda p: -sum(w.strip("?.,") in str(p.get("text", "")).lower() for w in words)
    )
    blocks = []
    for p in ranked[:2]:
        body = str(p.get("text", "")).split("\n\n", 1)[-1].strip()
        if len(body) > 600:
            cut = body[:600]
            body = cut[: cut.rfind(". ") + 1] if ". " in cut else cut + "…"
        blocks.append(f"{body}\n(Source: {p.get('heading_path') or p.get('source', '')})")
    return "\n\n".join(blocks)


def advice(i: Intent, turn: Turn, f: Fmt) -> str:
    parts = []
    load = (turn.data("training_load").get("today")) or {}
    if load:
        parts.append(
            f"Where you stand: fitness (CTL) {load.get('ctl')}, fatigue (ATL) "
            f"{load.get('atl')}, form (TSB) {load.get('tsb')}."
        )
    z = turn.data("zones").get("training_paces") or {}
    if z.get("text"):
        parts.append(
            f"Your easy pace: {z['text'].get('easy')} (from VDOT "
            f"{turn.data('zones').get('vdot')}). Most runs belong there."
        )
    pred = turn.data("race_prediction")
    for p in (pred.get("predictions") or [])[:4]:
        t = p.get("daniels_s") or p.get("time_s")
        if t:
            parts.append(f"- {p.get('label') or p.get('distance_m')}: {clock(t)}")
    listing = turn.data("list_activities")
    if listing:
        parts.append(
            f"Last 4 weeks: {f.km(listing.get('total_distance_km'))} over {listing.get('count')} runs."
        )
    passages = turn.data("search_knowledge").get("passages") or []
    if passages:
        parts.append(knowledge(i, turn, f))
    return "\n".join(parts) or "I could not look at your data for that."


def _predictions(turn: Turn, f: Fmt) -> list[str]:
    pred = turn.data("race_prediction")
    lines = []
    for p in pred.get("predictions") or []:
        seconds = p.get("daniels_s") or p.get("time_s") or p.get("riegel_s")
        if seconds:
            lines.append(
                f"- {p.get('label') or p.get('name') or f.km((p.get('distance_m') or 0) / 1000)}: "
                f"{clock(seconds)}"
            )
    return lines


def prediction(i: Intent, turn: Turn, f: Fmt) -> str:
    pred = turn.get("race_prediction")
    if pred is None or not pred.ok:
        return f"I could not predict: {pred.error if pred else 'no tool'}"
    d = pred.data
    return "\n".join(
        [f"From your best recent efforts (VDOT {d.get('vdot')}), you could run:", *_predictions(turn, f)]
    )


def race_check(i: Intent, turn: Turn, f: Fmt) -> str:
    race = find_race(i, turn)
    if race is None:
        return (
            'You have no race on your calendar. Add one, e.g. "Add the Berlin Half '
            'on 2027-04-05 as an A race".'
        )
    lines = [f"{race['name']}: {f.day(race['date'])}, {race.get('days_to_go')} days to go."]
    goal = race.get("goal_time_s")
    pred = turn.data("race_prediction").get("predictions") or []
    seconds = next(
        (p.get("daniels_s") or p.get("time_s") for p in pred if p.get("daniels_s") or p.get("time_s")), None
    )
    if goal and seconds:
        verdict = "On track" if seconds <= goal else "Not yet on track"
        lines.insert(
            0, f"{verdict}: your recent running predicts {clock(seconds)} against your goal of {clock(goal)}."
        )
    elif seconds:
        lines.append(f"Predicted from your recent running: {clock(seconds)}.")
    plan = turn.get("get_plan")
    lines.append(
        "You are following a plan to it."
        if plan and plan.ok
        else "You have no plan yet: ask me to make one for it."
    )
    return "\n".join(lines)


def profile(i: Intent, turn: Turn, f: Fmt) -> str:
    me = turn.data("whoami")
    if not me:
        return "I could not read your profile."
    heart = [
        f"{label} {f.bpm(me[key])}"
        for key, label in (("max_hr", "max HR"), ("resting_hr", "resting HR"), ("lthr", "LTHR"))
        if me.get(key)
    ]
    return (
        f"You are {me.get('display_name') or me.get('email')} ({me.get('email')}), "
        f"in {me.get('timezone')} with {me.get('units')} units. "
        + (
            "Your heart-rate settings: " + ", ".join(heart) + "."
            if heart
            else "Set your max and resting heart rate in Settings so zones and load fit you."
        )
    )


def _examples() -> str:
    return "I understand questions and requests like: " + "; ".join(f'"{e}"' for e in EXAMPLES) + "."


def not_understood(i: Intent) -> str:
    return "I did not understand that. " + _examples()


def simple(tool: str, title: str) -> Any:
    def answer(i: Intent, turn: Turn, f: Fmt) -> str:
        r = turn.get(tool)
        if r is None or not r.ok:
            return f"I could not look at {title}: {r.error if r else 'no tool'}"
        return f"{title[0].upper() + title[1:]}:\n" + "\n".join(_summary_lines(r.data))

    return answer


def results_summary(turn: Turn) -> str:
    """What this turn's tools returned, plainly (for a call the coach did not plan itself)."""
    blocks = []
    for r in turn.results:
        if r.ok:
            blocks.append(f"From {r.tool}:\n" + "\n".join(_summary_lines(r.data)))
    return "\n\n".join(blocks) or "Done."


def _summary_lines(data: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in data.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            lines.append(f"- {key.replace('_', ' ')}: {value}")
        elif isinstance(value, list):
            lines.append(f"- {key.replace('_', ' ')}: {len(value)}")
    return lines[:12]


COACH_ANSWERS = {
    "readiness": readiness,
    "sleep_last_night": sleep_last_night,
    "health_avg": health_avg,
    "health_compare": health_compare,
    "fitness": fitness,
    "week_load": week_load,
    "vo2max": vo2max,
    "tired_week": tired_week,
    "zones": zones,
    "add_gear": add_gear,
    "add_race": add_race,
    "build_plan": build_plan,
    "workout": workout,
    "push_workout": push_workout,
    "log_session": log_session,
    "note": note,
    "knowledge": knowledge,
    "prediction": prediction,
    "race_check": race_check,
    "advice": advice,
    "profile": profile,
    "feed": simple("activity_feed", "your feed"),
    "races": simple("list_races", "your races"),
}
