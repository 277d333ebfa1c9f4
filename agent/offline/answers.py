"""Answers about the athlete's activities, written as a coach writes: the verdict first, then the few figures
that support it (newest first), each printed from this turn's tool results in the athlete's units.
"""

from __future__ import annotations

from statistics import mean
from typing import Any

from agent.offline.intents import Intent
from agent.offline.plans import pick_run
from agent.offline.turn import Fmt, Turn, clock

__all__ = ["ACTIVITY_ANSWERS"]

Answer = str


def _acts(turn: Turn, **match: Any) -> list[dict[str, Any]]:
    return list(turn.data("list_activities", **match).get("activities") or [])


def _line(a: dict[str, Any], f: Fmt) -> str:
    parts = [
        (
            f"{f.day(a['local_date'])} {a.get('name') or a['sport']}: "
            f"{f.km(a.get('distance_km'))} in {f.duration(a.get('duration_s'))}"
        )
    ]
    if a.get("pace_s_per_km"):
        parts.append(f"at {f.pace(a['pace_s_per_km'])}")
    if a.get("avg_hr"):
        parts.append(f"avg HR {f.bpm(a['avg_hr'])}")
    return "- " + ", ".join(parts)


def _what(sport: str | None) -> str:
    return {"cycling": "ride", "running": "run", None: "activity"}.get(sport, "activity")


def last_facts(i: Intent, turn: Turn, f: Fmt) -> Answer:
    acts = _acts(turn)
    kind = _what(i.slots.get("sport"))
    if not acts:
        return f"I found no {kind} in your log yet. Import a FIT file or connect Garmin, and ask again."
    a = acts[0]
    m = i.slots.get("measure")
    text = str(i.slots.get("text") or "")
    when = f"Your last {kind} was {a.get('name') or a['sport']} on {f.day(a['local_date'])}"
    figures = {
        "distance": f"{f.km(a.get('distance_km'))}",
        "time": f"{f.duration(a.get('duration_s'))} of moving time",
        "pace": f"an average pace of {f.pace(a.get('pace_s_per_km'))}",
        "hr": f"an average heart rate of {f.bpm(a.get('avg_hr'))}"
        if a.get("avg_hr")
        else "no heart rate recorded",
        "max_hr": f"a max heart rate of {f.bpm(a.get('max_hr'))}"
        if a.get("max_hr")
        else "no heart rate recorded",
    }
    if m in figures:
        wanted = [m]
        if "distance" in text and m != "distance":
            wanted.insert(0, "distance")
        return f"{when}: " + " and ".join(figures[w] for w in wanted) + "."
    detail = turn.data("last_activity")
    lines = [f"{when}: {f.km(a.get('distance_km'))} in {f.duration(a.get('duration_s'))}."]
    if a.get("pace_s_per_km"):
        lines.append(f"- Pace: {f.pace(a['pace_s_per_km'])}")
    if a.get("avg_hr"):
        lines.append(f"- Heart rate: {f.bpm(a['avg_hr'])} average, {f.bpm(a.get('max_hr'))} max")
    if detail.get("avg_cadence"):
        lines.append(f"- Cadence: {detail['avg_cadence']:.0f} spm")
    if a.get("training_load") is not None:
        lines.append(f"- Training load: {a['training_load']:.1f}")
    return "\n".join(lines)


