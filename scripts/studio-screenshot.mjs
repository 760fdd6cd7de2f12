// Takes the README's screenshot of the studio (docs/studio.png) on the benchmark's fixture:
//   npm run build && node scripts/studio-screenshot.mjs
import { rmSync } from "node:fs";
import { chromium } from "playwright-core";
import { startStudio } from "../dist/studio/server.js";
import { studioFixture } from "../bench/studio-fixture.mjs";

const fx = await studioFixture();
const studio = await startStudio({ client: fx.client, shown: ".astro/content.db", remote: false, writable: true, snapshot: fx.schema.snapshot }, { port: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 640 } });
  await page.goto(studio.url);
  await page.waitForSelector("body[data-ready]");
  await page.click('#tables li[data-table="Comment"] button');
  await page.waitForSelector('#grid-view h2:text-is("Comment")');
  await page.selectOption("#filter-column", "likes");
  await page.selectOption("#filter-op", "gte");
  await page.fill("#filter-value", "3");
  await page.click("#filter-add");
  await page.waitForFunction(() => /^\d+ rows$/.test(document.querySelector("#row-count")?.textContent ?? ""));
  await page.screenshot({ path: new URL("../docs/studio.png", import.meta.url).pathname });
  console.log("wrote docs/studio.png");
} finally {
  await browser.close();
  await studio.close();
  fx.client.close();
  rmSync(fx.dir, { recursive: true, force: true });
}
