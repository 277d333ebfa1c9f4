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

  await step("upload a real FIT file and see it imported", async () => {
    if (!fitFile) throw new Error("FIT_FILE is not set");
    await page.getByRole("link", { name: "Activities" }).click();
    await page.getByRole("heading", { name: "Activities", level: 1 }).waitFor();
    await page.getByLabel("FIT files to import").setInputFiles(fitFile);
    const item = page.getByTestId("upload-item").first();
    await item.getByText("imported", { exact: false }).waitFor({ timeout: 90_000 });
    const text = await item.innerText();
    if (!/\bimported\b/.test(text) || /rejected/.test(text)) throw new Error(`upload ended as: ${text}`);
    await shoot(page, artifacts, "activities");
  });

  await step("the activity is in the list and its detail has route, charts and laps", async () => {
    const row = page.getByRole("row").filter({ has: page.getByRole("link") }).first();
    await row.waitFor();
    await row.getByRole("link").first().click();
    await page.getByRole("img", { name: "Route map" }).waitFor();
    for (const name of ["Heart rate (bpm)", "Pace (/km)", "Elevation (m)"]) {
      await page.getByRole("img", { name }).locator("canvas").first().waitFor();
    }
    const laps = await page.getByRole("region", { name: "Laps" }).getByRole("row").count();
    if (laps < 2) throw new Error(`expected laps in the table, found ${laps - 1}`);
    // the crosshair is shared: hovering one chart moves the marker on the route
    const chart = page.getByRole("img", { name: "Heart rate (bpm)" }).locator(".u-over");
    const box = await chart.boundingBox();
    if (!box) throw new Error("heart-rate chart has no size");
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.locator(".route circle[stroke-width='3']").waitFor();
    await shoot(page, artifacts, "activity-detail");
  });

  await step("ask the coach about it and see a streamed answer with a tool chip", async () => {
    await page.getByRole("link", { name: "Coach" }).click();
    await page.getByLabel("Message to the coach").fill("How was my last run?");
    await page.getByRole("button", { name: "Send" }).click();
    const turn = page.getByTestId("coach-turn").last();
    await turn.getByTestId("tool-chip").first().waitFor({ timeout: 60_000 });
    await turn.and(page.locator("[data-status='done']")).waitFor({ timeout: 60_000 });
    const text = await turn.innerText();
    if (text.length < 20) throw new Error(`the coach's answer is too short: ${text}`);
    await turn.getByTestId("tool-chip").first().locator("summary").click();
    await turn.getByText("Arguments").first().waitFor();
    await shoot(page, artifacts, "chat");
  });

  if (consoleErrors.length) throw new Error(`page errors: ${consoleErrors.join("; ")}`);
  console.log(`e2e: all steps passed; screenshots in ${artifacts}`);
} finally {
  await browser.close();
}
