import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { athlete } from "../testing/athlete";
import { renderWith, textOf } from "../testing/render";
import { GearPage } from "./GearPage";

const shoe = (over: Partial<Schemas["GearOut"]>): Schemas["GearOut"] => ({
  id: 1,
  name: "Pegasus 40",
  kind: "shoes",
  brand: "Nike",
  model: "Pegasus",
  default_for_sport: "running",
  distance_km: 804.672,
  activities: 97,
  is_retired: false,
  retire_at_km: 804.672,
  retired_on: null,
  used_pct: 100,
  ...over,
});

describe("GearPage", () => {
  it("shows each item's distance and use in the athlete's units, with retire and an approved delete", () => {
    const list: Schemas["GearList"] = {
      gear: [shoe({}), shoe({ id: 2, name: "Old trail", default_for_sport: null, is_retired: true, retired_on: "2026-03-01", used_pct: null, retire_at_km: null })],
      past_threshold: ["Pegasus 40 is past its 500 mi: time for new shoes."],
    };
    const html = renderWith(<GearPage />, [athlete("imperial"), { key: ["gear", false], data: list }]);
    const text = textOf(html);
    expect(text).toContain("Pegasus 40 is past its 500 mi: time for new shoes.");
    expect(text).toContain("Pegasus 40 shoes · Nike · Pegasus default for running 500 mi 97 100% of 500 mi Retire Delete");
    expect(text).toContain("Old trail shoes · Nike · Pegasus 500 mi 97 – retired 2026-03-01 Delete");
    expect(html).toContain('aria-label="Delete Old trail"');
    expect(html.match(/>Retire</g)).toHaveLength(1); // a retired item cannot be retired again
    // the add form asks in miles and suggests retiring at 500 mi
    expect(text).toContain("Already run (mi)");
    expect(html).toMatch(/<input type="number" min="1" value="500"\/>/);
  });

  it("asks for the first shoes when there is no gear", () => {
    const html = renderWith(<GearPage />, [athlete("metric"), { key: ["gear", false], data: { gear: [], past_threshold: [] } }]);
    expect(textOf(html)).toContain("No gear yet. Add your shoes below to track their distance.");
    expect(html).toMatch(/<input type="number" min="1" value="800"\/>/);
  });
});
