// Link Telegram with a one-time code sent to the bot.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { Card, ErrorNote, Loading } from "../ui/feedback";

export function Telegram() {
  const client = useQueryClient();
  const link = useQuery({
    queryKey: ["telegram"],
    queryFn: () => unwrap(api.GET("/api/v1/telegram/link")),
    refetchInterval: (q) => (q.state.data?.linked ? false : 5000),
  });
  const code = useMutation({ mutationFn: () => unwrap(api.POST("/api/v1/telegram/link-code")) });
  const unlink = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/telegram/link")),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["telegram"] }),
  });
  return (
    <Card title="Telegram">
      <ErrorNote error={link.error ?? code.error ?? unlink.error} />
      {link.isPending && <Loading />}
      {link.data?.linked ? (
        <>
          <p className="note-ok">
            Linked{link.data.username ? ` to @${link.data.username}` : ""}
            {link.data.linked_at ? ` since ${new Date(link.data.linked_at).toLocaleDateString()}` : ""}.
          </p>
          <button type="button" className="danger" onClick={() => unlink.mutate()} disabled={unlink.isPending}>
            Unlink
          </button>
        </>
      ) : (
        link.data && (
          <>
            <p className="muted">Chat with your coach and get its messages in Telegram.</p>
            {code.data ? (
              <div className="note" role="status">
                <p>
                  Your code: <strong data-testid="telegram-code">{code.data.code}</strong> (valid {Math.round(code.data.expires_in_s / 60)} min)
                </p>
                <p className="small">{code.data.how}</p>
              </div>
            ) : (
              <button type="button" className="primary" onClick={() => code.mutate()} disabled={code.isPending}>
                Get a link code
              </button>
            )}
          </>
        )
      )}
    </Card>
  );
}
