import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { athlete } from "../testing/athlete";
import { renderWith, textOf } from "../testing/render";
import { RacesPage } from "./RacesPage";

const race = (over: Partial<Schemas["RaceOutlook"]>): Schemas["RaceOutlook"] => ({
  id: 7,
  name: "Berlin Marathon",
  date: "2026-09-27",
  days_to_go: 40,
  distance_m: 42195,
  priority: "A",
  goal_time_s: 3 * 3600,
  goal_gap_s: 120,
  predicted_time: "3:02:00",
  predicted_time_s: 3 * 3600 + 120,
  prediction_basis: null,
  location: "Berlin",
  ...over,
});

describe("RacesPage", () => {
  it("shows each race against its goal, the current VDOT, and a delete per race", () => {
    const calendar: Schemas["RaceCalendar"] = {
      races: [race({}), race({ id: 8, name: "Parkrun", priority: "C", distance_m: 5000, goal_time_s: 1260, goal_gap_s: -30, predicted_time: "20:30", location: null })],
      next_a_race: null,
      vdot: 52.34,
      prediction_note: null,
    };
    const html = renderWith(<RacesPage />, [athlete("metric"), { key: ["races", false], data: calendar }]);
    const text = textOf(html);
    expect(text).toContain("Current VDOT 52.3");
    expect(text).toContain("A Berlin Marathon Berlin 2026-09-27 (40 d) 42.2 km 3:00:00 3:02:00 (+2:00) Delete");
    expect(text).toContain("C Parkrun 2026-09-27 (40 d) 5.0 km 21:00 20:30 (−0:30) Delete");
    expect(html).toContain('aria-label="Delete Parkrun"');
  });

  it("asks for the next race when there is none", () => {
    const html = renderWith(<RacesPage />, [athlete("imperial"), { key: ["races", false], data: { races: [], next_a_race: null, vdot: null, prediction_note: null } }]);
    expect(textOf(html)).toContain("No races yet. Add your next one below.");
    expect(textOf(html)).not.toContain("VDOT");
  });
});
