// A form's text fields as one state object: `field("name")` gives an input or select its value and onChange,
// `clear("name", "goal")` empties some after a successful add and keeps the rest (date, priority, units).
import { type ChangeEvent, useState } from "react";

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export function useFields<T extends Record<string, string>>(initial: T) {
  const [values, setValues] = useState<T>(initial);
  const field = (key: keyof T) => ({
    value: values[key],
    onChange: (e: ChangeEvent<Control>) => setValues((v) => ({ ...v, [key]: e.target.value })),
  });
  const clear = (...keys: (keyof T)[]) => setValues((v) => ({ ...v, ...Object.fromEntries(keys.map((k) => [k, ""])) }));
  return { values, field, clear };
}
