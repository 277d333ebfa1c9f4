// When you can train: each weekday open or not and the longest session it allows, and blocked days. Saving
// re-lays the plan's weeks ahead around it with the same volume (the API says what moved).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { isoDay } from "../plan/calendar";
import { Card, ErrorNote, Loading } from "../ui/feedback";
import { FormActions } from "../ui/FormActions";
import { type DayDraft, fromWeek, planNote, toWeek } from "./availability";

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

export function AvailabilitySettings() {
  const client = useQueryClient();
  const availability = useQuery({ queryKey: ["availability"], queryFn: () => unwrap(api.GET("/api/v1/availability")) });
  const [week, setWeek] = useState<DayDraft[] | null>(null);
  const [moved, setMoved] = useState<string | null>(null);
  useEffect(() => {
    if (availability.data && !week) setWeek(fromWeek(availability.data.week));
  }, [availability.data, week]);
  const changed = (out: Schemas["AvailabilityChange"]) => {
    client.setQueryData(["availability"], out.availability);
    setMoved(planNote(out.plan));
    void client.invalidateQueries({ queryKey: ["plans"] });
  };
  const save = useMutation({
    mutationFn: (body: Schemas["SetWeekInput"]) => unwrap(api.PUT("/api/v1/availability", { body })),
    onSuccess: (out) => {
      setWeek(fromWeek(out.availability.week));
      changed(out);
    },
  });
  if (!week) return <Card title="Availability">{availability.isPending ? <Loading /> : <ErrorNote error={availability.error} />}</Card>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ days: toWeek(week) });
  };
  const edit = (k: number, patch: Partial<DayDraft>) => setWeek(week.map((d, i) => (i === k ? { ...d, ...patch } : d)));
  const closed = week.filter((d) => !d.available).length;
  return (
    <Card title="Availability" className="span-all">
      <form className="stack" onSubmit={submit}>
        <fieldset>
          <legend>Days you can train, and the longest session each allows</legend>
          <div className="availability-week">
            {week.map((d, k) => (
              <div key={DAYS[k]} className={`availability-day ${d.available ? "" : "closed"}`}>
                <label className="inline">
                  <input type="checkbox" checked={d.available} onChange={(e) => edit(k, { available: e.target.checked })} /> {DAYS[k]}
                </label>
                <label className="small">
                  max minutes
                  <input
                    type="number"
                    min={10}
                    max={600}
                    placeholder="no limit"
                    disabled={!d.available}
                    value={d.maxMinutes}
                    onChange={(e) => edit(k, { maxMinutes: e.target.value })}
                    aria-label={`${DAYS[k]} longest session in minutes`}
                  />
                </label>
              </div>
            ))}
          </div>
        </fieldset>
        <FormActions
          label="Save availability"
          busy={save.isPending}
          invalid={closed === 7 ? "Leave at least one day open." : null}
          disabled={closed === 7}
          error={save.error}
          errorTitle="Not saved"
          done={save.isSuccess ? moved : null}
        />
      </form>
      <Blackouts blackouts={availability.data?.blackouts ?? []} onChanged={changed} />
    </Card>
  );
}

function Blackouts({ blackouts, onChanged }: { blackouts: Schemas["Blackout"][]; onChanged: (out: Schemas["AvailabilityChange"]) => void }) {
  const client = useQueryClient();
  const [day, setDay] = useState(isoDay(new Date()));
  const [reason, setReason] = useState("");
  const add = useMutation({
    mutationFn: (body: Schemas["BlackoutInput"]) => unwrap(api.POST("/api/v1/availability/blackouts", { body })),
    onSuccess: (out) => {
      setReason("");
      onChanged(out);
    },
  });
  const remove = useMutation({
    mutationFn: (d: string) => unwrap(api.DELETE("/api/v1/availability/blackouts/{day}", { params: { path: { day: d } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["availability"] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ day, reason: reason.trim() || null });
  };
  return (
    <form className="stack" onSubmit={submit}>
      <h3>Blocked days</h3>
      {blackouts.length === 0 ? (
        <p className="muted small">No blocked days.</p>
      ) : (
        <ul className="pills">
          {blackouts.map((b) => (
            <li key={b.day}>
              {b.day}
              {b.reason ? ` · ${b.reason}` : ""}{" "}
              <button type="button" className="link" aria-label={`Unblock ${b.day}`} onClick={() => remove.mutate(b.day)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="row wrap">
        <label>
          Day
          <input type="date" required value={day} onChange={(e) => setDay(e.target.value)} />
        </label>
        <label>
          Why (optional)
          <input maxLength={200} value={reason} placeholder="e.g. a wedding" onChange={(e) => setReason(e.target.value)} />
        </label>
      </div>
      <ErrorNote error={remove.error} />
      <FormActions label="Block this day" busy={add.isPending} error={add.error} errorTitle="Not blocked" done={add.isSuccess ? planNote(add.data.plan) : null} />
    </form>
  );
}
