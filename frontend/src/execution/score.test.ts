import { describe, expect, it } from "vitest";
import { scoreClass, shareText } from "./score";

describe("execution score display", () => {
  it("bands scores", () => {
    expect([100, 85, 84, 65, 64, 0].map(scoreClass)).toEqual(["good", "good", "fair", "fair", "poor", "poor"]);
  });
  it("shows shares as clamped percentages", () => {
    expect(shareText(0.857)).toBe("86%");
    expect(shareText(1.2)).toBe("100%");
  });
});
