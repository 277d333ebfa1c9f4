// Approval for an action with effects outside RunCoach (push to Garmin, delete): says exactly what will
// happen, with the exact arguments, and runs only on an explicit Approve.
import { useEffect, useRef } from "react";

export function ConfirmAction({
  open,
  what,
  args,
  onApprove,
  onDeny,
  busy,
}: {
  open: boolean;
  what: string;
  args: Record<string, unknown>;
  onApprove: () => void;
  onDeny: () => void;
  busy?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) el.showModal?.();
    if (!open && el.open) el.close();
  }, [open]);
  return (
    <dialog ref={dialog} className="approval" aria-label="Approve this action?" onCancel={onDeny}>
      <h3>Approve this action?</h3>
      <p>
        <strong>{what}</strong>
      </p>
      <pre>{JSON.stringify(args, null, 2)}</pre>
      <div className="row">
        <button type="button" className="primary" onClick={onApprove} disabled={busy}>
          Approve
        </button>
        <button type="button" onClick={onDeny} disabled={busy}>
          Deny
        </button>
      </div>
    </dialog>
  );
}
