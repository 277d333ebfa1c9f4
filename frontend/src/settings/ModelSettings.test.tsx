import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { renderWith, textOf } from "../testing/render";
import { ModelSettings } from "./ModelSettings";

const check = (over: Partial<Schemas["ModelCheck"]>): Schemas["ModelCheck"] => ({
  provider: "gemini",
  model: "gemini-3.8-flash",
  base_url: null,
  reachable: true,
  state: "ok",
  message: "Gemini answers; model gemini-3.8-flash.",
  deprecation: null,
  ...over,
});

const status = (active: Schemas["ModelCheck"], fallbacks: Schemas["ModelCheck"][] = []): Schemas["ModelStatus"] => ({
  setting: "auto",
  active,
  fallbacks,
  reachable: true,
  checked_at: "2026-12-06T10:00:00Z",
  cached: false,
});

describe("ModelSettings", () => {
  it("says a retired model is answered by another, and what to set instead", () => {
    const retired = check({
      model: "gemini-2.5-flash",
      deprecation: {
        model: "gemini-2.5-flash",
        setting: "RUNCOACH_GEMINI_MODEL",
        retirement_date: "2026-12-01",
        retired: true,
        rerouted_to: "gemini-3.5-flash-lite",
        replacement: "gemini-3.5-flash-lite",
        source_url: "https://aistudio.google.com/docs/deprecations#gemini-2.5-flash-models",
        message: "…",
      },
    });
    const html = renderWith(<ModelSettings />, [{ key: ["settings", "model"], data: status(retired) }]);
    const text = textOf(html); // (textOf puts a space at each tag, so before the full stop after a <code>)
    expect(text).toContain("Retired model: gemini-2.5-flash was retired on 2026-12-01 and its requests are answered by gemini-3.5-flash-lite");
    expect(text).toContain("Set RUNCOACH_GEMINI_MODEL=gemini-3.5-flash-lite (the provider's recommended replacement).");
    expect(html).toContain('class="note note-error"');
  });

  it("warns about a deprecated fallback before its date, and shows nothing for current models", () => {
    const fallback = check({
      provider: "openai",
      model: "gpt-4.1-mini-2025-04-14",
      deprecation: {
        model: "gpt-4.1-mini-2025-04-14",
        setting: "RUNCOACH_OPENAI_MODEL",
        retirement_date: "2027-01-14",
        retired: false,
        rerouted_to: null,
        replacement: "gpt-6-luna",
        source_url: "https://developers.openai.com/api/docs/deprecations",
        message: "…",
      },
    });
    const html = renderWith(<ModelSettings />, [{ key: ["settings", "model"], data: status(check({}), [fallback]) }]);
    expect(textOf(html)).toContain("Deprecated model: gpt-4.1-mini-2025-04-14 retires on 2027-01-14. Set RUNCOACH_OPENAI_MODEL=gpt-6-luna");
    expect(html.match(/data-testid="model-deprecation"/g)).toHaveLength(1);
    const current = renderWith(<ModelSettings />, [{ key: ["settings", "model"], data: status(check({})) }]);
    expect(current).not.toContain("model-deprecation");
  });
});
