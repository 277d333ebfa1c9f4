// A text/event-stream parser (the WHATWG "server-sent events" rules), fed chunk by chunk as they arrive.
// fetch() is used instead of EventSource because the chat starts with a POST and sends the CSRF header.

export interface SseMessage {
  /** the `event:` field, "message" when absent */
  event: string;
  data: string;
  /** the last `id:` seen so far (the reconnect point), null before any */
  id: string | null;
  retry: number | null;
}

export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private retry: number | null = null;
  private lastId: string | null = null;
  private sawCr = false;

  /** The id to send as Last-Event-ID when reconnecting. */
  get lastEventId(): string | null {
    return this.lastId;
  }

  /** Feeds decoded text; returns the messages completed by it. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.sawCr && text.startsWith("\n")) text = text.slice(1); // a \r\n split across chunks
    this.sawCr = text.endsWith("\r");
    this.buffer += text;
    const out: SseMessage[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? "";
    for (const line of lines) {
      const message = this.line(line);
      if (message) out.push(message);
    }
    return out;
  }

  /** The stream ended: an unterminated message is dropped, as the spec says. */
  end(): SseMessage[] {
    this.buffer = "";
    this.data = [];
    this.event = "";
    return [];
  }

  private line(line: string): SseMessage | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // comment (keep-alive ping)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        break;
      case "event":
        this.event = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return null;
  }

  private dispatch(): SseMessage | null {
    const data = this.data;
    const event = this.event || "message";
    this.data = [];
    this.event = "";
    if (data.length === 0) return null;
    return { event, data: data.join("\n"), id: this.lastId, retry: this.retry };
  }
}