def run_review(i: Intent, turn: Turn, f: Fmt) -> Answer:
    recent = _acts(turn)
    if not recent:
        return "You have no run in the last 4 weeks to look at. Import or sync one and ask again."
    a = turn.data("last_activity") or recent[0]
    listing = turn.data("list_activities")
    others = [r for r in recent[1:] if r.get("distance_km")]
    longer = sum(1 for r in others if (r.get("distance_km") or 0) < (a.get("distance_km") or 0))
    avg_pace = listing.get("avg_pace_s_per_km")
    pace = a.get("pace_s_per_km")
    verdict = "a solid run"
    if pace and avg_pace:
        verdict = (
            "quicker than your recent average"
            if pace < avg_pace - 5
            else (
                "an easy one, slower than your recent average"
                if pace > avg_pace + 5
                else "right at your usual pace"
            )
        )
    lines = [
        f"Your last run, {a.get('name') or 'a run'} on {f.day(a['local_date'])}, was {verdict}: "
        f"{f.km(a.get('distance_km'))} in {f.duration(a.get('duration_s'))} at {f.pace(pace)}"
        + (
            f", average heart rate {f.bpm(a['avg_hr'])} (max {f.bpm(a.get('max_hr'))})."
            if a.get("avg_hr")
            else ", without heart rate."
        )
    ]
    if others:
        lines.append(
            (
                f"- Against your last 4 weeks ({listing.get('count', len(recent))} "
                f"runs, {f.km(listing.get('total_distance_km'))}"
            )
            + (f", average pace {f.pace(avg_pace)}" if avg_pace else "")
            + f"): it was longer than {longer} of the other {len(others)}."
        )
    zone = _zone_of(a.get("avg_hr"), turn.data("zones"))
    if zone:
        lines.append(f"- Its average heart rate sits in {zone}.")
    laps = a.get("laps") or []
    if len(laps) > 1:
        fastest = min(
            (lap for lap in laps if lap.get("pace_s_per_km")),
            key=lambda lap: lap["pace_s_per_km"],
            default=None,
        )
        if fastest:
            lines.append(
                (
                    f"- Fastest lap: lap {fastest['index'] + 1}, "
                    f"{f.km(fastest.get('distance_km'))} at {f.pace(fastest['pace_s_per_km'])}"
                )
                + (f" ({f.bpm(fastest['avg_hr'])})" if fastest.get("avg_hr") else "")
                + "."
            )
    lines.append("Keep the next day or two easy if it felt hard.")
    return "\n".join(lines)


def _zone_of(hr: float | None, zones: dict[str, Any]) -> str | None:
    methods = zones.get("heart_rate") or {}
    if hr is None or not methods:
        return None
    method = next(iter(methods))
    for z in methods[method]:
        low, high = z.get("low_bpm"), z.get("high_bpm")
        if (low is None or hr >= low) and (high is None or hr < high):
            bounds = f"{f_bpm(low)}–{f_bpm(high)}" if low is not None and high is not None else ""
            return f"your {z['name']}" + (f" ({bounds})" if bounds else "")
    return None


def f_bpm(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} bpm"


def activity_day(i: Intent, turn: Turn, f: Fmt) -> Answer:
    acts = _acts(turn)
    kind = _what(i.slots.get("sport"))
    if not acts:
        return f"I found no {kind} on {f.day(i.day)}."
    a = acts[0]
    m = i.slots.get("measure")
    head = f"On {f.day(a['local_date'])} you ran {a.get('name') or a['sport']}"
    if m == "hr":
        body = f"average heart rate {f.bpm(a.get('avg_hr'))}" if a.get("avg_hr") else "no heart rate recorded"
    elif m == "time":
        body = f"{f.duration(a.get('duration_s'))} of moving time over {f.km(a.get('distance_km'))}"
    else:
        body = f"{f.km(a.get('distance_km'))} in {f.duration(a.get('duration_s'))}"
        if a.get("pace_s_per_km"):
            body += f" at {f.pace(a['pace_s_per_km'])}"
    extra = "" if len(acts) == 1 else "\n" + "\n".join(_line(x, f) for x in acts)
    return f"{head}: {body}.{extra}"


def gear(i: Intent, turn: Turn, f: Fmt) -> Answer:
    items = [g for g in turn.data("list_gear").get("gear") or [] if not g.get("is_retired")]
    if not items:
        return 'You have no gear in RunCoach yet. Tell me, e.g., "I bought new shoes, Nike Pegasus 41".'
    lines = []
    for g in items:
        used = g.get("used_pct")
        lines.append(
            f"Your {g['name']} have {f.km(g.get('distance_km'))} on them"
            + (
                f", {used:.1f}% of the {f.km(g.get('retire_at_km'))} you retire them at"
                if used is not None and g.get("retire_at_km")
                else ""
            )
            + "."
        )
    worst = max(items, key=lambda g: g.get("used_pct") or 0)
    pct = worst.get("used_pct") or 0
    advice = (
        "Time to replace them: they are past their retirement distance."
        if pct >= 100
        else "No need to replace them yet; start rotating in a new pair as they near the limit."
        if pct < 85
        else "They are close to the limit: buy the next pair and rotate them in."
    )
    lines.append(advice)
    passages = turn.data("search_knowledge").get("passages") or []
    if passages:
        lines.append(_first_passage(passages))
    return "\n".join(lines)


