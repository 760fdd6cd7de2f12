// The studio's grid on a 1M-row table, in headless Chromium (Debian's, via playwright-core):
// time from the click on the table to its first page drawn, once the app has loaded (target:
// under 300 ms), the last page, a filtered page and a sort on a column without an index; and
// the server's keyset query for the last page against the OFFSET query a naive grid would run.
//   node bench/studio.mjs [runs]
import { rmSync } from "node:fs";
import { chromium } from "playwright-core";
import { startStudio } from "../dist/studio/server.js";
import { BIG_ROWS, studioFixture } from "./studio-fixture.mjs";

const RUNS = Number(process.argv[2] ?? 7);
const fx = await studioFixture();
const studio = await startStudio({ client: fx.client, shown: fx.file, remote: false, writable: true, snapshot: fx.schema.snapshot }, { port: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage();

/** Runs `action` in the page and resolves with the ms until `done()` holds (checked every frame). */
const timed = (action, done) =>
  page.evaluate(
    ([a, d]) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        new Function(a)();
        const check = () => (new Function(`return (${d})`)() ? resolve(performance.now() - t0) : requestAnimationFrame(check));
        check();
      }),
    [action, done],
  );

const grid = (sel) => `document.querySelector(${JSON.stringify(sel)})`;
const figures = { first: [], last: [], filtered: [], sorted: [] };
for (let i = 0; i < RUNS; i++) {
  await page.goto(studio.url);
  await page.waitForSelector("body[data-ready]");
  figures.first.push(await timed(`${grid('#tables li[data-table="Big"] button')}.click()`, `${grid('#grid tr[data-rowid="1"]')} && ${grid("#grid-view h2")}.textContent === "Big"`));
  figures.last.push(await timed(`${grid("#last")}.click()`, grid(`#grid tr[data-rowid="${BIG_ROWS}"]`)));
  await page.selectOption("#filter-column", "n");
  await page.selectOption("#filter-op", "eq");
  await page.fill("#filter-value", "999");
  figures.filtered.push(await timed(`${grid("#filter-add")}.click()`, `${grid('#grid tr[data-rowid="999"]')} && !${grid(`#grid tr[data-rowid="${BIG_ROWS}"]`)}`));
  await page.click(".chip button");
  await page.waitForSelector('#grid tr[data-rowid="1"]');
  figures.sorted.push(await timed(`${grid('th[data-column="label"] .sort')}.click()`, grid('#grid tr[data-rowid="1000000"]') + " === null && " + grid('#grid tbody tr') + "?.dataset.rowid === '1'" + ` && ${grid('th[data-column="label"] .sort')}.textContent.includes("▲")`));
}

// Server side: the keyset query for the last page against OFFSET.
const c = fx.client;
const q = async (sql) => {
  const t = performance.now();
  await c.execute(sql);
  return performance.now() - t;
};
const keyset = [];
const offset = [];
for (let i = 0; i < RUNS; i++) {
  keyset.push(await q(`SELECT rowid AS __rowid, * FROM "Big" WHERE 1 ORDER BY rowid DESC LIMIT 101`));
  offset.push(await q(`SELECT rowid AS __rowid, * FROM "Big" ORDER BY rowid LIMIT 100 OFFSET ${BIG_ROWS - 100}`));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x) => `${x.toFixed(1)} ms`;
console.log(`studio, ${BIG_ROWS.toLocaleString("en-US")}-row table, Chromium, median of ${RUNS}:`);
console.log(`  click the table -> first page drawn   ${f(median(figures.first))}   (target < 300 ms)`);
console.log(`  Last -> last page drawn               ${f(median(figures.last))}`);
console.log(`  filter n = 999 -> page drawn          ${f(median(figures.filtered))}`);
console.log(`  sort by label (no index) -> drawn     ${f(median(figures.sorted))}`);
console.log(`  last page query: keyset ${f(median(keyset))}, OFFSET ${f(median(offset))} (${(median(offset) / median(keyset)).toFixed(0)}x)`);
await browser.close();
await studio.close();
c.close();
rmSync(fx.dir, { recursive: true, force: true });
