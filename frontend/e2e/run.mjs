// The end-to-end journey of a new runner, in a real browser against a running RunCoach (`runcoach up`).
// Run by tests/web/test_e2e.py, which starts the app and passes:
//   RUNCOACH_URL  where the app is served      CHROMIUM   the browser binary
//   ARTIFACTS     where screenshots go          FIT_FILE   a real FIT activity to upload
//   DEMO_EMAIL / DEMO_PASSWORD                    the demo athlete `runcoach up` seeded
//   GARMIN_EMAIL / GARMIN_PASSWORD / GARMIN_MFA   the account of the fake Garmin Connect the app talks to
import { mkdirSync } from "node:fs";
import { DESKTOP, launch, shoot, stepper } from "./browser.mjs";

const base = process.env.RUNCOACH_URL ?? "http://127.0.0.1:8000";
const artifacts = process.env.ARTIFACTS ?? "e2e-artifacts";
const fitFile = process.env.FIT_FILE;
const demo = { email: process.env.DEMO_EMAIL, password: process.env.DEMO_PASSWORD };
const garmin = { email: process.env.GARMIN_EMAIL, password: process.env.GARMIN_PASSWORD, mfa: process.env.GARMIN_MFA };
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
    await page.getByLabel("Activity files or a Strava export to import").setInputFiles(fitFile);
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
    await chart.scrollIntoViewIfNeeded(); // the mouse only reaches what is in the viewport
    const box = await chart.boundingBox();
    if (!box) throw new Error("heart-rate chart has no size");
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
    await page.locator(".route circle[stroke-width='3']").waitFor({ timeout: 30_000 });
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

  await step("a screenshot of the chat mid-stream (network slowed down)", async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 200,
      downloadThroughput: 1200,
      uploadThroughput: -1,
    });
    try {
      await page.getByLabel("Message to the coach").fill("Predict my marathon time");
      await page.getByRole("button", { name: "Send" }).click();
      const turn = page.getByTestId("coach-turn").last();
      await turn.and(page.locator("[data-status='streaming']")).locator(".coach-text, [data-testid='tool-chip']").first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: `${artifacts}/chat-streaming-desktop.png` });
      await page.setViewportSize({ width: 390, height: 844 });
      await turn.evaluate((el) => el.scrollIntoView({ block: "end" }));
      await page.screenshot({ path: `${artifacts}/chat-streaming-phone.png` });
      await page.setViewportSize(DESKTOP);
    } finally {
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    }
    await page.getByTestId("coach-turn").last().and(page.locator("[data-status='done']")).waitFor({ timeout: 60_000 });
  });

  await step("a connection cut mid-answer resumes with Last-Event-ID and the answer completes", async () => {
    // the POST's stream is cut after its first events (as a dropped connection would); the client must
    // reconnect to GET …/events with the last id it saw and get the rest from the server's buffer
    const resumed = [];
    const cut = [];
    page.on("request", (r) => r.url().includes("/events") && resumed.push(r.headers()["last-event-id"] ?? null));
    await page.route("**/api/v1/chat/threads/*/messages", async (route) => {
      const response = await route.fetch();
      const body = await response.text();
      const events = body.split(/\r\n\r\n|\n\n|\r\r/).filter((e) => e.includes("data:"));
      const kept = events.slice(0, Math.max(2, Math.floor(events.length / 2)));
      cut.push(`${kept.length}/${events.length}`);
      await route.fulfill({ response, body: `${kept.join("\r\n\r\n")}\r\n\r\n` });
    });
    try {
      await page.getByLabel("Message to the coach").fill("How was my last run?");
      await page.getByRole("button", { name: "Send" }).click();
      const turn = page.getByTestId("coach-turn").last();
      await turn.and(page.locator("[data-status='done']")).waitFor({ timeout: 60_000 });
    } finally {
      await page.unroute("**/api/v1/chat/threads/*/messages");
    }
    if (cut.length !== 1 || cut[0]?.split("/").map(Number).reduce((a, b) => b - a) <= 0) {
      throw new Error(`the stream was not cut short: ${cut}`);
    }
    if (!resumed.some((id) => id)) throw new Error(`no resume with Last-Event-ID was sent (${JSON.stringify(resumed)})`);
    const turn = page.getByTestId("coach-turn").last();
    if ((await turn.getByTestId("tool-chip").count()) !== 1) throw new Error("the tool chip is missing or doubled after the resume");
    // what was shown equals what was saved: reload the conversation and compare
    const live = (await turn.locator(".coach-text").allInnerTexts()).join("");
    await page.reload();
    const saved = page.getByTestId("coach-turn").last();
    await saved.and(page.locator("[data-status='done']")).waitFor();
    const stored = (await saved.locator(".coach-text").allInnerTexts()).join("");
    if (!live.trim() || live.trim() !== stored.trim()) throw new Error(`shown and saved answers differ:\n${live}\n---\n${stored}`);
  });

  await step("connect Garmin in settings, through the MFA code step", async () => {
    if (!garmin.email || !garmin.password) throw new Error("GARMIN_EMAIL / GARMIN_PASSWORD are not set");
    await page.getByRole("link", { name: "Settings" }).click();
    const section = page.getByTestId("garmin");
    await section.getByLabel("Garmin email").fill(garmin.email);
    await section.getByLabel("Garmin password").fill(garmin.password);
    await section.getByRole("button", { name: "Connect Garmin" }).click();
    if (garmin.mfa) {
      await section.getByLabel(/Code from Garmin/).fill(garmin.mfa, { timeout: 60_000 });
      await section.getByRole("button", { name: "Verify code" }).click();
    }
    await section.getByRole("button", { name: "Sync now" }).waitFor({ timeout: 60_000 });
    await page.getByTestId("model-status").getByText("reachable").waitFor();
    await shoot(page, artifacts, "settings");
  });

  await step("generate a workout and approve pushing it to Garmin", async () => {
    await page.getByRole("link", { name: "Plan" }).click();
    const form = page.getByRole("region", { name: "Generate a workout" });
    await form.getByLabel("Kind").selectOption("intervals");
    // the imported run is from 2015: nothing recent to take paces from, so the form says so and we give a VDOT
    await form.getByRole("button", { name: "Generate workout" }).click();
    await form.getByRole("alert").getByText(/pace reference/i).waitFor();
    await form.getByLabel(/VDOT/).fill("45");
    await form.getByRole("button", { name: "Generate workout" }).click();
    const workout = form.getByTestId("workout");
    await workout.getByRole("list", { name: "Steps" }).getByRole("listitem").first().waitFor();
    await workout.getByRole("button", { name: "Push to Garmin" }).click();
    const dialog = page.getByRole("dialog", { name: "Approve this action?" });
    await dialog.getByText("Upload").waitFor();
    await dialog.getByRole("button", { name: "Approve" }).click();
    await workout.getByRole("status").waitFor({ timeout: 60_000 });
    const text = await workout.getByRole("status").innerText();
    if (!/garmin/i.test(text)) throw new Error(`unexpected push result: ${text}`);
  });

  await step("generate a plan and see it on the calendar", async () => {
    const form = page.getByRole("region", { name: "Generate a plan" });
    await form.getByLabel("Goal time").fill("1:50:00");
    await form.getByLabel(/Weekly distance now/).fill("30");
    await form.getByRole("button", { name: "Generate plan" }).click();
    await form.getByRole("status").waitFor({ timeout: 60_000 });
    const calendar = page.getByRole("grid", { name: /Plan for/ });
    let sessions = await calendar.locator("button.session").count();
    if (sessions === 0) {
      await page.getByRole("button", { name: "Next month" }).click();
      await calendar.locator("button.session").first().waitFor();
      sessions = await calendar.locator("button.session").count();
    }
    await calendar.locator("button.session").first().click();
    const panel = page.locator("section[aria-labelledby='session-title']");
    await panel.waitFor();
    if (!/Week \d+/.test(await panel.innerText())) throw new Error("the session panel does not say which week it is in");
    await shoot(page, artifacts, "plan");
  });

  await step("the dashboard shows the new runner's activity and load chart", async () => {
    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("region", { name: "Recent activities" }).getByRole("link", { name: "running" }).waitFor();
    await page.getByTestId("load-today").waitFor();
    // the uploaded run is from 2015: today's fitness has decayed to 0, so the load itself is checked below
    // on the demo athlete, whose generated training is recent
    await page.getByRole("img", { name: "CTL / ATL / TSB" }).locator("canvas").waitFor();
  });

  await step("switching to miles shows distances and paces in miles everywhere", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    const profile = page.getByRole("region", { name: "Profile and units" });
    await profile.getByLabel("miles, min/mi").check();
    await profile.getByRole("button", { name: "Save" }).click();
    await profile.getByRole("status").waitFor();
    await page.getByRole("link", { name: "Activities" }).click();
    const row = page.getByRole("row").filter({ has: page.getByRole("link") }).first();
    await row.getByText(/\d+\.\d\d mi/).waitFor();
    await row.getByText(/\/mi$/).waitFor();
    await row.getByRole("link").first().click();
    await page.getByRole("img", { name: "Pace (/mi)" }).locator("canvas").waitFor();
    await page.getByText(/\d+ ft/).first().waitFor();
  });

  await step("the demo athlete's dashboard shows their training load", async () => {
    if (!demo.email || !demo.password) throw new Error("DEMO_EMAIL / DEMO_PASSWORD are not set");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Email").fill(demo.email);
    await page.getByLabel("Password").fill(demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    const today = page.getByTestId("load-today");
    await today.waitFor();
    const fitness = Number((await today.locator(".stat b").first().innerText()).trim());
    if (!(fitness > 0)) throw new Error(`fitness (CTL) should be above zero for an athlete who trains, got ${fitness}`);
    await page.getByRole("img", { name: "CTL / ATL / TSB" }).locator("canvas").waitFor();
    await page.getByRole("img", { name: "Load per week" }).locator("canvas").waitFor();
    // the weekly bars switch to running distance (summed by the server), which matches the demo athlete's runs
    // of last week as the activity list gives them
    await page.getByRole("group", { name: "Weekly bars show" }).getByRole("button", { name: "Distance" }).click();
    await page.getByRole("img", { name: "Running distance per week (km)" }).locator("canvas").waitFor();
    const figures = await page.getByTestId("weekly-figures").innerText();
    const lastWeek = Number(/last week ([\d.]+) km/.exec(figures)?.[1]);
    if (!(lastWeek > 0)) throw new Error(`the demo athlete ran last week, but the weekly bars say: ${figures}`);
    const listed = await page.evaluate(async () => {
      const get = async (url) => (await fetch(url, { credentials: "same-origin" })).json();
      const load = await get("/api/v1/training/load?days=84&resolution=week");
      const monday = load.weekly.at(-2).week_start;
      const sunday = new Date(Date.parse(`${monday}T00:00:00Z`) + 6 * 86_400_000).toISOString().slice(0, 10);
      const runs = await get(`/api/v1/activities?sport=running&since=${monday}&until=${sunday}&limit=200`);
      return runs.items.reduce((km, run) => km + (run.distance_km ?? 0), 0);
    });
    if (Math.abs(listed - lastWeek) > 0.051) {
      throw new Error(`last week's runs add up to ${listed.toFixed(2)} km, but the weekly bars say: ${figures}`);
    }
    await page.getByRole("button", { name: "6 mo" }).click();
    await page.waitForTimeout(300);
    await shoot(page, artifacts, "dashboard");
  });

  if (consoleErrors.length) throw new Error(`page errors: ${consoleErrors.join("; ")}`);
  console.log(`e2e: all steps passed; screenshots in ${artifacts}`);
} finally {
  await browser.close();
}
