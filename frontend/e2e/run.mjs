// The end-to-end journey of a new runner, in a real browser against a running RunCoach (`runcoach up`).
// Run by tests/web/test_e2e.py, which starts the app and passes:
//   RUNCOACH_URL  where the app is served      CHROMIUM   the browser binary
//   ARTIFACTS     where screenshots go          FIT_FILE   a real FIT activity to upload
import { mkdirSync } from "node:fs";
import { DESKTOP, launch, shoot, stepper } from "./browser.mjs";

const base = process.env.RUNCOACH_URL ?? "http://127.0.0.1:8000";
const artifacts = process.env.ARTIFACTS ?? "e2e-artifacts";
const fitFile = process.env.FIT_FILE;
mkdirSync(artifacts, { recursive: true });

const email = `runner-${Date.now()}@example.com`;
const password = "a-long-enough-password";

const browser = await launch(process.env.CHROMIUM ?? "/usr/bin/chromium");
const context = await browser.newContext({ viewport: DESKTOP, locale: "en-GB", timezoneId: "Europe/Berlin" });
const page = await context.newPage();
page.setDefaultTimeout(20_000);
const consoleErrors = [];
page.on("pageerror", (err) => consoleErrors.push(String(err)));
const step = stepper(page, artifacts);

try {
  await step("sign up as a new runner", async () => {
    await page.goto(`${base}/#/signup`);
    await page.getByLabel("Name").fill("E2E Runner");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    await page.getByText("E2E Runner").waitFor();
  });

  await step("sign out and back in", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Main" }).waitFor();
  });

  if (consoleErrors.length) throw new Error(`page errors: ${consoleErrors.join("; ")}`);
  console.log(`e2e: all steps passed; screenshots in ${artifacts}`);
} finally {
  await browser.close();
}
