// Which model answers (offline / Gemini / OpenAI / an OpenAI-compatible server) and whether it is reachable.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { Card, ErrorNote, Loading } from "../ui/feedback";

export function ModelSettings() {
  const model = useQuery({ queryKey: ["settings", "model"], queryFn: () => unwrap(api.GET("/api/v1/settings/model")) });
  const m = model.data;
  return (
    <Card
      title="Coach model"
      actions={
        <button type="button" className="link" onClick={() => void model.refetch()} disabled={model.isFetching}>
          Check again
        </button>
      }
    >
      <ErrorNote error={model.error} />
      {model.isPending && <Loading label="Checking the model…" />}
      {m && (
        <>
          <p data-testid="model-status">
            <strong>{m.active.provider}</strong> · <code>{m.active.model}</code>{" "}
            <span className={m.reachable ? "note-ok" : "note-error"}>{m.reachable ? "reachable" : "not reachable"}</span>
          </p>
          <p className="muted">{m.active.message}</p>
          {m.fallbacks.length > 0 && (
            <p className="muted small">
              Fallbacks: {m.fallbacks.map((f) => `${f.provider} (${f.model}: ${f.state})`).join(", ")}
            </p>
          )}
          <p className="muted small">
            Setting: {m.setting}. Choose the provider with RUNCOACH_LLM_PROVIDER and a key (GEMINI_API_KEY, OPENAI_API_KEY, or
            OPENAI_BASE_URL for a local server) where RunCoach runs.
          </p>
        </>
      )}
    </Card>
  );
}
