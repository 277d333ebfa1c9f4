import { describe, expect, it } from "vitest";
import { changeLabel } from "./notes";

const edit = {
  date: "2026-12-12",
  new_date: "2026-12-12",
  before: "Easy",
  before_km: 8.9,
  after: "Easy 2.6 km (return from illness, 30%)",
  after_km: 2.6,
  after_kind: "easy",
  reason: "illness: return ramp",
};

describe("changeLabel", () => {
  it("names a move by its new day", () => {
    expect(changeLabel({ ...edit, new_date: "2026-12-13", after: "Easy", after_km: 8.9 })).toBe("moved to 2026-12-13");
  });
  it("keeps a name that already says the distance, and adds it otherwise", () => {
    expect(changeLabel(edit)).toBe("Easy 2.6 km (return from illness, 30%)");
    expect(changeLabel({ ...edit, after: "Hills" })).toBe("Hills — 2.6 km");
  });
  it("shows rest as rest", () => {
    expect(changeLabel({ ...edit, after: "Rest day (ill)", after_km: 0, after_kind: "rest" })).toBe("Rest day (ill)");
  });
});
