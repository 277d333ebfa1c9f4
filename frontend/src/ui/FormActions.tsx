// The end of every form: what is wrong with the input before anything is sent, what the server refused, a
// note once it is done, and the submit button (disabled while the request runs, so nothing is sent twice).
import type { ReactNode } from "react";
import { ErrorNote } from "./feedback";

export function FormActions({
  label,
  busy,
  busyLabel,
  invalid,
  error,
  errorTitle,
  done,
  disabled = false,
}: {
  label: string;
  busy: boolean;
  /** the button's text while busy (default: the label) */
  busyLabel?: string;
  /** a problem found before sending (e.g. a goal time that is not a time) */
  invalid?: string | null;
  /** the request's error */
  error: unknown;
  errorTitle?: string;
  /** shown once the request succeeded */
  done?: ReactNode;
  disabled?: boolean;
}) {
  return (
    <>
      {invalid && (
        <p className="note note-error" role="alert">
          {invalid}
        </p>
      )}
      <ErrorNote error={error} title={errorTitle} />
      {done && (
        <p className="note note-ok" role="status">
          {done}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || disabled}>
        {busy && busyLabel ? busyLabel : label}
      </button>
    </>
  );
}
