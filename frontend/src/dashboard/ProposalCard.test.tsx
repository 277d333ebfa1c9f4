import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { athlete } from "../testing/athlete";
import { renderWith, textOf } from "../testing/render";
import { ProposalCard } from "./ProposalCard";

const offer: Schemas["Offer"] = {
  thread_id: "0b7a3c1e-9f7e-4b59-9a39-1f0c8d2e5a11",
  approval_id: "offline-1a2b3c",
  tool: "apply_today_adjustment",
  what: "Apply an adjustment adjust_today proposed",
  why: "Good morning! Take it easy today.",
  arguments: { session_id: 12, action: "easy" },
  answered: false,
};

const proposal: Schemas["Proposal"] = {
  action: "easy",
  why: "readiness says take it easy: swap the key session for a short easy run (sleep 5.5 h vs your 28-night baseline 8.0 h)",
  session_title: "Long run",
  proposed_title: "Easy run (adjusted from long run)",
  proposed_km: 16.1,
  signals: [
    { name: "sleep", text: "sleep 5.5 h vs your 28-night baseline 8.0 h", worse: true },
    { name: "resting HR", text: "resting HR 50 bpm vs your 28-night baseline 49 bpm", worse: false },
  ],
};

const notification = (o: Schemas["Offer"] | null): Schemas["NotificationOut"] => ({
  id: 1,
  trigger: "morning_readiness",
  period_key: "2026-11-29",
  title: "Good morning — readiness for Sun 29 Nov",
  body: "Good morning!",
  data: {},
  created_at: "2026-11-29T07:15:00Z",
  read_at: null,
  deliveries: [],
  offer: o,
  proposal,
});

describe("ProposalCard", () => {
  it("shows the change, the signals against the baselines, and Approve / Keep", () => {
    const html = renderWith(<ProposalCard notification={notification(offer)} />, [athlete("imperial")]);
    const text = textOf(html);
    expect(text).toContain("Change today's session?");
    expect(text).toContain("Long run → Easy run (adjusted from long run), 10.00 mi");
    expect(text).toContain("▼ sleep 5.5 h vs your 28-night baseline 8.0 h");
    expect(text).toContain("• resting HR 50 bpm");
    expect(text).toContain("Approve");
    expect(text).toContain("Keep the plan");
    expect(html).toContain(`href="/chat/${offer.thread_id}"`);
  });

  it("offers no buttons once answered, and nothing without an offer", () => {
    const answered = textOf(renderWith(<ProposalCard notification={notification({ ...offer, answered: true })} />, [athlete("metric")]));
    expect(answered).toContain("Answered.");
    expect(answered).not.toContain("Keep the plan");
    expect(renderWith(<ProposalCard notification={notification(null)} />, [athlete("metric")])).toBe("");
  });
});
