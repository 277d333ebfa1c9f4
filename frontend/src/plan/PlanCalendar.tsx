// A month of planned sessions against the activities that were done; a session opens to its details.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Card, ErrorNote } from "../ui/feedback";
import { formatDistance } from "../units/units";
import { groupBy, isoDay, monthGrid, shiftMonth } from "./calendar";
import { scoreClass } from "../execution/score";
import { SessionPanel } from "./SessionPanel";

const DOW = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

export function PlanCalendar() {
  const units = useUnits();
  const today = isoDay(new Date());
  const [month, setMonth] = useState(today);
  const [open, setOpen] = useState<Schemas["CalendarSession"] | null>(null);
  const grid = useMemo(() => monthGrid(month), [month]);
  const start = grid[0]?.[0] ?? today;
  const end = grid.at(-1)?.[6] ?? today;
  const calendar = useQuery({
    queryKey: ["plans", "calendar", start, end],
    queryFn: () => unwrap(api.GET("/api/v1/plans/calendar", { params: { query: { start, end } } })),
    placeholderData: keepPreviousData,
  });
  const sessions = useMemo(() => groupBy(calendar.data?.sessions ?? [], (s) => s.date), [calendar.data]);
  const unplanned = useMemo(() => groupBy(calendar.data?.unplanned ?? [], (a) => a.local_date), [calendar.data]);
  const label = new Date(`${month.slice(0, 7)}-15T12:00:00`).toLocaleDateString(undefined, { month: "long", year: "numeric" });

  return (
    <Card
      title="Calendar"
      className="span-all"
      actions={
        <div className="row">
          <button type="button" aria-label="Previous month" onClick={() => setMonth(shiftMonth(month, -1))}>
            ←
          </button>
          <span aria-live="polite">{label}</span>
          <button type="button" aria-label="Next month" onClick={() => setMonth(shiftMonth(month, 1))}>
            →
          </button>
        </div>
      }
    >
      <ErrorNote error={calendar.error} />
      <div className="calendar" role="grid" aria-label={`Plan for ${label}`}>
        {DOW.map((d) => (
          <div key={d} className="dow" role="columnheader">
            {d}
          </div>
        ))}
        {grid.flat().map((day) => (
          <div
            key={day}
            role="gridcell"
            className={`day ${day === today ? "today" : ""} ${day.slice(0, 7) !== month.slice(0, 7) ? "other" : ""}`}
            aria-label={day}
          >
            <span className="date">{Number(day.slice(8))}</span>
            {sessions.get(day)?.map((s) => (
              <button
                type="button"
                key={s.session_id}
                className={`session ${s.status}`}
                title={`${s.title} — ${s.status}`}
                onClick={() => setOpen(s)}
              >
                {s.is_key ? "★ " : ""}
                {s.title}
                {s.execution && (
                  <span className={`score small ${scoreClass(s.execution.score)}`} title={s.execution.summary}>
                    {s.execution.score}
                  </span>
                )}
              </button>
            ))}
            {unplanned.get(day)?.map((a) => (
              <Link key={a.id} to={`/activities/${a.id}`} className="done-run small">
                ✓ {formatDistance(a.distance_km == null ? null : a.distance_km * 1000, units, 1)}
              </Link>
            ))}
          </div>
        ))}
      </div>
      {calendar.data && calendar.data.plan_id == null && (
        <p className="muted">No active plan: generate one below. Activities you did still show as ✓.</p>
      )}
      {open && <SessionPanel session={open} onClose={() => setOpen(null)} />}
    </Card>
  );
}
