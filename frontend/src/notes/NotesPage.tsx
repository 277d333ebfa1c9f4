// Calendar notes (illness, injury, travel, life stress): add one, and see what it would change in the plan —
// the proposal — before applying it with one click (the click is the athlete's approval).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { ConfirmAction } from "../ui/ConfirmAction";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import { useFields } from "../ui/fields";
import { FormActions } from "../ui/FormActions";
import { Table } from "../ui/Table";
import { isoDay } from "../plan/calendar";
import { changeLabel, KIND_LABELS, NOTE_KINDS, SEVERITY_LABELS } from "./notes";

type Note = Schemas["NoteOut"];
type Proposal = Schemas["NoteProposal"];

export function NotesPage() {
  const notes = useQuery({ queryKey: ["notes"], queryFn: () => unwrap(api.GET("/api/v1/notes")) });
  const [open, setOpen] = useState<number | null>(null);
  return (
    <div className="stack">
      <h1>Calendar notes</h1>
      <p className="muted">
        Illness, a niggle, travel or a stressful week: note it and RunCoach proposes how the plan bends around it. Nothing
        changes until you apply the proposal.
      </p>
      <Card title="Your notes">
        <ErrorNote error={notes.error} />
        {notes.isPending && <Loading />}
        {notes.data && notes.data.notes.length === 0 && <Empty>No notes in the last and next four weeks.</Empty>}
        {notes.data && notes.data.notes.length > 0 && (
          <Table headers={["Kind", "Days", "Severity", "Note"]} actions>
            {notes.data.notes.map((n) => (
              <NoteRow key={n.note_id} note={n} open={open === n.note_id} onOpen={() => setOpen(open === n.note_id ? null : n.note_id)} />
            ))}
          </Table>
        )}
      </Card>
      {open != null && <ProposalCard noteId={open} />}
      <AddNote onAdded={(id) => setOpen(id)} />
    </div>
  );
}

function NoteRow({ note, open, onOpen }: { note: Note; open: boolean; onOpen: () => void }) {
  const client = useQueryClient();
  const [deleting, setDeleting] = useState(false);
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/notes/{note_id}", { params: { path: { note_id: note.note_id } } })),
    onSettled: () => {
      setDeleting(false);
      void client.invalidateQueries({ queryKey: ["notes"] });
    },
  });
  return (
    <tr>
      <td>
        <span className={`badge note-${note.kind}`}>{KIND_LABELS[note.kind]}</span>
      </td>
      <td>
        {note.start_date === note.end_date ? note.start_date : `${note.start_date} → ${note.end_date}`}{" "}
        <span className="muted small">({note.days} d)</span>
      </td>
      <td>{SEVERITY_LABELS[note.severity] ?? note.severity}</td>
      <td>{note.text ?? <span className="muted">–</span>}</td>
      <td className="row">
        <button type="button" aria-expanded={open} onClick={onOpen}>
          {open ? "Hide plan changes" : "Plan changes"}
        </button>
        <button type="button" className="danger" onClick={() => setDeleting(true)}>
          Delete
        </button>
        <ConfirmAction
          open={deleting}
          what={`Delete this ${KIND_LABELS[note.kind].toLowerCase()} note (${note.start_date}). Sessions already changed stay as they are.`}
          args={{ note_id: note.note_id }}
          busy={remove.isPending}
          onApprove={() => remove.mutate()}
          onDeny={() => setDeleting(false)}
        />
        <ErrorNote error={remove.error} />
      </td>
    </tr>
  );
}

