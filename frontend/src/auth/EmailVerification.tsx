// E-mail verification: the banner (until the address is confirmed) and the page the mailed link opens.
// A server without SMTP writes the link to its log instead of mailing it; the API's answer says so
// (`delivery: "server_log"`) and the banner repeats it, so nobody waits for a mail that never comes.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ErrorNote } from "../ui/feedback";
import { ME_KEY, useMe } from "./session";

export function VerifyEmailBanner() {
  const me = useMe();
  const send = useMutation({ mutationFn: () => unwrap(api.POST("/api/v1/auth/verify-email/send")) });
  if (!me.data || me.data.email_verified_at) return null;
  return (
    <div className="note note-warn" role="status">
      Confirm that {me.data.email} is yours: open the link we sent to it. Until then coaching invitations to
      it cannot be accepted.{" "}
      {send.data ? (
        <span>{send.data.message}</span>
      ) : (
        <button type="button" className="link" onClick={() => send.mutate()} disabled={send.isPending}>
          Mail me a new link
        </button>
      )}
      <ErrorNote error={send.error} />
    </div>
  );
}

export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const client = useQueryClient();
  const verify = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/auth/verify-email", { body: { token } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ME_KEY }),
  });
  const started = useRef(false);
  useEffect(() => {
    if (!started.current && token) {
      started.current = true;
      verify.mutate();
    }
  }, [token, verify]);
  return (
    <main className="auth">
      <div className="auth-box">
        <p className="brand" aria-hidden="true">
          RunCoach
        </p>
        <h1>Confirm your e-mail</h1>
        {!token && <p className="note note-error">This link has no token. Open the link from the mail again.</p>}
        {verify.isPending && <p>Confirming…</p>}
        {verify.isSuccess && <p className="note note-ok">{verify.data.email} is confirmed. Thank you.</p>}
        <ErrorNote error={verify.error} />
        <p>
          <Link to="/">Go to RunCoach</Link>
        </p>
      </div>
    </main>
  );
}
