// The coach wants to do something outside RunCoach: show exactly what, and let the athlete decide.
import type { EventOf } from "./events";

export function ApprovalCard({
  approval,
  onDecide,
  disabled,
}: {
  approval: EventOf<"approval_required">;
  onDecide: (approved: boolean) => void;
  disabled: boolean;
}) {
  return (
    <section className="approval" aria-label={`Approval needed: ${approval.tool}`}>
      <h3>Approve this action?</h3>
      <p>
        <strong>{approval.what}</strong>
      </p>
      <p className="muted">{approval.why}</p>
      <details>
        <summary>
          Exact arguments for <code>{approval.tool}</code>
        </summary>
        <pre>{JSON.stringify(approval.arguments, null, 2)}</pre>
      </details>
      <div className="row">
        <button type="button" className="primary" disabled={disabled} onClick={() => onDecide(true)}>
          Approve
        </button>
        <button type="button" disabled={disabled} onClick={() => onDecide(false)}>
          {approval.tool === "apply_today_adjustment" ? "Keep the plan" : "Deny"}
        </button>
      </div>
    </section>
  );
}
