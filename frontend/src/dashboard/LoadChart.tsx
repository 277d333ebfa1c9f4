// Fitness (CTL), fatigue (ATL) and form (TSB) over a chosen range, from GET /training/load.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { api, unwrap } from "../api/client";
import { TimeSeries } from "../charts/TimeSeries";
import { Choice } from "../ui/Choice";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";

const RANGES = [
  { value: 42, label: "6 wk" },
  { value: 90, label: "3 mo" },
  { value: 180, label: "6 mo" },
  { value: 365, label: "1 yr" },
];

/** an ISO day as unix seconds at its noon (UTC), the x of daily and weekly charts */
export const unix = (day: string) => Date.parse(`${day}T12:00:00Z`) / 1000;
const round = (v: number) => v.toFixed(0);

export function useTrainingLoad(days: number, resolution: "day" | "week") {
  return useQuery({
    queryKey: ["training", "load", days, resolution],
    queryFn: () => unwrap(api.GET("/api/v1/training/load", { params: { query: { days, resolution } } })),
    placeholderData: keepPreviousData,
  });
}

export function LoadChart() {
  const [days, setDays] = useState<number>(90);
  const load = useTrainingLoad(days, "day");
  const data = useMemo(() => {
    const daily = load.data?.daily ?? [];
    return {
      x: daily.map((d) => unix(d.day)),
      series: [
        { label: "Fitness (CTL)", values: daily.map((d) => d.ctl), color: "#0b6bcb", format: round },
        { label: "Fatigue (ATL)", values: daily.map((d) => d.atl), color: "#d9480f", format: round },
        { label: "Form (TSB)", values: daily.map((d) => d.tsb), color: "#2f9e44", format: round, fill: true },
      ],
    };
  }, [load.data]);
  const today = load.data?.today;
  return (
    <Card
      title="Fitness, fatigue and form"
      className="span-all"
      actions={<Choice label="Range" options={RANGES} value={days} onChange={setDays} />}
    >
      <ErrorNote error={load.error} />
      {load.isPending && <Loading />}
      {today && (
        <div className="stats" data-testid="load-today">
          <div className="stat">
            <span className="muted small">Fitness</span>
            <b>{round(today.ctl)}</b>
          </div>
          <div className="stat">
            <span className="muted small">Fatigue</span>
            <b>{round(today.atl)}</b>
          </div>
          <div className="stat">
            <span className="muted small">Form</span>
            <b>{round(today.tsb)}</b>
          </div>
          <div className="stat">
            <span className="muted small">Load, last 7 days</span>
            <b>{round(today.load_7d)}</b>
          </div>
          {today.acwr != null && (
            <div className="stat">
              <span className="muted small">Acute:chronic</span>
              <b>{today.acwr.toFixed(2)}</b>
            </div>
          )}
        </div>
      )}
      {data.x.length > 1 ? (
        <TimeSeries title="CTL / ATL / TSB" x={data.x} series={data.series} time height={240} xLabel="Day" />
      ) : (
        load.data && <Empty>No training yet: import an activity to see your load.</Empty>
      )}
      {load.data?.notes.map((n) => (
        <p key={n} className="muted small">
          {n}
        </p>
      ))}
    </Card>
  );
}
