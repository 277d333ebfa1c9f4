// One answer of the coach: its text as it streams, tool chips in place, sources, warnings, approval, error.
import { ApprovalCard } from "./ApprovalCard";
import { Markdown } from "./Markdown";
import { ToolChip } from "./ToolChip";
import type { Turn } from "./turn";

const ERROR_HINTS: Record<string, string> = {
  model_unavailable: "Check the model settings, or switch to the offline coach in Settings.",
  rate_limited: "Wait a little before the next message.",
  conflict: "Another answer is still running in this conversation; wait for it, then retry.",
};

export function TurnView({
  turn,
  onDecide,
  busy,
  onRetry,
}: {
  turn: Turn;
  onDecide: (approvalId: string, approved: boolean) => void;
  busy: boolean;
  onRetry?: () => void;
}) {
  const streaming = turn.status === "streaming";
  return (
    <article className="bubble coach" aria-busy={streaming} data-testid="coach-turn" data-status={turn.status}>
      {turn.parts.length === 0 && streaming && (
        <span className="typing">
          {turn.queued ? `Coach is busy; you are number ${turn.queued} in line…` : "Coach is thinking…"}
        </span>
      )}
      {turn.parts.map((part, i) =>
        part.kind === "text" ? (
          <Markdown key={i} text={part.text} />
        ) : (
          <ToolChip key={part.callId} part={part} />
        ),
      )}
      {streaming && turn.parts.length > 0 && <span className="cursor" aria-hidden="true" />}
      {turn.warnings.map((w, i) => (
        <p key={i} className="note note-warn">
          {w.message} {w.figures.length > 0 && <span className="muted">({w.figures.join(", ")})</span>}
        </p>
      ))}
      {turn.citations.length > 0 && (
        <footer className="sources">
          <span className="muted">Sources: </span>
          {turn.citations.map((c) => (
            <span key={`${c.source}#${c.heading_path}`} className="source" title={c.source}>
              {c.heading_path || c.title}
            </span>
          ))}
        </footer>
      )}
      {turn.approval && turn.status === "awaiting_approval" && (
        <ApprovalCard
          approval={turn.approval}
          disabled={busy}
          onDecide={(approved) => turn.approval && onDecide(turn.approval.approval_id, approved)}
        />
      )}
      {turn.error && (
        <div className="note note-error" role="alert">
          {turn.error.message} {ERROR_HINTS[turn.error.code] ?? ""}
          {turn.error.retryable && onRetry && (
            <button type="button" className="link" onClick={onRetry}>
              Retry
            </button>
          )}
        </div>
      )}
      {turn.done?.model && <p className="muted small">Answered by {turn.done.model}</p>}
    </article>
  );
}
