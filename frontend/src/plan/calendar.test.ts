import { describe, expect, it } from "vitest";
import { addDays, monthGrid, mondayOf, shiftMonth } from "./calendar";

describe("calendar", () => {
  it("finds Mondays and crosses month and year ends", () => {
    expect(mondayOf("2026-11-23")).toBe("2026-11-23"); // a Monday
    expect(mondayOf("2026-11-29")).toBe("2026-11-23"); // the Sunday after
    expect(mondayOf("2027-01-01")).toBe("2026-12-28");
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29"); // leap year
  });

  it("lays a month out in whole Monday-first weeks", () => {
    const grid = monthGrid("2026-11-15"); // November 2026 starts on a Sunday
    expect(grid[0]?.[0]).toBe("2026-10-26");
    expect(grid[0]?.[6]).toBe("2026-11-01");
    expect(grid.at(-1)?.[6]).toBe("2026-12-06");
    expect(grid).toHaveLength(6);
    expect(grid.every((w) => w.length === 7)).toBe(true);
    expect(monthGrid("2027-02-10")).toHaveLength(4); // Feb 2027: Monday 1st to Sunday 28th
  });

  it("moves by months from any day", () => {
    expect(shiftMonth("2026-01-31", 1)).toBe("2026-02-01");
    expect(shiftMonth("2026-01-15", -1)).toBe("2025-12-01");
  });
});
