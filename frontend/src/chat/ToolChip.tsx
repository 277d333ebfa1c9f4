// A tool the coach used: a compact chip that opens to its arguments and result.
import type { ToolPart } from "./turn";

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

export function ToolChip({ part }: { part: ToolPart }) {
  const state = !part.result ? "running" : part.result.ok ? "ok" : "failed";
  return (
    <details className={`chip chip-${state}`} data-testid="tool-chip">
      <summary>
        <span className="chip-dot" aria-hidden="true" />
        <code>{part.name}</code>
        <span className="chip-summary">
          {state === "running" ? "running…" : part.result?.ok ? part.result.summary : `failed: ${part.result?.error ?? part.result?.summary}`}
        </span>
      </summary>
      <div className="chip-body">
        <h4>Arguments</h4>
        <pre>{pretty(part.arguments)}</pre>
        {part.result && (
          <>
            <h4>Result</h4>
            <pre>{pretty(part.result.ok ? part.result.data : { error: part.result.error })}</pre>
          </>
        )}
      </div>
    </details>
  );
}
