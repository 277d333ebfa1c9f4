// One kind of the athlete's things (gear, races) as a card: a list with a filter toggle (retired gear, past
// races), its rows and their actions, deleting behind an explicit approval, and every error on the card.
// Writes refresh the list through its query key.
import { type UseMutationResult, type UseQueryResult, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { ConfirmAction } from "./ConfirmAction";
import { Card, Empty, ErrorNote, Loading } from "./feedback";
import { Table } from "./Table";

export interface ResourceListState<Data, Item> {
  list: UseQueryResult<Data, Error>;
  toggled: boolean;
  setToggled: (on: boolean) => void;
  /** the item waiting for the approval to delete it */
  deleting: Item | null;
  setDeleting: (item: Item | null) => void;
  removal: UseMutationResult<unknown, Error, Item>;
}

/** The list `[key, toggled]` and its deletion; `fetch` reads it with the toggle on or off. */
export function useResourceList<Data, Item>({
  key,
  fetch,
  remove,
}: {
  key: string;
  fetch: (toggled: boolean) => Promise<Data>;
  remove: (item: Item) => Promise<unknown>;
}): ResourceListState<Data, Item> {
  const client = useQueryClient();
  const [toggled, setToggled] = useState(false);
  const [deleting, setDeleting] = useState<Item | null>(null);
  const list = useQuery({ queryKey: [key, toggled], queryFn: () => fetch(toggled) });
  const removal = useMutation({
    mutationFn: remove,
    onSettled: () => {
      setDeleting(null);
      void client.invalidateQueries({ queryKey: [key] });
    },
  });
  return { list, toggled, setToggled, deleting, setDeleting, removal };
}

/** A write to the list `key` (add, retire, edit) that refreshes it on success, after `onDone`. */
export function useResourceChange<Input, Output>(key: string, write: (input: Input) => Promise<Output>, onDone?: (output: Output) => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: write,
    onSuccess: (output) => {
      onDone?.(output);
      void client.invalidateQueries({ queryKey: [key] });
    },
  });
}

export function ResourceListCard<Data, Item extends { id: number }>({
  state,
  title,
  toggleLabel,
  items,
  headers,
  cells,
  actions,
  intro,
  empty,
  describe,
  error,
}: {
  state: ResourceListState<Data, Item>;
  title: string;
  toggleLabel: string;
  items: (data: Data) => Item[];
  headers: readonly string[];
  /** the row's cells (`<td>`s), before the actions */
  cells: (item: Item) => ReactNode;
  /** actions before Delete, e.g. retire */
  actions?: (item: Item) => ReactNode;
  /** notes above the table (warnings, the current VDOT) */
  intro?: (data: Data) => ReactNode;
  empty: ReactNode;
  /** the item in words, for the Delete button and its approval: "the race "Berlin" on 2026-09-27" */
  describe: (item: Item) => { name: string; what: string; args: Record<string, unknown> };
  /** an error of another write on this list (e.g. retire) */
  error?: unknown;
}) {
  const { list, toggled, setToggled, deleting, setDeleting, removal } = state;
  const rows = list.data ? items(list.data) : [];
  const pending = deleting ? describe(deleting) : null;
  return (
    <Card
      title={title}
      actions={
        <label className="inline">
          <input type="checkbox" checked={toggled} onChange={(e) => setToggled(e.target.checked)} /> {toggleLabel}
        </label>
      }
    >
      <ErrorNote error={list.error ?? removal.error ?? error} />
      {list.isPending && <Loading />}
      {list.data && intro?.(list.data)}
      {list.data && rows.length === 0 && <Empty>{empty}</Empty>}
      {rows.length > 0 && (
        <Table headers={headers} actions>
          {rows.map((item) => (
            <tr key={item.id}>
              {cells(item)}
              <td>
                {actions?.(item)}
                <button type="button" className="link" aria-label={`Delete ${describe(item).name}`} onClick={() => setDeleting(item)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      <ConfirmAction
        open={deleting != null}
        what={pending?.what ?? ""}
        args={pending?.args ?? {}}
        busy={removal.isPending}
        onApprove={() => deleting && removal.mutate(deleting)}
        onDeny={() => setDeleting(null)}
      />
    </Card>
  );
}