def _first_passage(passages: list[dict[str, Any]]) -> str:
    body = str(passages[0].get("text", "")).split("\n\n", 1)[-1].strip()
    if len(body) > 400:
        cut = body[:400]
        body = cut[: cut.rfind(". ") + 1] if ". " in cut else cut + "…"
    return f"{body} (Source: {passages[0].get('heading_path') or passages[0].get('source', '')})"


def _total_line(label: str, data: dict[str, Any], f: Fmt, sport: str | None) -> str:
    n = data.get("count", len(data.get("activities") or []))
    noun = {"cycling": "ride", "running": "run"}.get(sport or "", "activity")
    return f"{label}: {f.km(data.get('total_distance_km'))} over {n} {noun}{'s' if n != 1 else ''}"


def aggregate(i: Intent, turn: Turn, f: Fmt) -> Answer:
    assert i.span is not None
    data = turn.data("list_activities")
    acts = list(data.get("activities") or [])
    sport = i.slots.get("sport")
    noun = {"cycling": "ride", "running": "run"}.get(sport or "", "activity")
    label = i.span.label
    if not acts:
        return f"You logged no {noun} in {label}."
    m = i.slots.get("measure")
    n = data.get("count", len(acts))
    plural = f"{n} {noun}{'s' if n != 1 else ''}"
    if m == "count":
        head = f"You did {plural} in {label}, {f.km(data.get('total_distance_km'))} in total."
    elif m == "time":
        head = (
            f"You spent {f.duration(data.get('total_duration_s'))} "
            f"{'riding' if sport == 'cycling' else 'running'} in {label} ({plural}, "
            f"{f.km(data.get('total_distance_km'))})."
        )
    elif m == "longest":
        longest = max(acts, key=lambda a: a.get("distance_km") or 0)
        head = (
            f"Your longest {noun} in {label} was {longest.get('name') or noun} on "
            f"{f.day(longest['local_date'])}: {f.km(longest.get('distance_km'))} in "
            f"{f.duration(longest.get('duration_s'))}."
        )
    elif m == "hr":
        kind = i.slots.get("kind")
        chosen = [
            a
            for a in acts
            if a.get("avg_hr") is not None and (not kind or kind in str(a.get("name") or "").lower())
        ]
        if not chosen:
            return f"None of your {kind + ' ' if kind else ''}{noun}s in {label} has heart rate."
        avg = mean(a["avg_hr"] for a in chosen)
        which = f"{kind} runs" if kind else f"{noun}s"
        head = f"Your {which} in {label} averaged {f.bpm(avg)} ({len(chosen)} with heart rate):"
        return head + "\n" + "\n".join(_line(a, f) for a in chosen[:8])
    elif m == "pace" and data.get("avg_pace_s_per_km"):
        head = f"You averaged {f.pace(data['avg_pace_s_per_km'])} over {plural} in {label}."
    else:
        head = (
            f"You {'rode' if sport == 'cycling' else 'ran'} "
            f"{f.km(data.get('total_distance_km'))} in {label}, over {plural} "
            f"({f.duration(data.get('total_duration_s'))})."
        )
    return head + "\n" + "\n".join(_line(a, f) for a in acts[:6]) + ("\n- …" if len(acts) > 6 else "")


def condition(i: Intent, turn: Turn, f: Fmt) -> Answer:
    data = turn.data("list_activities")
    acts = list(data.get("activities") or [])
    cond = i.slots.get("condition")
    sport = i.slots.get("sport")
    noun = {"cycling": "ride", "running": "run"}.get(sport or "", "activity")
    label = i.span.label if i.span else "the last 4 weeks"
    if cond is None:
        return f"{_total_line(label[0].upper() + label[1:], data, f, sport)}."
    matched = [a for a in acts if cond.holds(a)]
    head = f"{len(matched)} of your {len(acts)} {noun}s in {label} were {cond.text}."
    return head + ("\n" + "\n".join(_line(a, f) for a in matched[:10]) if matched else "")


