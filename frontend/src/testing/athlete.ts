// The signed-in athlete as the `me` query holds it, for pages that read the units from it.
import type { Schemas } from "../api/client";
import { ME_KEY } from "../auth/session";
import type { UnitSystem } from "../units/units";
import type { Answer } from "./render";

export function athlete(units: UnitSystem): Answer {
  const me: Schemas["Profile"] = {
    id: 1,
    email: "runner@example.com",
    email_verified_at: "2026-01-01T00:00:00Z",
    display_name: "Runner",
    created_at: "2026-01-01T00:00:00Z",
    is_demo: false,
    birth_date: null,
    sex: null,
    weight_kg: null,
    max_hr: null,
    resting_hr: null,
    lthr: null,
    threshold_pace_s_per_km: null,
    timezone: "Europe/Berlin",
    units,
  };
  return { key: ME_KEY, data: me };
}
