import { describe, expect, it } from "vitest";
import { toExercises } from "./strength";

describe("toExercises", () => {
  it("drops unnamed rows and repeats the set", () => {
    const out = toExercises([
      { name: " Squat ", sets: "3", reps: "5", load: "80" },
      { name: "", sets: "3", reps: "8", load: "" },
      { name: "Push-up", sets: "2", reps: "15", load: "" },
    ]);
    expect(out).toEqual([
      { name: "Squat", sets: [1, 2, 3].map(() => ({ reps: 5, load_kg: 80 })) },
      { name: "Push-up", sets: [1, 2].map(() => ({ reps: 15, load_kg: null })) },
    ]);
  });
  it("keeps the set count between 1 and 20", () => {
    expect(toExercises([{ name: "Plank", sets: "0", reps: "", load: "" }])[0]?.sets).toHaveLength(1);
    expect(toExercises([{ name: "Plank", sets: "99", reps: "", load: "" }])[0]?.sets).toHaveLength(20);
  });
});
