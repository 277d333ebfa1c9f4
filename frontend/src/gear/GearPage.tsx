// Gear: distance on each item from its linked activities, how close it is to retirement, and retiring it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import { distanceUnit, formatDistance, fromDistance } from "../units/units";

export function GearPage() {
  const units = useUnits();
  const client = useQueryClient();
  const [showRetired, setShowRetired] = useState(false);
  const gear = useQuery({
    queryKey: ["gear", showRetired],
    queryFn: () => unwrap(api.GET("/api/v1/gear", { params: { query: { include_retired: showRetired } } })),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ["gear"] });
  const retire = useMutation({
    mutationFn: (id: number) => unwrap(api.POST("/api/v1/gear/{gear_id}/retire", { params: { path: { gear_id: id } }, body: null })),
    onSuccess: refresh,
  });
  return (
    <div className="stack">
      <h1>Gear</h1>
      <Card
        title="Your gear"
        actions={
          <label className="inline">
            <input type="checkbox" checked={showRetired} onChange={(e) => setShowRetired(e.target.checked)} /> show retired
          </label>
        }
      >
        <ErrorNote error={gear.error ?? retire.error} />
        {gear.isPending && <Loading />}
        {gear.data?.past_threshold.map((msg) => (
          <p key={msg} className="note note-warn">
            {msg}
          </p>
        ))}
        {gear.data && gear.data.gear.length === 0 && <Empty>No gear yet. Add your shoes below to track their distance.</Empty>}
        {gear.data && gear.data.gear.length > 0 && (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Distance</th>
                  <th scope="col">Activities</th>
                  <th scope="col">Used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {gear.data.gear.map((g) => (
                  <GearRow key={g.id} gear={g} units={units} onRetire={() => retire.mutate(g.id)} busy={retire.isPending} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <AddGear onAdded={refresh} />
    </div>
  );
}

function GearRow({ gear: g, units, onRetire, busy }: { gear: Schemas["GearOut"]; units: "metric" | "imperial"; onRetire: () => void; busy: boolean }) {
  return (
    <tr>
      <td>
        {g.name} <span className="muted small">{[g.kind, g.brand, g.model].filter(Boolean).join(" · ")}</span>
        {g.default_for_sport && <span className="badge">default for {g.default_for_sport}</span>}
      </td>
      <td>{formatDistance(g.distance_km * 1000, units, 0)}</td>
      <td>{g.activities}</td>
      <td>
        {g.used_pct != null ? (
          <>
            <progress max={100} value={Math.min(100, g.used_pct)} aria-label={`${g.name} used`} /> {Math.round(g.used_pct)}% of{" "}
            {formatDistance((g.retire_at_km ?? 0) * 1000, units, 0)}
          </>
        ) : (
          "–"
        )}
      </td>
      <td>
        {g.is_retired ? (
          <span className="muted">retired {g.retired_on}</span>
        ) : (
          <button type="button" onClick={onRetire} disabled={busy}>
            Retire
          </button>
        )}
      </td>
    </tr>
  );
}

function AddGear({ onAdded }: { onAdded: () => void }) {
  const units = useUnits();
  const [form, setForm] = useState({ name: "", brand: "", model: "", start: "", retire: units === "imperial" ? "500" : "800", isDefault: true });
  const add = useMutation({
    mutationFn: (body: Schemas["AddGearInput"]) => unwrap(api.POST("/api/v1/gear", { body })),
    onSuccess: () => {
      setForm({ ...form, name: "", brand: "", model: "", start: "" });
      onAdded();
    },
  });
  const km = (value: string) => (value.trim() ? fromDistance(Number(value), units) / 1000 : undefined);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({
      name: form.name,
      kind: "shoes",
      brand: form.brand || null,
      model: form.model || null,
      start_distance_km: km(form.start) ?? 0,
      retire_at_km: km(form.retire) ?? null,
      default_for_sport: form.isDefault ? "running" : null,
    });
  };
  const set = (key: "name" | "brand" | "model" | "start" | "retire") => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [key]: e.target.value });
  return (
    <Card title="Add shoes">
      <form className="stack" onSubmit={submit}>
        <div className="row wrap">
          <label>
            Name
            <input required value={form.name} onChange={set("name")} />
          </label>
          <label>
            Brand
            <input value={form.brand} onChange={set("brand")} />
          </label>
          <label>
            Model
            <input value={form.model} onChange={set("model")} />
          </label>
          <label>
            Already run ({distanceUnit(units)})
            <input type="number" min={0} value={form.start} onChange={set("start")} />
          </label>
          <label>
            Retire at ({distanceUnit(units)})
            <input type="number" min={1} value={form.retire} onChange={set("retire")} />
          </label>
        </div>
        <label className="inline">
          <input type="checkbox" checked={form.isDefault} onChange={(e) => setForm({ ...form, isDefault: e.target.checked })} /> use for new runs
        </label>
        <ErrorNote error={add.error} />
        <button type="submit" className="primary" disabled={add.isPending}>
          Add
        </button>
      </form>
    </Card>
  );
}
