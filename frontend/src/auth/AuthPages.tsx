import { type FormEvent, useState } from "react";
import { Link, Navigate, useLocation } from "react-router";
import { ErrorNote } from "../ui/feedback";
import { useMe, useSignIn, useSignUp } from "./session";

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function AuthFrame({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="auth">
      <div className="auth-box">
        <p className="brand" aria-hidden="true">
          RunCoach
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

function useAfterSignIn(): string {
  const location = useLocation();
  return (location.state as { from?: string } | null)?.from ?? "/";
}

export function SignInPage() {
  const me = useMe();
  const signIn = useSignIn();
  const next = useAfterSignIn();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  if (me.data) return <Navigate to={next} replace />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ email, password });
  };
  return (
    <AuthFrame title="Sign in">
      <form onSubmit={submit} className="stack">
        <label>
          Email
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorNote error={signIn.error} />
        <button type="submit" className="primary" disabled={signIn.isPending}>
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </AuthFrame>
  );
}

export function SignUpPage() {
  const me = useMe();
  const signUp = useSignUp();
  const [form, setForm] = useState({ email: "", password: "", display_name: "" });
  if (me.data) return <Navigate to="/" replace />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signUp.mutate({
      email: form.email,
      password: form.password,
      display_name: form.display_name.trim() || null,
      timezone: browserTimeZone(),
    });
  };
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [key]: e.target.value });
  return (
    <AuthFrame title="Create your account">
      <form onSubmit={submit} className="stack">
        <label>
          Name <span className="muted">(optional)</span>
          <input autoComplete="name" value={form.display_name} onChange={set("display_name")} />
        </label>
        <label>
          Email
          <input type="email" autoComplete="username" required value={form.email} onChange={set("email")} />
        </label>
        <label>
          Password <span className="muted">(at least 8 characters)</span>
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            value={form.password}
            onChange={set("password")}
          />
        </label>
        <ErrorNote error={signUp.error} />
        <button type="submit" className="primary" disabled={signUp.isPending}>
          {signUp.isPending ? "Creating…" : "Create account"}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </AuthFrame>
  );
}
