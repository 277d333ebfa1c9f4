import { describe, expect, it } from "vitest";
import type { CoachEvent } from "./events";
import { applyEvent, emptyTurn, foldEvents, turnText } from "./turn";

const usage = { input_tokens: 1, output_tokens: 2, requests: 1, tool_calls: 1 };

describe("turn folding", () => {
  const events: CoachEvent[] = [
    { type: "turn_started", thread_id: "t1", title: "Last run", resumed: false },
    { type: "text_delta", text: "Let me " },
    { type: "text_delta", text: "look." },
    { type: "tool_call", call_id: "c1", name: "last_activity", arguments: { sport: "running" } },
    { type: "tool_result", call_id: "c1", name: "last_activity", ok: true, summary: "10 km", data: { km: 10 }, error: null },
    { type: "citation", source: "zones.md", title: "Zones", heading_path: "Zones > Z2", call_id: null },
    { type: "citation", source: "zones.md", title: "Zones", heading_path: "Zones > Z2", call_id: null },
    { type: "text_delta", text: " You ran 10 km." },
  ];

  it("keeps text and tool calls in order, merging adjacent deltas", () => {
    const turn = foldEvents(events);
    expect(turn.threadId).toBe("t1");
    expect(turn.parts.map((p) => p.kind)).toEqual(["text", "tool", "text"]);
    expect(turnText(turn)).toBe("Let me look. You ran 10 km.");
    const tool = turn.parts[1];
    expect(tool?.kind === "tool" && tool.result?.summary).toBe("10 km");
    expect(turn.citations).toHaveLength(1);
    expect(turn.status).toBe("streaming");
  });

  it("shows a queued turn's place until the turn starts", () => {
    const queued = foldEvents([{ type: "turn_started", thread_id: "t1", title: null, resumed: false, queued: 3 }]);
    expect(queued.queued).toBe(3);
    const running = applyEvent(queued, { type: "turn_started", thread_id: "t1", title: "Hi", resumed: false, queued: null });
    expect(running.queued).toBeNull();
    expect(running.status).toBe("streaming");
  });

  it("ends done, and trusts the saved text when deltas went missing", () => {
    const partial = foldEvents(events.slice(0, 2));
    const done = applyEvent(partial, {
      type: "message_done",
      message_id: 4,
      text: "Let me look. All saved.",
      model: "runcoach-offline",
      usage,
    });
    expect(done.status).toBe("done");
    expect(turnText(done)).toBe("Let me look. All saved.");
    const whole = applyEvent(foldEvents(events), {
      type: "message_done",
      message_id: 4,
      text: "Let me look. You ran 10 km.",
      model: null,
      usage,
    });
    expect(whole.parts.map((p) => p.kind)).toEqual(["text", "tool", "text"]);
  });

  it("pauses for approval and records errors", () => {
    const waiting = applyEvent(emptyTurn("t"), {
      type: "approval_required",
      approval_id: "a1",
      tool: "push_workout",
      what: "Sends the workout to Garmin Connect",
      why: "you asked",
      arguments: { workout_id: 3 },
    });
    expect(waiting.status).toBe("awaiting_approval");
    expect(waiting.approval?.approval_id).toBe("a1");
    const failed = applyEvent(waiting, { type: "error", code: "model_unavailable", message: "No model", retryable: true });
    expect(failed.status).toBe("error");
    expect(failed.error?.retryable).toBe(true);
  });

  it("shows a tool result whose call it never saw", () => {
    const turn = applyEvent(emptyTurn(), {
      type: "tool_result",
      call_id: "x",
      name: "zones",
      ok: false,
      summary: "failed",
      data: null,
      error: "no max HR",
    });
    expect(turn.parts).toHaveLength(1);
    expect(turn.parts[0]?.kind === "tool" && turn.parts[0].result?.error).toBe("no max HR");
  });
});