function ProposalCard({ noteId }: { noteId: number }) {
  const client = useQueryClient();
  const proposal = useQuery({
    queryKey: ["notes", noteId, "proposal"],
    queryFn: () => unwrap(api.GET("/api/v1/notes/{note_id}/proposal", { params: { path: { note_id: noteId } } })),
  });
  const apply = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/notes/{note_id}/apply", { params: { path: { note_id: noteId } } })),
    onSuccess: (applied) => {
      client.setQueryData(["notes", noteId, "proposal"], applied);
      void client.invalidateQueries({ queryKey: ["plans"] });
    },
  });
  return (
    <Card title="What this note changes in your plan">
      <ErrorNote error={proposal.error} />
      {proposal.isPending && <Loading label="Working out the changes…" />}
      {proposal.data && <ProposalView proposal={proposal.data} />}
      {proposal.data?.can_apply && (
        <div className="row">
          <button type="button" className="primary" disabled={apply.isPending} onClick={() => apply.mutate()}>
            {apply.isPending ? "Applying…" : "Apply to my plan"}
          </button>
          <span className="muted small">Nothing changes until you apply.</span>
        </div>
      )}
      <ErrorNote error={apply.error} title="Not applied" />
    </Card>
  );
}

export function ProposalView({ proposal }: { proposal: Proposal }) {
  return (
    <div className="stack">
      <p className={proposal.applied_on ? "note note-ok" : "note"}>{proposal.summary}</p>
      {proposal.violations.length > 0 && (
        <p className="note note-error">The plan's rules would break: {proposal.violations.join("; ")}</p>
      )}
      {proposal.sessions.length > 0 && (
        <Table headers={["Day", "Planned", "Becomes", "Why"]}>
          {proposal.sessions.map((s) => (
            <tr key={`${s.date}-${s.new_date}`} className={s.after_kind === "rest" ? "row-rest" : ""}>
              <td>{s.date === s.new_date ? s.date : `${s.date} → ${s.new_date}`}</td>
              <td>
                {s.before} <span className="muted small">{s.before_km} km</span>
              </td>
              <td>{changeLabel(s)}</td>
              <td className="muted small">{s.reason}</td>
            </tr>
          ))}
        </Table>
      )}
      {proposal.weeks.length > 0 && (
        <p className="muted small">
          Weekly volume:{" "}
          {proposal.weeks
            .map((w) => `week ${w.week_index} ${w.before_km} → ${w.after_km} km${w.is_recovery ? " (recovery)" : ""}`)
            .join(" · ")}
        </p>
      )}
    </div>
  );
}

function AddNote({ onAdded }: { onAdded: (noteId: number) => void }) {
  const today = isoDay(new Date());
  const { values, field, clear } = useFields({ kind: "illness", start: today, end: today, severity: "2", text: "" });
  const client = useQueryClient();
  const add = useMutation({
    mutationFn: (body: Schemas["AddNoteInput"]) => unwrap(api.POST("/api/v1/notes", { body })),
    onSuccess: (note) => {
      clear("text");
      void client.invalidateQueries({ queryKey: ["notes"] });
      onAdded(note.note_id);
    },
  });
  const invalid = values.end < values.start ? "The last day is before the first; swap them." : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (invalid) return;
    add.mutate({
      kind: values.kind as Note["kind"],
      start_date: values.start,
      end_date: values.end,
      severity: Number(values.severity),
      text: values.text.trim() || null,
    });
  };
  return (
    <Card title="Add a note">
      <form className="stack" onSubmit={submit}>
        <div className="row wrap">
          <label>
            Kind
            <select {...field("kind")}>
              {NOTE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {KIND_LABELS[k]}
                </option>
              ))}
            </select>
          </label>
          <label>
            First day
            <input type="date" required {...field("start")} />
          </label>
          <label>
            Last day
            <input type="date" required {...field("end")} />
          </label>
          <label>
            Severity
            <select {...field("severity")}>
              {[1, 2, 3].map((s) => (
                <option key={s} value={s}>
                  {SEVERITY_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          In your words
          <input maxLength={2000} placeholder="sore throat, no fever" {...field("text")} />
        </label>
        <FormActions label="Add note" busy={add.isPending} invalid={invalid} error={add.error} />
      </form>
    </Card>
  );
}
