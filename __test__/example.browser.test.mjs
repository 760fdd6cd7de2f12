// The example site in a real browser: headless Chromium (Debian's) driven by playwright-core
// submits the comment forms and sees the new comments after a reload, then deletes one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ASTRO7, Project, repoRoot, workspace } from "./astro/harness.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SKIP = new Set(["node_modules", ".pack", ".astro", "dist", "package.json", "package-lock.json"]);

test("the example's comment form, action and delete button work in Chromium", { timeout: 240_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (scripts/test installs Debian's chromium)`);
  const ws = await workspace(ASTRO7);
  const root = join(ws.dir, "example-guide");
  rmSync(root, { recursive: true, force: true });
  cpSync(join(repoRoot, "examples", "guide"), root, { recursive: true, filter: (src) => !SKIP.has(src.split("/").pop()) || src === join(repoRoot, "examples", "guide") });
  const site = new Project(ws, root);
  const dev = await site.dev(t);
  await dev.waitFor(/Seeded database\./);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(dev.url + "/");
  assert.equal(await page.textContent("#total"), "102 comments");

  // Plain form POST.
  await page.selectOption("#comment-form select[name=authorId]", "2");
  await page.fill("#comment-form input[name=body]", "Typed in a real browser");
  await Promise.all([page.waitForNavigation(), page.click("#comment-form button[type=submit]")]);
  await page.reload();
  assert.equal(await page.textContent("#total"), "103 comments");
  const first = page.locator("#comments li").first();
  assert.match(await first.textContent(), /Mina: Typed in a real browser/);

  // The action, which inserts with returning().
  await page.fill("#action-form input[name=body]", "Sent through an action");
  await Promise.all([page.waitForNavigation(), page.click("#action-form button[type=submit]")]);
  assert.match(await page.textContent("#added"), /Added comment #104/);
  await page.goto(dev.url + "/");
  assert.match(await page.locator("#comments li").first().textContent(), /Sent through an action/);

  // The delete button calls DELETE /api/comments/[id] and reloads.
  const id = await page.locator("#comments li").first().getAttribute("data-id");
  await Promise.all([page.waitForNavigation(), page.click(`button.delete[data-id="${id}"]`)]);
  assert.equal(await page.locator(`#comments li[data-id="${id}"]`).count(), 0);
  assert.equal(await page.textContent("#total"), "103 comments");

  // The like() filter.
  await page.goto(dev.url + "/?q=browser");
  assert.equal(await page.textContent("#total"), '1 comment matching "browser"');
});
