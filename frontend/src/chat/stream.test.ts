import { describe, expect, it } from "vitest";
import type { CoachEvent } from "./events";
import { StreamError, runTurn } from "./stream";

const SSE = { "content-type": "text/event-stream; charset=utf-8" };

function frame(id: number, event: object): string {
  return `id: ${id}\nevent: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** A response whose body yields the chunks, then either ends or errors (a dropped connection). */
function sseResponse(chunks: string[], { drop = false } = {}): Response {
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]));
      else if (drop) controller.error(new TypeError("network error"));
      else controller.close();
    },
  });
  return new Response(body, { headers: SSE });
}

const started = { type: "turn_started", thread_id: "t", title: null, resumed: false };
const d1 = { type: "text_delta", text: "Hello " };
const d2 = { type: "text_delta", text: "runner" };
const done = {
  type: "message_done",
  message_id: 1,
  text: "Hello runner",
  model: "runcoach-offline",
  usage: { input_tokens: 0, output_tokens: 0, requests: 1, tool_calls: 0 },
};

describe("runTurn", () => {
  it("delivers events as they arrive and stops at the final event", async () => {
    const got: CoachEvent[] = [];
    await runTurn({
      start: async () => sseResponse([frame(1, started), frame(2, d1).slice(0, 9), frame(2, d1).slice(9), frame(3, d2), frame(4, done), ": trailing\n\n"]),
      resume: async () => {
        throw new Error("must not reconnect");
      },
      onEvent: (e) => got.push(e),
    });
    expect(got.map((e) => e.type)).toEqual(["turn_started", "text_delta", "text_delta", "message_done"]);
  });

  it("reconnects with the last event id after a drop and skips repeated events", async () => {
    const got: CoachEvent[] = [];
    const asked: (string | null)[] = [];
    const attempts: number[] = [];
    await runTurn({
      start: async () => sseResponse([frame(1, started), frame(2, d1)], { drop: true }),
      resume: async (lastId) => {
        asked.push(lastId);
        if (asked.length === 1) throw new TypeError("offline"); // first retry: still offline
        return sseResponse([frame(2, d1), frame(3, d2), frame(4, done)]); // server replays from its buffer
      },
      onEvent: (e) => got.push(e),
      onReconnect: (n) => attempts.push(n),
      sleep: async () => undefined,
    });
    expect(asked).toEqual(["2", "2"]);
    expect(attempts).toEqual([1, 2]);
    expect(got.map((e) => (e.type === "text_delta" ? e.text : e.type))).toEqual([
      "turn_started",
      "Hello ",
      "runner",
      "message_done",
    ]);
  });

  it("gives up after the reconnect budget with a message that says what to do", async () => {
    const run = runTurn({
      start: async () => sseResponse([frame(1, started)], { drop: true }),
      resume: async () => sseResponse([], { drop: true }),
      onEvent: () => undefined,
      sleep: async () => undefined,
      maxReconnects: 3,
    });
    await expect(run).rejects.toThrow(/keeps dropping/);
  });

  it("hands back a refused request with its response", async () => {
    const problem = { status: 429, detail: "Too many messages; wait 20 s.", code: "rate_limited" };
    const err = await runTurn({
      start: async () =>
        new Response(JSON.stringify(problem), { status: 429, headers: { "content-type": "application/problem+json" } }),
      resume: async () => sseResponse([]),
      onEvent: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamError);
    expect((err as StreamError).response?.status).toBe(429);
  });
});
