// Gear: distance on each item from its linked activities, how close it is to retirement, retiring it (it keeps
// its history) and deleting it (after an approval).
import { type FormEvent, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Card } from "../ui/feedback";
import { useFields } from "../ui/fields";
import { FormActions } from "../ui/FormActions";
import { ResourceListCard, useResourceChange, useResourceList } from "../ui/ResourceList";
import { type UnitSystem, distanceUnit, formatDistance, fromDistance } from "../units/units";

type Gear = Schemas["GearOut"];

export function GearPage() {
  const units = useUnits();
  const gear = useResourceList<Schemas["GearList"], Gear>({
    key: "gear",
    fetch: (retired) => unwrap(api.GET("/api/v1/gear", { params: { query: { include_retired: retired } } })),
    remove: (g) => unwrap(api.DELETE("/api/v1/gear/{gear_id}", { params: { path: { gear_id: g.id } } })),
  });
  const retire = useResourceChange("gear", (id: number) =>
    unwrap(api.POST("/api/v1/gear/{gear_id}/retire", { params: { path: { gear_id: id } }, body: null })),
  );
  return (
    <div className="stack">
      <h1>Gear</h1>
      <ResourceListCard
        state={gear}
        title="Your gear"
        toggleLabel="show retired"
        items={(data) => data.gear}
        headers={["Name", "Distance", "Activities", "Used"]}
        intro={(data) =>
          data.past_threshold.map((msg) => (
            <p key={msg} className="note note-warn">
              {msg}
            </p>
          ))
        }
        empty="No gear yet. Add your shoes below to track their distance."
        cells={(g) => <GearCells gear={g} units={units} />}
        actions={(g) =>
          g.is_retired ? (
            <span className="muted">retired {g.retired_on}</span>
          ) : (
            <button type="button" onClick={() => retire.mutate(g.id)} disabled={retire.isPending}>
              Retire
            </button>
          )
        }
        describe={(g) => ({
          name: g.name,
          what: `Delete "${g.name}" and its links to ${g.activities} activities (the activities stay). Retire it instead to keep its history.`,
          args: { gear_id: g.id },
        })}
        error={retire.error}
      />
      <AddGear units={units} />
    </div>
  );
}

function GearCells({ gear: g, units }: { gear: Gear; units: UnitSystem }) {
  return (
    <>
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
    </>
  );
}

function AddGear({ units }: { units: UnitSystem }) {
  const { values, field, clear } = useFields({ name: "", brand: "", model: "", start: "", retire: units === "imperial" ? "500" : "800" });
  const [isDefault, setDefault] = useState(true);
  const add = useResourceChange("gear", (body: Schemas["AddGearInput"]) => unwrap(api.POST("/api/v1/gear", { body })), () =>
    clear("name", "brand", "model", "start"),
  );
  const km = (value: string) => (value.trim() ? fromDistance(Number(value), units) / 1000 : undefined);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({
      name: values.name,
      kind: "shoes",
      brand: values.brand || null,
      model: values.model || null,
      start_distance_km: km(values.start) ?? 0,
      retire_at_km: km(values.retire) ?? null,
      default_for_sport: isDefault ? "running" : null,
    });
  };
  return (
    <Card title="Add shoes">
      <form className="stack" onSubmit={submit}>
        <div className="row wrap">
          <label>
            Name
            <input required {...field("name")} />
          </label>
          <label>
            Brand
            <input {...field("brand")} />
          </label>
          <label>
            Model
            <input {...field("model")} />
          </label>
          <label>
            Already run ({distanceUnit(units)})
            <input type="number" min={0} {...field("start")} />
          </label>
          <label>
            Retire at ({distanceUnit(units)})
            <input type="number" min={1} {...field("retire")} />
          </label>
        </div>
        <label className="inline">
          <input type="checkbox" checked={isDefault} onChange={(e) => setDefault(e.target.checked)} /> use for new runs
        </label>
        <FormActions label="Add" busy={add.isPending} error={add.error} />
      </form>
    </Card>
  );
}
