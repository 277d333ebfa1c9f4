import { describe, expect, it } from "vitest";
import { ME_KEY } from "./session";
import { athlete } from "../testing/athlete";
import { renderWith, textOf } from "../testing/render";
import { VerifyEmailBanner, VerifyEmailPage } from "./EmailVerification";

describe("e-mail verification", () => {
  it("asks an unverified athlete to confirm the address, with a way to get a new link", () => {
    const me = athlete("metric");
    const unverified = { key: ME_KEY, data: { ...(me.data as object), email_verified_at: null } };
    const text = textOf(renderWith(<VerifyEmailBanner />, [unverified]));
    expect(text).toContain("Confirm that runner@example.com is yours");
    expect(text).toContain("Mail me a new link");
  });

  it("says nothing once the address is verified", () => {
    expect(renderWith(<VerifyEmailBanner />, [athlete("metric")])).toBe("");
  });

  it("tells a link without a token what to do", () => {
    const text = textOf(renderWith(<VerifyEmailPage />, [], { path: "/verify-email", url: "/verify-email" }));
    expect(text).toContain("This link has no token. Open the link from the mail again.");
  });
});
