// The last 12 weeks as bars: training load, or running distance in the athlete's units. Both come with the load's
// weekly series: the server sums each week's runs over the athlete's local days.
import { useMemo, useState } from "react";
import { useUnits } from "../auth/session";
import { type Series, TimeSeries } from "../charts/TimeSeries";
import { Choice } from "../ui/Choice";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import { distanceUnit, toDistance } from "../units/units";
import { unix, useTrainingLoad } from "./LoadChart";

const DAYS = 84;
export type WeeklyMeasure = "load" | "distance";
const MEASURES: { value: WeeklyMeasure; label: string }[] = [
  { value: "load", label: "Load" },
  { value: "distance", label: "Distance" },
];

export function WeeklyVolume({ initial = "load" }: { initial?: WeeklyMeasure }) {
  const units = useUnits();
  const [measure, setMeasure] = useState<WeeklyMeasure>(initial);
  const load = useTrainingLoad(DAYS, "week");
  const weekly = load.data?.weekly ?? [];
  const unit = distanceUnit(units);
  const x = useMemo(() => weekly.map((w) => unix(w.week_start)), [weekly]);
  const series = useMemo((): Series[] => {
    if (measure === "load") {
      return [{ label: "Load", values: weekly.map((w) => w.load), color: "#0b6bcb", bars: true, fill: true, format: (v) => v.toFixed(0) }];
    }
    const distance = weekly.map((w) => toDistance(w.distance_km * 1000, units));
    return [{ label: `Running distance (${unit})`, values: distance, color: "#2f9e44", bars: true, fill: true, format: (v) => v.toFixed(1) }];
  }, [measure, weekly, units, unit]);
  const values = series[0]?.values ?? [];
  const ready = weekly.length > 0 && values.length === weekly.length;
  const format = series[0]?.format ?? String;
  const figure = (v: number | null | undefined) => (v == null ? "–" : `${format(v)}${measure === "distance" ? ` ${unit}` : ""}`);
  return (
    <Card
      title="Weekly volume (12 weeks)"
      actions={<Choice label="Weekly bars show" options={MEASURES} value={measure} onChange={setMeasure} />}
    >
      <ErrorNote error={load.error} />
      {load.isPending && <Loading />}
      {load.data && weekly.length === 0 && <Empty>No weeks yet.</Empty>}
      {ready && (
        <>
          <TimeSeries
            title={measure === "load" ? "Load per week" : `Running distance per week (${unit})`}
            x={x}
            series={series}
            time
            height={180}
            xLabel="Week of"
          />
          <p className="muted small" data-testid="weekly-figures">
            This week {figure(values.at(-1))} · last week {figure(values.at(-2))}
          </p>
        </>
      )}
    </Card>
  );
}
