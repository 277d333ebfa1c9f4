// Renders a page or component to HTML in Node (no DOM needed) with the query cache holding given answers, so
// a test states what the API returned and checks what the athlete would see.
import { QueryClient, QueryClientProvider, type QueryKey } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { MemoryRouter, Route, Routes } from "react-router";

export interface Answer {
  key: QueryKey;
  /** the data the API returned, or an Error it failed with */
  data: unknown;
}

/** `route`: render `ui` as the page of `path` (e.g. "/activities/:activityId") opened at `url`. */
export function renderWith(ui: ReactNode, answers: Answer[] = [], route?: { path: string; url: string }): string {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, retryOnMount: false, staleTime: Infinity } } });
  for (const { key, data } of answers) {
    if (data instanceof Error) {
      client.getQueryCache().build(client, { queryKey: key }).setState({ status: "error", error: data, fetchStatus: "idle" });
    } else {
      client.setQueryData(key, data);
    }
  }
  return renderToStaticMarkup(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[route?.url ?? "/"]}>
        {route ? (
          <Routes>
            <Route path={route.path} element={ui} />
          </Routes>
        ) : (
          ui
        )}
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

/** The markup's visible text (tags dropped, entities decoded, whitespace collapsed). */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}
