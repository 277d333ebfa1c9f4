// One of a few options as a row of pressed / not pressed buttons (a chart's range, what its bars show).
export function Choice<T extends string | number>({
  label,
  options,
  value,
  onChange,
}: {
  /** the group's accessible name */
  label: string;
  options: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <div className="range-picker" role="group" aria-label={label}>
      {options.map((o) => (
        <button key={o.value} type="button" aria-pressed={value === o.value} onClick={() => onChange(o.value)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}
