// Debian's chromium through playwright-core (a test tool's own browser download does not work here), with the
// flags this machine needs: no sandbox as root, and no background networking (its connections are refused).
// Playwright starts it with a new empty profile of its own.
import { join } from "node:path";
import { chromium } from "playwright-core";

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export async function launch(executablePath) {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Steps that log what they do and, on failure, leave a screenshot of the page they failed on. */
export function stepper(page, artifacts) {
  let n = 0;
  return async function step(name, fn) {
    n += 1;
    const started = Date.now();
    process.stdout.write(`e2e: ${String(n).padStart(2, "0")} ${name} … `);
    try {
      await fn();
      process.stdout.write(`ok (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
    } catch (err) {
      process.stdout.write("FAILED\n");
      const file = join(artifacts, `failure-${String(n).padStart(2, "0")}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
      const text = await page.locator("body").innerText().catch(() => "");
      throw new Error(`step "${name}" failed: ${err.message}\nscreenshot: ${file}\npage text:\n${text.slice(0, 2000)}`);
    }
  };
}

/** Screenshots at desktop and phone width, named after the page. */
export async function shoot(page, artifacts, name, { fullPage = true } = {}) {
  const size = page.viewportSize();
  await page.screenshot({ path: join(artifacts, `${name}-desktop.png`), fullPage });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(150); // let charts re-measure
  await page.screenshot({ path: join(artifacts, `${name}-phone.png`), fullPage });
  await page.setViewportSize(size ?? DESKTOP);
  await page.waitForTimeout(100);
}
