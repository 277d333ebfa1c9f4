import { describe, expect, it } from "vitest";
import { SseParser } from "./sse";

describe("SseParser", () => {
  it("parses events with ids, names and multi-line data", () => {
    const p = new SseParser();
    const out = p.push('id: 1\nevent: text_delta\ndata: {"a":1}\n\nid: 2\ndata: line1\ndata: line2\n\n');
    expect(out).toEqual([
      { event: "text_delta", data: '{"a":1}', id: "1", retry: null },
      { event: "message", data: "line1\nline2", id: "2", retry: null },
    ]);
    expect(p.lastEventId).toBe("2");
  });

  it("assembles messages split at any byte boundary, with CRLF split across chunks", () => {
    const wire = 'id: 7\r\nevent: x\r\ndata: {"text":"héllo"}\r\n\r\n: ping\r\n\r\nid: 8\r\ndata: b\r\n\r\n';
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new SseParser();
      const out = [...p.push(wire.slice(0, cut)), ...p.push(wire.slice(cut))];
      expect(out.map((m) => [m.id, m.event, m.data])).toEqual([
        ["7", "x", '{"text":"héllo"}'],
        ["8", "message", "b"],
      ]);
    }
  });

  it("ignores comments and keeps nothing of an unterminated message", () => {
    const p = new SseParser();
    expect(p.push(": keep-alive\n\n")).toEqual([]);
    expect(p.push("data: half")).toEqual([]);
    expect(p.end()).toEqual([]);
    expect(p.push("\n\n")).toEqual([]);
  });

  it("reads retry and keeps the last id for messages without one", () => {
    const p = new SseParser();
    const out = p.push("retry: 3000\nid: 5\ndata: a\n\ndata: b\n\n");
    expect(out[0]?.retry).toBe(3000);
    expect(out[1]?.id).toBe("5");
  });
});
