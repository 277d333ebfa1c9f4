// One activity in the feed: headline figures, the coach's comment, people's comments and a comment box.
import { useState } from "react";
import { Link } from "react-router";
import type { Schemas } from "../api/client";
import { errorMessage } from "../ui/feedback";
import { type UnitSystem, formatDistance, formatDuration, formatPacePerKm } from "../units/units";
import { type FeedItem, MAX_COMMENT_CHARS, commentProblem, commentSource } from "./feed";

export function FeedItemCard({
  item,
  units,
  onComment,
  onDelete,
  detail,
}: {
  item: FeedItem;
  units: UnitSystem;
  onComment?: (body: string) => Promise<unknown>;
  onDelete?: (commentId: number) => void;
  detail?: React.ReactNode;
}) {
  const a = item.activity;
  const title = a.name ?? a.sport;
  return (
    <article className="card feed-item" aria-label={`${title} on ${a.local_date}`}>
      <header className="card-head">
        <h2>
          {item.mine ? <Link to={`/activities/${a.id}`}>{title}</Link> : title}{" "}
          <span className="muted small">
            {a.local_date}
            {!item.mine && ` · ${item.athlete.name}`}
          </span>
        </h2>
      </header>
      <div className="stats">
        <span className="stat">
          Distance <b>{formatDistance(a.distance_km == null ? null : a.distance_km * 1000, units)}</b>
        </span>
        <span className="stat">
          Time <b>{formatDuration(a.duration_s)}</b>
        </span>
        {a.pace_s_per_km != null && (
          <span className="stat">
            Pace <b>{formatPacePerKm(a.pace_s_per_km, units)}</b>
          </span>
        )}
        {a.avg_hr != null && (
          <span className="stat">
            Avg HR <b>{Math.round(a.avg_hr)}</b>
          </span>
        )}
      </div>
      <section aria-label="Coach's comment">
        <p className="coach-text">{item.coach_comment.text}</p>
        <p className="muted small">{commentSource(item.coach_comment)}</p>
      </section>
      {item.comments.length > 0 && (
        <ul className="plain" aria-label="Comments">
          {item.comments.map((c) => (
            <CommentLine key={c.id} comment={c} onDelete={onDelete} />
          ))}
        </ul>
      )}
      {detail}
      {item.can_comment && onComment && <CommentBox onComment={onComment} />}
    </article>
  );
}

function CommentLine({ comment, onDelete }: { comment: Schemas["CommentOut"]; onDelete?: (id: number) => void }) {
  return (
    <li>
      <strong>{comment.by_me ? "You" : comment.author.name}</strong>: {comment.body}{" "}
      {comment.can_delete && onDelete && (
        <button type="button" className="link small" onClick={() => onDelete(comment.id)}>
          Delete
        </button>
      )}
    </li>
  );
}

export function CommentBox({ onComment }: { onComment: (body: string) => Promise<unknown> }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  return (
    <form
      className="row"
      onSubmit={async (e) => {
        e.preventDefault();
        const problem = commentProblem(text);
        if (problem) return setError(problem);
        setSending(true);
        try {
          await onComment(text.trim());
          setText("");
          setError(null);
        } catch (err) {
          setError(errorMessage(err)); // the text stays in the box: nothing typed is lost
        } finally {
          setSending(false);
        }
      }}
    >
      <input
        type="text"
        aria-label="Comment"
        value={text}
        maxLength={MAX_COMMENT_CHARS}
        placeholder="Add a comment"
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" disabled={sending}>
        Comment
      </button>
      {error && (
        <span className="note note-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
