// The athlete's conversations, newest first, and a way to start another.
import { useQuery } from "@tanstack/react-query";
import { NavLink, useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { ErrorNote } from "../ui/feedback";
import { THREADS_KEY } from "./useCoach";

export function ThreadList() {
  const navigate = useNavigate();
  const threads = useQuery({
    queryKey: THREADS_KEY,
    queryFn: () => unwrap(api.GET("/api/v1/chat/threads", { params: { query: { limit: 50 } } })),
  });
  return (
    <nav className="threads" aria-label="Conversations">
      <button type="button" className="primary" onClick={() => navigate("/chat")}>
        New conversation
      </button>
      <ErrorNote error={threads.error} />
      <ul>
        {threads.data?.map((t) => (
          <li key={t.id}>
            <NavLink to={`/chat/${t.id}`} title={t.title ?? "New conversation"}>
              {t.title ?? "New conversation"}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
