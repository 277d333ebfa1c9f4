// Units, time zone and the physiology the numbers depend on (max/resting HR, LTHR).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { ME_KEY } from "../auth/session";
import { Card, ErrorNote, Loading } from "../ui/feedback";
import { FormActions } from "../ui/FormActions";

type Form = { units: "metric" | "imperial"; timezone: string; max_hr: string; resting_hr: string; lthr: string };

function zones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.("timeZone") ?? [];
}

const num = (v: string) => (v.trim() ? Number(v) : null);

export function ProfileSettings() {
  const client = useQueryClient();
  const settings = useQuery({ queryKey: ["settings"], queryFn: () => unwrap(api.GET("/api/v1/settings")) });
  const [form, setForm] = useState<Form | null>(null);
  useEffect(() => {
    const s = settings.data;
    if (s && !form) {
      setForm({
        units: s.units,
        timezone: s.timezone,
        max_hr: s.max_hr?.toString() ?? "",
        resting_hr: s.resting_hr?.toString() ?? "",
        lthr: s.lthr?.toString() ?? "",
      });
    }
  }, [settings.data, form]);
  const save = useMutation({
    mutationFn: (body: Schemas["SettingsUpdate"]) => unwrap(api.PATCH("/api/v1/settings", { body })),
    onSuccess: (saved) => {
      client.setQueryData(["settings"], saved);
      void client.invalidateQueries({ queryKey: ME_KEY });
      void client.invalidateQueries({ queryKey: ["training"] });
      void client.invalidateQueries({ queryKey: ["activities"] });
    },
  });
  if (!form) return <Card title="Profile and units">{settings.isPending ? <Loading /> : <ErrorNote error={settings.error} />}</Card>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ units: form.units, timezone: form.timezone, max_hr: num(form.max_hr), resting_hr: num(form.resting_hr), lthr: num(form.lthr) });
  };
  const set = (key: keyof Form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm({ ...form, [key]: e.target.value });
  return (
    <Card title="Profile and units">
      <form className="stack" onSubmit={submit}>
        <fieldset className="row wrap">
          <legend>Units</legend>
          <label className="inline">
            <input type="radio" name="units" value="metric" checked={form.units === "metric"} onChange={set("units")} /> km, min/km
          </label>
          <label className="inline">
            <input type="radio" name="units" value="imperial" checked={form.units === "imperial"} onChange={set("units")} /> miles, min/mi
          </label>
        </fieldset>
        <label>
          Time zone
          <input list="time-zones" value={form.timezone} onChange={set("timezone")} />
          <datalist id="time-zones">
            {zones().map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </label>
        <div className="row wrap">
          <label>
            Max HR
            <input type="number" min={100} max={240} value={form.max_hr} onChange={set("max_hr")} />
          </label>
          <label>
            Resting HR
            <input type="number" min={25} max={120} value={form.resting_hr} onChange={set("resting_hr")} />
          </label>
          <label>
            Threshold HR (LTHR)
            <input type="number" min={80} max={230} value={form.lthr} onChange={set("lthr")} />
          </label>
        </div>
        <FormActions label="Save" busy={save.isPending} error={save.error} errorTitle="Not saved" done={save.isSuccess && "Saved."} />
      </form>
    </Card>
  );
}
