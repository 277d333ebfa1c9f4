// Calendar arithmetic on plain ISO dates (YYYY-MM-DD), weeks starting on Monday. Pure: tested.

export function isoDay(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

export function parseDay(day: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
}

export function addDays(day: string, n: number): string {
  const date = parseDay(day);
  date.setDate(date.getDate() + n);
  return isoDay(date);
}

/** The Monday on or before `day`. */
export function mondayOf(day: string): string {
  const dow = (parseDay(day).getDay() + 6) % 7; // Monday = 0
  return addDays(day, -dow);
}

/** Whole weeks (Monday–Sunday) covering the month of `day`: 4 to 6 rows of 7 ISO days. */
export function monthGrid(day: string): string[][] {
  const first = `${day.slice(0, 7)}-01`;
  const date = parseDay(first);
  const last = isoDay(new Date(date.getFullYear(), date.getMonth() + 1, 0));
  const weeks: string[][] = [];
  for (let start = mondayOf(first); start <= last; start = addDays(start, 7)) {
    weeks.push(Array.from({ length: 7 }, (_, i) => addDays(start, i)));
  }
  return weeks;
}

export function shiftMonth(day: string, months: number): string {
  const date = parseDay(`${day.slice(0, 7)}-01`);
  return isoDay(new Date(date.getFullYear(), date.getMonth() + months, 1));
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
