// A table that scrolls sideways on a phone: column headers, an optional last column of row actions whose
// header only screen readers hear, and the rows as children.
import type { ReactNode } from "react";

export function Table({
  headers,
  actions = false,
  caption,
  children,
}: {
  headers: readonly string[];
  /** a last column for row actions (buttons), headed "Actions" for screen readers */
  actions?: boolean;
  caption?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table>
        {caption != null && <caption className="muted small">{caption}</caption>}
        <thead>
          <tr>
            {headers.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
