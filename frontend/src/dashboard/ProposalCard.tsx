// A change the coach proposes with a message (the morning's lighter session after a bad night): what changes,
// why (last night's signals beside the athlete's baselines), and Approve / Keep. Either answer resumes the
// paused coach turn the message came from (the same approval as in chat and Telegram), so the change is
// applied — and re-sent to the watch — exactly once; the coach's reply shows under the card.
import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import type { Schemas } from "../api/client";
import { useUnits } from "../auth/session";
import { useCoach } from "../chat/useCoach";
import { turnText } from "../chat/turn";
import { formatDistance } from "../units/units";

type Notification = Schemas["NotificationOut"];

export function ProposalCard({ notification }: { notification: Notification }) {
  const offer = notification.offer;
  if (!offer) return null;
  return <Offer offer={offer} proposal={notification.proposal ?? null} />;
}

function Offer({ offer, proposal }: { offer: Schemas["Offer"]; proposal: Schemas["Proposal"] | null }) {
  const units = useUnits();
  const client = useQueryClient();
  const coach = useCoach(offer.thread_id);
  const answer = coach.exchanges.at(-1);
  const decide = (approved: boolean) =>
    void coach.decide(offer.approval_id, approved).then(() => {
      void client.invalidateQueries({ queryKey: ["notifications"] });
      void client.invalidateQueries({ queryKey: ["plans"] });
    });
  const size = proposal?.proposed_km != null ? `, ${formatDistance(proposal.proposed_km * 1000, units)}` : "";
  return (
    <section className="approval proposal" aria-label="Proposed change to today's session">
      <h3>Change today's session?</h3>
      {proposal ? (
        <p>
          <strong>{proposal.session_title ?? "Today's session"}</strong> →{" "}
          <strong>
            {proposal.proposed_title ?? proposal.action}
            {size}
          </strong>
        </p>
      ) : (
        <p>
          <strong>{offer.what}</strong>
        </p>
      )}
      {proposal && proposal.signals.length > 0 && (
        <ul className="plain signals" aria-label="Last night against your baseline">
          {proposal.signals.map((s) => (
            <li key={s.name} className={s.worse ? "worse" : undefined}>
              {s.worse ? "▼ " : "• "}
              {s.text}
            </li>
          ))}
        </ul>
      )}
      {answer ? (
        <p className="coach-text" role="status">
          {coach.busy ? `${answer.prompt === "Approved" ? "Applying" : "Keeping the plan"}…` : (answer.turn.error?.message ?? turnText(answer.turn))}
        </p>
      ) : offer.answered ? (
        <p className="muted">Answered.</p>
      ) : (
        <div className="row">
          <button type="button" className="primary" disabled={coach.busy} onClick={() => decide(true)}>
            Approve
          </button>
          <button type="button" disabled={coach.busy} onClick={() => decide(false)}>
            Keep the plan
          </button>
        </div>
      )}
      <p className="small">
        <Link to={`/chat/${offer.thread_id}`}>Open in chat</Link>
      </p>
    </section>
  );
}
