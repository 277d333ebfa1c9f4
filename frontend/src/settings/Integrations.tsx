// Garmin Connect (sign-in, including the MFA code step) and Strava (OAuth), with sync and disconnect.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { Card, ErrorNote, Loading } from "../ui/feedback";
import { FormActions } from "../ui/FormActions";

type Provider = Schemas["ProviderStatus"];
const INTEGRATIONS_KEY = ["integrations"] as const;
const WAITING = new Set(["signing_in", "verifying"]);

export function Integrations() {
  const overview = useQuery({
    queryKey: INTEGRATIONS_KEY,
    queryFn: () => unwrap(api.GET("/api/v1/integrations")),
    // follow a sign-in or a sync while one is running
    refetchInterval: (q) =>
      q.state.data?.providers.some((p) => p.running_job || (p.login && WAITING.has(p.login.state))) ? 1000 : false,
  });
  const garmin = overview.data?.providers.find((p) => p.provider === "garmin");
  const strava = overview.data?.providers.find((p) => p.provider === "strava");
  return (
    <Card title="Connections">
      <ErrorNote error={overview.error} />
      {overview.isPending && <Loading />}
      {garmin && <Garmin status={garmin} />}
      {strava && <Strava status={strava} />}
    </Card>
  );
}

function SyncAndDisconnect({ status }: { status: Provider }) {
  const client = useQueryClient();
  const refresh = () => void client.invalidateQueries({ queryKey: INTEGRATIONS_KEY });
  const sync = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/integrations/{provider}/sync", { params: { path: { provider: status.provider } } })),
    onSuccess: refresh,
  });
  const disconnect = useMutation({
    mutationFn: () =>
      status.provider === "garmin"
        ? unwrap(api.DELETE("/api/v1/integrations/garmin"))
        : unwrap(api.DELETE("/api/v1/integrations/strava")),
    onSuccess: refresh,
  });
  const job = status.running_job;
  return (
    <>
      <div className="row wrap">
        <button type="button" onClick={() => sync.mutate()} disabled={sync.isPending || job != null}>
          {job ? `Syncing… (${job.state})` : "Sync now"}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => window.confirm(`Disconnect ${status.name}? Its stored tokens are deleted.`) && disconnect.mutate()}
          disabled={disconnect.isPending}
        >
          Disconnect
        </button>
      </div>
      {status.last_run && (
        <p className="muted small">
          Last sync {status.last_run.status}: {status.last_run.imported} imported, {status.last_run.skipped} skipped,{" "}
          {status.last_run.failed} failed
        </p>
      )}
      <ErrorNote error={sync.error ?? disconnect.error} />
    </>
  );
}

/** One provider: its status in words, then sync and disconnect once connected, else `children` (how to connect). */
function ProviderSection({ status, title, testId, children }: { status: Provider; title: string; testId?: string; children: ReactNode }) {
  const titleId = `${status.provider}-title`;
  return (
    <section aria-labelledby={titleId} className="stack" data-testid={testId}>
      <h3 id={titleId}>{title}</h3>
      <p className={status.connected ? "note-ok" : "muted"}>
        {status.message}
        {status.account_name ? ` (${status.account_name})` : ""}
      </p>
      {status.connected && !status.needs_reauth ? <SyncAndDisconnect status={status} /> : children}
    </section>
  );
}

function Garmin({ status }: { status: Provider }) {
  const client = useQueryClient();
  const [creds, setCreds] = useState({ email: "", password: "" });
  const [code, setCode] = useState("");
  const refresh = () => void client.invalidateQueries({ queryKey: INTEGRATIONS_KEY });
  const login = useMutation({
    mutationFn: (body: Schemas["GarminLogin"]) => unwrap(api.POST("/api/v1/integrations/garmin/login", { body })),
    onSuccess: () => {
      setCreds({ email: creds.email, password: "" });
      refresh();
    },
  });
  const mfa = useMutation({
    mutationFn: (body: Schemas["GarminMfaCode"]) => unwrap(api.POST("/api/v1/integrations/garmin/mfa", { body })),
    onSuccess: () => {
      setCode("");
      refresh();
    },
  });
  const state = status.login?.state;
  const submitLogin = (e: FormEvent) => {
    e.preventDefault();
    login.mutate(creds);
  };
  const submitCode = (e: FormEvent) => {
    e.preventDefault();
    mfa.mutate({ code: code.trim() });
  };
  return (
    <ProviderSection status={status} title="Garmin Connect" testId="garmin">
      {state === "needs_mfa" ? (
        <form className="stack" onSubmit={submitCode}>
          <label>
            Code from Garmin (email or authenticator app)
            <input inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
          </label>
          <FormActions label="Verify code" busy={mfa.isPending} error={mfa.error} />
        </form>
      ) : state && WAITING.has(state) ? (
        <p role="status">{status.login?.message ?? "Signing in to Garmin…"}</p>
      ) : (
        <form className="stack" onSubmit={submitLogin}>
          {state === "failed" && <p className="note note-error">{status.login?.message}</p>}
          <div className="row wrap">
            <label>
              Garmin email
              <input type="email" autoComplete="off" required value={creds.email} onChange={(e) => setCreds({ ...creds, email: e.target.value })} />
            </label>
            <label>
              Garmin password
              <input
                type="password"
                autoComplete="off"
                required
                value={creds.password}
                onChange={(e) => setCreds({ ...creds, password: e.target.value })}
              />
            </label>
          </div>
          <p className="muted small">Your password is used once to sign in; RunCoach keeps only Garmin's tokens, encrypted.</p>
          <FormActions label="Connect Garmin" busy={login.isPending} disabled={!status.available} error={login.error} />
        </form>
      )}
    </ProviderSection>
  );
}

function Strava({ status }: { status: Provider }) {
  const authorize = useMutation({
    mutationFn: () => unwrap(api.GET("/api/v1/integrations/strava/authorize")),
    onSuccess: (r) => window.location.assign(r.url),
  });
  return (
    <ProviderSection status={status} title="Strava">
      <p className="muted">
        Connecting Strava lets RunCoach upload your activities <em>to</em> Strava. Importing activities
        <em> from</em> the Strava API is off by default: Strava's API Agreement (November 2024) restricts AI
        use of API data, and its API policy in force from June 2026 (section 5.3) forbids using Strava API
        data in any AI application, including a model's context window — which is what a coach does. To
        bring your Strava history, download your own archive on strava.com (Settings → My Account →
        Download or delete your account) and import the whole archive (<code>export_….zip</code>) on the
        Activities page. An operator who turns on <code> RUNCOACH_STRAVA_API_IMPORT</code> takes that
        responsibility; the activities it imports are never shown to the coach's model.
      </p>
      <ErrorNote error={authorize.error} />
      <button type="button" className="primary" onClick={() => authorize.mutate()} disabled={authorize.isPending || !status.available}>
        Connect Strava
      </button>
    </ProviderSection>
  );
}
