// Units: every distance, pace, speed and elevation the app shows goes through here, in the athlete's units.
// Stored values are SI (metres, seconds, metres per second).

export type UnitSystem = "metric" | "imperial";

export const METRES_PER_MILE = 1609.344;
export const FEET_PER_METRE = 3.28084;

export function distanceUnit(units: UnitSystem): "km" | "mi" {
  return units === "imperial" ? "mi" : "km";
}

export function metresPerUnit(units: UnitSystem): number {
  return units === "imperial" ? METRES_PER_MILE : 1000;
}

/** metres → km or miles (a number, for charts and totals). */
export function toDistance(metres: number, units: UnitSystem): number {
  return metres / metresPerUnit(units);
}

/** km or miles → metres (form input). */
export function fromDistance(value: number, units: UnitSystem): number {
  return value * metresPerUnit(units);
}

export function formatDistance(metres: number | null | undefined, units: UnitSystem, digits = 2): string {
  if (metres == null || !Number.isFinite(metres)) return "–";
  return `${toDistance(metres, units).toFixed(digits)} ${distanceUnit(units)}`;
}

/** seconds → "h:mm:ss" or "m:ss". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "–";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** speed (m/s) → seconds per km or mile; null when standing still. */
export function paceSeconds(speed: number | null | undefined, units: UnitSystem): number | null {
  if (speed == null || !Number.isFinite(speed) || speed <= 0.2) return null; // slower than 83 min/km: not moving
  return metresPerUnit(units) / speed;
}

/** seconds per km or mile → "m:ss" (an axis label; the unit is in the chart's title). */
export function formatPaceClock(secondsPerUnit: number | null | undefined): string {
  if (secondsPerUnit == null || !Number.isFinite(secondsPerUnit) || secondsPerUnit <= 0) return "–";
  const total = Math.round(secondsPerUnit);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** seconds per km or mile → "m:ss /km". */
export function formatPaceSeconds(secondsPerUnit: number | null | undefined, units: UnitSystem): string {
  const clock = formatPaceClock(secondsPerUnit);
  return clock === "–" ? clock : `${clock} /${distanceUnit(units)}`;
}

export function formatPace(speed: number | null | undefined, units: UnitSystem): string {
  return formatPaceSeconds(paceSeconds(speed, units), units);
}

/** A pace for metric seconds-per-km input, shown in the athlete's units. */
export function formatPacePerKm(secondsPerKm: number | null | undefined, units: UnitSystem): string {
  if (secondsPerKm == null) return "–";
  return formatPaceSeconds((secondsPerKm * metresPerUnit(units)) / 1000, units);
}

/** "4:30" or "4:30:00" or "270" (seconds) → seconds; null when it is not a time. */
export function parseClock(text: string): number | null {
  const parts = text.trim().split(":");
  if (parts.length === 0 || parts.length > 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) return null;
  const numbers = parts.map(Number);
  if (numbers.slice(1).some((n) => n >= 60)) return null;
  return numbers.reduce((acc, n) => acc * 60 + n, 0);
}

export function formatElevation(metres: number | null | undefined, units: UnitSystem): string {
  if (metres == null || !Number.isFinite(metres)) return "–";
  return units === "imperial" ? `${Math.round(metres * FEET_PER_METRE)} ft` : `${Math.round(metres)} m`;
}

export function toElevation(metres: number, units: UnitSystem): number {
  return units === "imperial" ? metres * FEET_PER_METRE : metres;
}
