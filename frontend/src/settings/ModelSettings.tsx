// Which model answers (offline / Gemini / OpenAI / an OpenAI-compatible server), whether it is reachable, and
// whether its provider deprecated or retired it (with the replacement to set).
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../api/client";
import { Card, ErrorNote, Loading } from "../ui/feedback";

type Check = Schemas["ModelCheck"];

function Deprecation({ check }: { check: Check }) {
  const d = check.deprecation;
  if (!d) return null;
  return (
    <p className={`note ${d.retired ? "note-error" : "note-warn"}`} data-testid="model-deprecation" role="status">
      <strong>{d.retired ? "Retired model" : "Deprecated model"}:</strong> <code>{d.model}</code>{" "}
      {d.retired ? `was retired on ${d.retirement_date}` : d.retirement_date ? `retires on ${d.retirement_date}` : "is deprecated"}
      {d.retired && d.rerouted_to ? <> and its requests are answered by <code>{d.rerouted_to}</code></> : null}.{" "}
      {d.replacement ? (
        <>
          Set <code>{`${d.setting}=${d.replacement}`}</code> (the provider's recommended replacement).
        </>
      ) : (
        <>
          Choose a current model with <code>{d.setting}</code>.
        </>
      )}{" "}
      <a href={d.source_url} target="_blank" rel="noreferrer noopener">
        The provider's notice
      </a>
    </p>
  );
}

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
          {[m.active, ...m.fallbacks].map((check) => (
            <Deprecation key={`${check.provider}:${check.model}`} check={check} />
          ))}
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