def compare_periods(i: Intent, turn: Turn, f: Fmt) -> Answer:
    spans = i.slots["spans"]
    sport = i.slots.get("sport")
    got = []
    for s in spans:
        data = turn.data("list_activities", since=s.first.isoformat(), until=s.last.isoformat())
        got.append((s, data))
    if " than " not in f" {i.text.lower()} ":
        got.sort(
            key=lambda sd: sd[0].first, reverse=True
        )  # "compare X and Y": the later one against the earlier
    (s1, d1), (s2, d2) = got[0], got[1]
    km1, km2 = d1.get("total_distance_km") or 0, d2.get("total_distance_km") or 0
    if i.slots.get("measure") == "pace" and d1.get("avg_pace_s_per_km") and d2.get("avg_pace_s_per_km"):
        p1, p2 = d1["avg_pace_s_per_km"], d2["avg_pace_s_per_km"]
        verdict = "faster" if p1 < p2 else "slower"
        return (
            f"You were {verdict} in {s1.label} than in {s2.label}: {f.pace(p1)} on "
            f"average against {f.pace(p2)}.\n"
            f"- {_total_line(s1.label, d1, f, sport)}\n- {_total_line(s2.label, d2, f, sport)}"
        )
    verdict = "more" if km1 > km2 else "less"
    return (
        f"You ran {verdict} in {s1.label} than in {s2.label}: {f.km(km1)} against {f.km(km2)}.\n"
        f"- {_total_line(s1.label, d1, f, sport)}, {f.duration(d1.get('total_duration_s'))}\n"
        f"- {_total_line(s2.label, d2, f, sport)}, {f.duration(d2.get('total_duration_s'))}"
    )


def compare_runs(i: Intent, turn: Turn, f: Fmt) -> Answer:
    acts = _acts(turn)
    kind = i.slots.get("kind") or ""
    same = [a for a in acts if kind in str(a.get("name") or "").lower()]
    if len(same) < 2:
        return f"I need two {kind} runs to compare; I found {len(same)} in the last 4 months."
    last = same[0]
    other = next((a for a in same[1:] if i.day and a["local_date"] == i.day.isoformat()), same[1])
    p1, p2 = last.get("pace_s_per_km") or 0, other.get("pace_s_per_km") or 0
    verdict = "faster" if p1 < p2 - 1 else "slower" if p1 > p2 + 1 else "the same pace as"
    head = (
        f"Your last {kind} run ({f.day(last['local_date'])}) was "
        f"{verdict}{' than' if verdict != 'the same pace as' else ''} the one "
        f"on {f.day(other['local_date'])}."
    )
    hr = ""
    if last.get("avg_hr") and other.get("avg_hr"):
        diff = last["avg_hr"] - other["avg_hr"]
        hr = (
            " with a lower heart rate"
            if diff < 0
            else " with a higher heart rate"
            if diff > 0
            else " at the same heart rate"
        )
    return head.rstrip(".") + hr + ".\n" + _line(last, f) + "\n" + _line(other, f)


def week_review(i: Intent, turn: Turn, f: Fmt) -> Answer:
    load = turn.data("training_load")
    data = turn.data("list_activities")
    acts = list(data.get("activities") or [])
    runs = [a for a in acts if a.get("sport") == "running"]
    weeks = load.get("weekly") or []
    this = weeks[-1] if weeks else {}
    before = weeks[-2] if len(weeks) > 1 else {}
    today = load.get("today") or {}
    km = this.get("distance_km")
    verdict = "A steady week"
    if this and before and before.get("load"):
        verdict = (
            "A lighter week than the last"
            if this.get("load", 0) < before["load"]
            else "A bigger week than the last"
        )
    lines = [
        f"{verdict}: {len(runs)} run{'s' if len(runs) != 1 else ''}, {f.km(km)} of running"
        + (f" and a load of {this['load']:.1f}" if this.get("load") is not None else "")
        + (
            f" (last week {f.km(before.get('distance_km'))}, load {before['load']:.1f})"
            if before.get("load") is not None
            else ""
        )
        + "."
    ]
    lines += [_line(a, f) for a in acts[:7]]
    if today:
        lines.append(
            f"Fitness (CTL) {today.get('ctl', 0):.1f}, fatigue (ATL) "
            f"{today.get('atl', 0):.1f}, form (TSB) {today.get('tsb', 0):.1f}."
        )
    plan = turn.get("get_plan")
    if plan and plan.ok:
        sessions = [s for w in plan.data.get("weeks") or [] for s in w.get("sessions") or []]
        done = sum(
            1
            for s in sessions
            if s.get("status") == "done"
            and i.span
            and i.span.first.isoformat() <= str(s.get("date")) <= i.today.isoformat()
        )
        lines.append(f"Plan: {done} planned sessions done this week.")
    lines.append("Next: keep most runs easy and protect one quality session and the long run.")
    return "\n".join(lines)


