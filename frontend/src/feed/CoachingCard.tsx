// Coach accounts: invite a coach by e-mail and choose what they see; revoke at any time. For a coach: the
// invitations waiting for an answer, and the athletes coached.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { Card, ErrorNote } from "../ui/feedback";

export const COACHING_KEY = ["coaching"] as const;

export function useCoaching() {
  return useQuery({ queryKey: COACHING_KEY, queryFn: () => unwrap(api.GET("/api/v1/coaching")) });
}

export function CoachingCard() {
  const client = useQueryClient();
  const overview = useCoaching();
  const [email, setEmail] = useState("");
  const [details, setDetails] = useState(true);
  const [comments, setComments] = useState(true);
  const refresh = () => {
    void client.invalidateQueries({ queryKey: COACHING_KEY });
    void client.invalidateQueries({ queryKey: ["feed"] });
  };
  const invite = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/coaching/coaches", { body: { email, can_view_details: details, can_comment: comments } })),
    onSuccess: () => {
      setEmail("");
      refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE("/api/v1/coaching/coaches/{link_id}", { params: { path: { link_id: id } } })),
    onSuccess: refresh,
  });
  const accept = useMutation({
    mutationFn: (id: number) =>
      unwrap(api.POST("/api/v1/coaching/invitations/{link_id}/accept", { params: { path: { link_id: id } } })),
    onSuccess: refresh,
  });
  const leave = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE("/api/v1/coaching/athletes/{link_id}", { params: { path: { link_id: id } } })),
    onSuccess: refresh,
  });
  const data = overview.data;
  return (
    <Card title="Coaching">
      <ErrorNote error={overview.error ?? invite.error ?? revoke.error ?? accept.error ?? leave.error} />
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          invite.mutate();
        }}
      >
        <label>
          Invite a coach (e-mail)
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          <input type="checkbox" checked={details} onChange={(e) => setDetails(e.target.checked)} /> activity details
        </label>
        <label>
          <input type="checkbox" checked={comments} onChange={(e) => setComments(e.target.checked)} /> comments
        </label>
        <button type="submit" disabled={invite.isPending}>
          Invite
        </button>
      </form>
      <p className="muted small">
        A coach sees your activities and their comments in the feed — nothing else (no chat, health data or settings).
      </p>
      {data && data.coaches.length > 0 && (
        <ul className="plain" aria-label="Your coaches">
          {data.coaches.map((c) => (
            <li key={c.id}>
              {c.coach?.name ?? c.coach_email} <span className="badge">{c.status === "pending" ? "invited" : "active"}</span>{" "}
              <span className="muted small">
                {[c.can_view_details && "details", c.can_comment && "comments"].filter(Boolean).join(", ") || "list only"}
              </span>{" "}
              <button type="button" className="link" onClick={() => revoke.mutate(c.id)} disabled={revoke.isPending}>
                {c.status === "pending" ? "Withdraw" : "Revoke"}
              </button>
            </li>
          ))}
        </ul>
      )}
      {data && data.invitations.length > 0 && (
        <ul className="plain" aria-label="Invitations to coach">
          {data.invitations.map((i) => (
            <li key={i.id}>
              {i.athlete.name} invites you to coach them{" "}
              <button type="button" onClick={() => accept.mutate(i.id)} disabled={accept.isPending}>
                Accept
              </button>{" "}
              <button type="button" className="link" onClick={() => leave.mutate(i.id)} disabled={leave.isPending}>
                Decline
              </button>
            </li>
          ))}
        </ul>
      )}
      {data && data.athletes.length > 0 && (
        <ul className="plain" aria-label="Athletes you coach">
          {data.athletes.map((l) => (
            <li key={l.id}>
              You coach {l.athlete.name}{" "}
              <button type="button" className="link" onClick={() => leave.mutate(l.id)} disabled={leave.isPending}>
                Stop
              </button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
