// Drop FIT files (or pick them): each uploads with its own progress and ends imported, already there, or
// rejected with the reason. Nothing is lost on a bad file: the others go on.
import { useQueryClient } from "@tanstack/react-query";
import { type DragEvent, useRef, useState } from "react";
import { Link } from "react-router";
import { type UploadState, uploadFit } from "./upload";

interface Item {
  id: number;
  name: string;
  state: UploadState;
}

let nextId = 1;

function StateView({ state }: { state: UploadState }) {
  switch (state.phase) {
    case "uploading":
      return (
        <>
          <progress max={1} value={state.fraction} aria-label="upload progress" /> uploading
        </>
      );
    case "importing":
      return (
        <>
          <progress aria-label="import progress" /> {state.detail}
        </>
      );
    case "failed":
      return <span className="note-error">{state.message}</span>;
    case "finished": {
      const r = state.result;
      if (r.status === "rejected") return <span className="note-error">rejected: {r.reason}</span>;
      const label = r.status === "imported" ? "imported" : "already imported";
      return (
        <span className="note-ok">
          {label}
          {r.activity_id != null && (
            <>
              {" "}
              — <Link to={`/activities/${r.activity_id}`}>open</Link>
            </>
          )}
          {r.warnings && r.warnings.length > 0 && <span className="muted"> ({r.warnings.join("; ")})</span>}
        </span>
      );
    }
  }
}

export function Upload() {
  const client = useQueryClient();
  const [items, setItems] = useState<Item[]>([]);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const start = (files: FileList | null) => {
    if (!files?.length) return;
    const batch = [...files].map((file) => ({ file, item: { id: nextId++, name: file.name, state: { phase: "uploading", fraction: 0 } as UploadState } }));
    setItems((all) => [...batch.map((b) => b.item), ...all]);
    void (async () => {
      for (const { file, item } of batch) {
        await uploadFit(file, (state) => setItems((all) => all.map((x) => (x.id === item.id ? { ...x, state } : x))));
      }
      void client.invalidateQueries({ queryKey: ["activities"] });
      void client.invalidateQueries({ queryKey: ["training"] });
    })();
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    start(e.dataTransfer.files);
  };

  return (
    <div
      className={`dropzone ${over ? "over" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>
        Drop activity files (FIT, GPX, TCX) or your Strava export (.zip) here, or{" "}
        <button type="button" className="link" onClick={() => input.current?.click()}>
          choose files
        </button>
      </p>
      <input
        ref={input}
        type="file"
        accept=".fit,.FIT,.gpx,.tcx,.gz,.zip"
        multiple
        hidden
        aria-label="Activity files or a Strava export to import"
        onChange={(e) => {
          start(e.target.files);
          e.target.value = "";
        }}
      />
      {items.length > 0 && (
        <ul className="uploads" aria-label="Uploads">
          {items.map((item) => (
            <li key={item.id} data-testid="upload-item">
              <strong>{item.name}</strong> <StateView state={item.state} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
