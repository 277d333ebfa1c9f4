// Proactive messages: which ones, where they go, when, and the quiet hours.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { Card, ErrorNote, Loading } from "../ui/feedback";
import { FormActions } from "../ui/FormActions";

type Prefs = Schemas["NotificationPreferences"];
type Trigger = Schemas["Trigger"];
type Channel = Schemas["Channel"];

const TRIGGERS: { key: Trigger; label: string }[] = [
  { key: "morning_readiness", label: "Morning readiness" },
  { key: "after_run", label: "Feedback after a run" },
  { key: "weekly_review", label: "Weekly review" },
  { key: "race_week", label: "Race week" },
  { key: "gear_threshold", label: "Shoes past their mileage" },
  { key: "missed_session", label: "Missed session" },
];
const CHANNELS: { key: Channel; label: string }[] = [
  { key: "web", label: "Web inbox" },
  { key: "telegram", label: "Telegram" },
];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const hhmm = (t: string | undefined | null) => (t ?? "").slice(0, 5);

export function NotificationSettings() {
  const client = useQueryClient();
  const prefs = useQuery({ queryKey: ["notifications", "preferences"], queryFn: () => unwrap(api.GET("/api/v1/notifications/preferences")) });
  const [form, setForm] = useState<Prefs | null>(null);
  useEffect(() => {
    if (prefs.data && !form) setForm(prefs.data);
  }, [prefs.data, form]);
  const save = useMutation({
    mutationFn: (body: Schemas["PreferencesUpdate"]) => unwrap(api.PUT("/api/v1/notifications/preferences", { body })),
    onSuccess: (saved) => {
      setForm(saved);
      client.setQueryData(["notifications", "preferences"], saved);
    },
  });
  if (!form) return <Card title="Coach messages">{prefs.isPending ? <Loading /> : <ErrorNote error={prefs.error} />}</Card>;
  const triggers = (form.triggers ?? {}) as Partial<Record<Trigger, boolean>>;
  const channels = form.channels ?? [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({
      triggers: form.triggers,
      channels: form.channels,
      morning_time: form.morning_time,
      weekly_review_day: form.weekly_review_day,
      weekly_review_time: form.weekly_review_time,
      quiet_hours: form.quiet_hours,
    });
  };
  const time = (v: string) => (v.length === 5 ? `${v}:00` : v);
  return (
    <Card title="Coach messages">
      <form className="stack" onSubmit={submit}>
        <fieldset>
          <legend>Send me</legend>
          {TRIGGERS.map((t) => (
            <label key={t.key} className="inline">
              <input
                type="checkbox"
                checked={triggers[t.key] ?? true}
                onChange={(e) => setForm({ ...form, triggers: { ...triggers, [t.key]: e.target.checked } })}
              />
              {t.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Deliver to</legend>
          {CHANNELS.map((c) => (
            <label key={c.key} className="inline">
              <input
                type="checkbox"
                checked={channels.includes(c.key)}
                onChange={(e) =>
                  setForm({ ...form, channels: e.target.checked ? [...channels, c.key] : channels.filter((x) => x !== c.key) })
                }
              />
              {c.label}
            </label>
          ))}
        </fieldset>
        <div className="row wrap">
          <label>
            Morning message at
            <input type="time" value={hhmm(form.morning_time)} onChange={(e) => setForm({ ...form, morning_time: time(e.target.value) })} />
          </label>
          <label>
            Weekly review on
            <select value={form.weekly_review_day ?? 6} onChange={(e) => setForm({ ...form, weekly_review_day: Number(e.target.value) })}>
              {DAYS.map((d, i) => (
                <option key={d} value={i}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          <label>
            at
            <input
              type="time"
              value={hhmm(form.weekly_review_time)}
              onChange={(e) => setForm({ ...form, weekly_review_time: time(e.target.value) })}
            />
          </label>
        </div>
        <fieldset className="row wrap">
          <legend>Quiet hours</legend>
          <label className="inline">
            <input
              type="checkbox"
              checked={form.quiet_hours != null}
              onChange={(e) => setForm({ ...form, quiet_hours: e.target.checked ? { start: "22:00:00", end: "07:00:00" } : null })}
            />
            on
          </label>
          {form.quiet_hours && (
            <>
              <label>
                from
                <input
                  type="time"
                  value={hhmm(form.quiet_hours.start)}
                  onChange={(e) => setForm({ ...form, quiet_hours: { end: "07:00:00", ...form.quiet_hours, start: time(e.target.value) } })}
                />
              </label>
              <label>
                until
                <input
                  type="time"
                  value={hhmm(form.quiet_hours.end)}
                  onChange={(e) => setForm({ ...form, quiet_hours: { start: "22:00:00", ...form.quiet_hours, end: time(e.target.value) } })}
                />
              </label>
            </>
          )}
        </fieldset>
        <FormActions label="Save" busy={save.isPending} error={save.error} errorTitle="Not saved" done={save.isSuccess && "Saved."} />
      </form>
    </Card>
  );
}
