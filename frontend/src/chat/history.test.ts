import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { exchangesFromMessages } from "./history";
import { turnText } from "./turn";

const at = "2026-11-01T10:00:00Z";
const msg = (id: number, role: string, content: string, events: Record<string, unknown>[] = []): Schemas["MessageOut"] => ({
  id,
  role,
  content,
  events,
  model: role === "assistant" ? "runcoach-offline" : null,
  created_at: at,
});

describe("exchangesFromMessages", () => {
  it("pairs prompts with answers and rebuilds tool chips from stored events", () => {
    const out = exchangesFromMessages(
      [
        msg(1, "user", "How was my last run?"),
        msg(2, "assistant", "10 km at 5:00/km.", [
          { type: "tool_call", call_id: "c", name: "last_activity", arguments: {} },
          { type: "tool_result", call_id: "c", name: "last_activity", ok: true, summary: "10 km", data: {}, error: null },
          { type: "message_done", message_id: 2, text: "10 km at 5:00/km.", model: "m", usage: {} },
        ]),
      ],
      "t",
    );
    expect(out).toHaveLength(1);
    expect(out[0]?.prompt).toBe("How was my last run?");
    expect(out[0]?.turn.status).toBe("done");
    expect(turnText(out[0]!.turn)).toBe("10 km at 5:00/km.");
    expect(out[0]?.turn.parts[0]?.kind).toBe("tool");
  });

  it("keeps only the newest pending approval actionable", () => {
    const approval = { type: "approval_required", approval_id: "a", tool: "push_workout", what: "w", why: "y", arguments: {} };
    const out = exchangesFromMessages(
      [
        msg(1, "user", "push it"),
        msg(2, "assistant", "", [approval]),
        msg(3, "user", "actually, push the other one"),
        msg(4, "assistant", "", [{ ...approval, approval_id: "b" }]),
      ],
      "t",
    );
    expect(out.map((x) => x.turn.status)).toEqual(["done", "awaiting_approval"]);
    expect(out[1]?.turn.approval?.approval_id).toBe("b");
  });

  it("shows a question still waiting for its answer", () => {
    const out = exchangesFromMessages([msg(1, "user", "hello")], "t");
    expect(out).toEqual([expect.objectContaining({ prompt: "hello" })]);
    expect(out[0]?.turn.status).toBe("streaming");
  });
});
