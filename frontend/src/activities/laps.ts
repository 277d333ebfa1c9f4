// Heart rate per lap as the laps table shows it. The API's laps carry the average; a maximum is shown too
// when a lap has one (`max_hr`, not in the API's lap yet).

export interface LapHeartRate {
  avg_hr: number | null;
  max_hr?: number | null;
}

/** "152 bpm", "152 / 171 bpm" (average / max) or "–". */
export function formatLapHeartRate(lap: LapHeartRate): string {
  const avg = lap.avg_hr != null && Number.isFinite(lap.avg_hr) ? Math.round(lap.avg_hr) : null;
  const max = lap.max_hr != null && Number.isFinite(lap.max_hr) ? Math.round(lap.max_hr) : null;
  if (avg == null && max == null) return "–";
  if (max == null) return `${avg} bpm`;
  return `${avg ?? "–"} / ${max} bpm`;
}

/** The column's header, or null when no lap has a heart rate (the recording has none per lap). */
export function lapHeartRateHeader(laps: readonly LapHeartRate[]): string | null {
  if (laps.some((l) => l.max_hr != null)) return "HR avg / max";
  if (laps.some((l) => l.avg_hr != null)) return "Avg HR";
  return null;
}
