// The signed-in frame: navigation (a top bar on wide screens, a bottom bar on phones) and the page.
import { Navigate, NavLink, Outlet, useLocation } from "react-router";
import { VerifyEmailBanner } from "../auth/EmailVerification";
import { useMe, useSignOut } from "../auth/session";
import { ErrorNote, Loading } from "../ui/feedback";

const NAV = [
  { to: "/", label: "Dashboard", end: true },
  { to: "/chat", label: "Coach" },
  { to: "/activities", label: "Activities" },
  { to: "/feed", label: "Feed" },
  { to: "/plan", label: "Plan" },
  { to: "/notes", label: "Notes" },
  { to: "/strength", label: "Strength" },
  { to: "/gear", label: "Gear" },
  { to: "/races", label: "Races" },
  { to: "/settings", label: "Settings" },
] as const;

export function Shell() {
  const me = useMe();
  const signOut = useSignOut();
  const location = useLocation();
  if (me.isPending) return <Loading label="Starting RunCoach…" />;
  if (me.isError) {
    return (
      <main className="page">
        <ErrorNote error={me.error} title="RunCoach is not answering" />
        <button type="button" onClick={() => void me.refetch()}>
          Retry
        </button>
      </main>
    );
  }
  if (!me.data) {
    // an expired session comes back to where it was; signing out (perhaps for someone else) does not
    return <Navigate to="/signin" replace state={signOut.isIdle ? { from: location.pathname } : null} />;
  }
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">RunCoach</span>
        <nav aria-label="Main" className="nav">
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} end={"end" in item ? item.end : false}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="who">
          <span className="muted" title={me.data.email}>
            {me.data.display_name ?? me.data.email}
          </span>
          <button type="button" className="link" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <VerifyEmailBanner />
        <Outlet />
      </main>
    </div>
  );
}
