// FIT upload: one request per file (so each has its own progress bar), then its import job followed to the end.
import { api, csrfHeaders, errorFrom, type Schemas, unwrap } from "../api/client";

export type ImportResult = Schemas["ImportResult"];

export type UploadState =
  | { phase: "uploading"; fraction: number }
  | { phase: "importing"; jobId: string; detail: string }
  | { phase: "finished"; result: ImportResult }
  | { phase: "failed"; message: string };

const FINISHED = new Set(["succeeded", "failed"]);

function post(file: File, onProgress: (fraction: number) => void): Promise<Schemas["ImportQueued"]> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/activities/import");
    xhr.withCredentials = true;
    for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new Error("The upload was interrupted. Check the connection and drop the file again."));
    xhr.onload = async () => {
      const response = new Response(xhr.responseText, {
        status: xhr.status,
        headers: { "content-type": xhr.getResponseHeader("content-type") ?? "application/json" },
      });
      if (xhr.status >= 200 && xhr.status < 300) resolve((await response.json()) as Schemas["ImportQueued"]);
      else reject(await errorFrom(response));
    };
    const form = new FormData();
    form.append("files", file, file.name);
    xhr.send(form);
  });
}

function describeProgress(job: Schemas["JobOut"]): string {
  const p = job.progress;
  if (p.done != null && p.total) return `${p.phase ?? job.state} ${p.done}/${p.total}`;
  return p.phase ?? job.state;
}

export async function uploadFit(
  file: File,
  onState: (state: UploadState) => void,
  { pollMs = 500, timeoutMs = 5 * 60_000 } = {},
): Promise<void> {
  try {
    onState({ phase: "uploading", fraction: 0 });
    const queued = await post(file, (fraction) => onState({ phase: "uploading", fraction }));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: queued.job_id } } }));
      if (FINISHED.has(job.state)) {
        const result = job.files?.[0];
        if (result) onState({ phase: "finished", result });
        else onState({ phase: "failed", message: job.error ?? "The import failed. Try the file again." });
        return;
      }
      onState({ phase: "importing", jobId: job.id, detail: describeProgress(job) });
      if (Date.now() > deadline) {
        onState({ phase: "failed", message: "The import is taking unusually long; check Activities again later." });
        return;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } catch (err) {
    onState({ phase: "failed", message: (err as Error).message });
  }
}

