import { describe, expect, it } from "vitest";
import { formatLapHeartRate, lapHeartRateHeader } from "./laps";

describe("lap heart rate", () => {
  it("shows the average, and the maximum when the lap has one", () => {
    expect(formatLapHeartRate({ avg_hr: 151.6 })).toBe("152 bpm");
    expect(formatLapHeartRate({ avg_hr: 151.6, max_hr: 170.8 })).toBe("152 / 171 bpm");
    expect(formatLapHeartRate({ avg_hr: null, max_hr: null })).toBe("–");
  });

  it("heads the column after what the laps have, or drops it when none has a heart rate", () => {
    expect(lapHeartRateHeader([{ avg_hr: 150 }, { avg_hr: null }])).toBe("Avg HR");
    expect(lapHeartRateHeader([{ avg_hr: 150, max_hr: 165 }])).toBe("HR avg / max");
    expect(lapHeartRateHeader([{ avg_hr: null }, { avg_hr: null }])).toBeNull();
  });
});