def samples(i: Intent, turn: Turn, f: Fmt) -> Answer:
    acts = _acts(turn)
    run = pick_run(i, acts, need_hr=True)
    if run is None:
        return "I could not find that run with heart rate in your log."
    which = f"{run.get('name')} on {f.day(run['local_date'])}"
    newest_kind = pick_run(i, acts)
    note = ""
    if newest_kind is not None and newest_kind["id"] != run["id"]:
        note = (
            f" (your latest one, on {f.day(newest_kind['local_date'])}, has no "
            "heart rate, so I used this one)"
        )
    q = turn.get("query_samples")
    if q is None or not q.ok:
        return f"I could not read the recording of your {which}: {q.error if q else 'no samples'}."
    rows = q.data.get("rows") or []
    what = i.slots.get("what")
    if what == "cadence":
        value = rows[0]["values"].get("cadence.avg") if rows else None
        return (
            f"Your cadence over the {which}{note} averaged {value:.0f} spm, from the recording."
            if value
            else f"The {which} has no cadence in its recording."
        )
    if what == "time_above":
        banded = next(
            (r for r in turn.results if r.tool == "query_samples" and r.ok and "hr_min" in r.args), q
        )
        rows = banded.data.get("rows") or []
        matched = rows[0]["samples"] if rows else 0
        seconds = float(rows[0].get("seconds") or 0) if rows else 0.0
        bpm = float(i.slots.get("bpm") or 0)
        return (
            f"Your heart rate was above {bpm:.0f} bpm for {clock(seconds)} in the {which}{note} "
            f"({matched} of its {_all_samples(turn)} samples, each counted until the next one)."
        )
    usable = [r for r in rows if r["values"].get("heart_rate.avg") is not None and r.get("bucket_start")]
    if not usable:
        return f"The {which} has no heart rate in its recording."
    half = len(usable) // 2
    part = usable[half:] if i.slots.get("half") != "first" else usable[:half]
    weights = [r["values"].get("heart_rate.count") or r["samples"] or 1 for r in part]
    avg = sum(r["values"]["heart_rate.avg"] * w for r, w in zip(part, weights, strict=True)) / sum(weights)
    first = [r["values"]["heart_rate.avg"] for r in usable[:half]]
    trend = ""
    if first:
        earlier = mean(first)
        trend = (
            " — higher than the first half, a sign of drift or a faster finish"
            if avg > earlier + 2
            else " — about the same as the first half"
        )
    which_half = "second" if i.slots.get("half") != "first" else "first"
    return f"In the {which_half} half of your {which}{note} your heart rate averaged {f.bpm(avg)}{trend}."


def _all_samples(turn: Turn) -> int | None:
    """The run's heart-rate sample count without the band (the second samples query)."""
    queries = [r for r in turn.results if r.tool == "query_samples" and r.ok and "hr_min" not in r.args]
    rows = queries[-1].data.get("rows") if queries else None
    return int(rows[0]["samples"]) if rows else None


ACTIVITY_ANSWERS = {
    "last_facts": last_facts,
    "run_review": run_review,
    "activity_day": activity_day,
    "gear": gear,
    "aggregate": aggregate,
    "condition": condition,
    "compare_periods": compare_periods,
    "compare_runs": compare_runs,
    "week_review": week_review,
    "samples": samples,
}
