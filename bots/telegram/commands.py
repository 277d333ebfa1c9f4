"""The bot's commands as text: each calls the same typed tools as the agent and the API, then formats.

`/today` readiness and today's session (adjust_today: it proposes, never changes), `/week` the last seven
days (list_activities), `/plan` this week of the active plan (get_plan), `/sync` a Garmin sync
(sync_garmin). Tool errors (no plan yet, Garmin not connected) come back as their own clear message.
"""

from __future__ import annotations

from datetime import timedelta

from bots.telegram.format import escape
from core.errors import CoachError
from tools.activities.activities import ActivityDetail, ActivityList
from tools.activities.importer import ImportResult
from tools.deps import ToolDeps
from tools.garmin.garmin import SyncGarminOutput
from tools.plans.plans import PlanOut
from tools.readiness.today import AdjustTodayOutput
from tools.registry import call_tool

HELP = (
    "<b>RunCoach</b> — your running coach in Telegram.\n\n"
    "Just write to me: “how was my last run?”, “am I ready for intervals today?”.\n"
    "Send a <b>.fit</b>, <b>.gpx</b> or <b>.tcx</b> file to import an activity.\n\n"
    "/today — readiness and today's session\n"
    "/week — the last seven days\n"
    "/plan — this week of your training plan\n"
    "/sync — fetch new activities from Garmin Connect\n"
    "/new — start a new conversation\n"
    "/unlink — disconnect this chat from your account\n"
    "/help — this message"
)

NOT_LINKED = (
    "This chat is not linked to a RunCoach account yet, so I cannot see any training data here.\n\n"
    "To link it: open RunCoach → Settings → Telegram, create a link code, and send it here as "
    "<code>/start CODE</code>. The code works once and expires after 10 minutes."
)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


async def today(deps: ToolDeps) -> str:
    out = await call_tool("adjust_today", deps, {})
    assert isinstance(out, AdjustTodayOutput)
    score = f"{out.readiness_score}/100" if out.readiness_score is not None else "no score"
    lines = [f"<b>Today, {out.day:%A %d %B}</b>", f"Readiness: {score} — {escape(out.readiness_label)}"]
    lines += [f"• {escape(reason)}" for reason in out.readiness_reasons[:4]]
    if out.session is None:
        lines.append("No session is planned today.")
    else:
        s = out.session
        lines.append(f"Planned: {escape(s.title)} — {s.distance_km:g} km, about {s.duration_min:.0f} min")
    lines.append(f"<i>{escape(out.why)}</i>")
    if out.proposal is not None:
        lines.append(f"Suggested instead: {escape(out.proposal.title)} ({out.proposal.distance_km:g} km).")
    return "\n".join(lines)


#: the coach turn `/today` starts when a change is proposed (the offline coach reads it as readiness)
TODAY_PROPOSAL = "How ready am I today? Should today's session change?"


async def proposes_a_change(deps: ToolDeps) -> bool:
    out = await call_tool("adjust_today", deps, {})
    return isinstance(out, AdjustTodayOutput) and out.apply_with is not None


async def week(deps: ToolDeps) -> str:
    since = deps.today - timedelta(days=6)
    out = await call_tool("list_activities", deps, {"since": since.isoformat(), "limit": 50})
    assert isinstance(out, ActivityList)
    if not out.activities:
        return f"No activities since {since:%A %d %B}. Send a .fit file or run /sync."
    lines = [f"<b>Since {since:%a %d %b}</b>: {out.total_distance_km:g} km in {_clock(out.total_duration_s)}"]
    for a in reversed(out.activities):
        pace = f", {_clock(a.pace_s_per_km)} /km" if a.pace_s_per_km else ""
        hr = f", HR {a.avg_hr:.0f}" if a.avg_hr else ""
        km = f"{a.distance_km:g} km" if a.distance_km is not None else a.sport
        lines.append(f"• {a.local_date:%a} {escape(a.name or a.sport)}: {km}{pace}{hr}")
    return "\n".join(lines)


async def plan(deps: ToolDeps) -> str:
    out = await call_tool("get_plan", deps, {})
    assert isinstance(out, PlanOut)
    current = next((w for w in out.weeks if w.start <= deps.today <= w.end), None) or next(
        (w for w in out.weeks if w.start > deps.today), None
    )
    lines = [f"<b>{escape(out.name)}</b> — race on {out.race_date:%a %d %b %Y}"]
    if current is None:
        lines.append("The plan has no weeks left.")
        return "\n".join(lines)
    lines.append(f"Week {current.index + 1} ({escape(current.phase)}): {current.volume_km:g} km")
    for s in current.sessions:
        mark = "✅" if s.status == "done" else "❌" if s.status == "missed" else "⭐" if s.is_key else "•"
        km = f" — {s.distance_km:g} km" if s.distance_km else ""
        lines.append(f"{mark} {s.date:%a} {escape(s.title)}{km}")
    return "\n".join(lines)


async def sync(deps: ToolDeps) -> str:
    out = await call_tool("sync_garmin", deps, {})
    assert isinstance(out, SyncGarminOutput)
    return escape(out.message)


def imported(result: ImportResult, detail: ActivityDetail | None, link: str | None) -> str:
    """The reply to a FIT file: the key numbers, and a link to the activity."""
    head = "Already imported — nothing changed." if result.status == "already_imported" else "Imported ✅"
    lines = [f"<b>{head}</b>"]
    if detail is not None:
        numbers = [f"{detail.distance_km:g} km" if detail.distance_km is not None else None]
        numbers.append(_clock(detail.duration_s) if detail.duration_s else None)
        numbers.append(f"{_clock(detail.pace_s_per_km)} /km" if detail.pace_s_per_km else None)
        numbers.append(f"avg HR {detail.avg_hr:.0f}" if detail.avg_hr else None)
        numbers.append(f"load {detail.training_load:.0f}" if detail.training_load else None)
        lines.append(f"{escape(detail.sport)} on {detail.local_date:%a %d %b %Y}")
        lines.append(" · ".join(n for n in numbers if n))
        lines.append(f"{len(detail.laps)} laps, {detail.sample_count} samples")
    lines += [f"<i>{escape(w)}</i>" for w in result.warnings[:3]]
    if link:
        lines.append(f'<a href="{escape(link)}">Open it in RunCoach</a>')
    return "\n".join(lines)


async def run_command(name: str, deps: ToolDeps) -> str:
    handlers = {"today": today, "week": week, "plan": plan, "sync": sync}
    try:
        return await handlers[name](deps)
    except CoachError as exc:
        return escape(exc.message)
