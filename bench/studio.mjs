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

/**
 * Clicks `click` in the page and resolves with the ms until the page has every selector of
 * `has`, none of `lacks`, and each `[selector, text]` of `text` contains its text (checked
 * every millisecond; NaN after 60 s). Data, not code: the page's CSP forbids eval.
 */
const timed = (click, { has = [], lacks = [], text = [] }) =>
  page.evaluate(
    ([click, has, lacks, text]) =>
      new Promise((resolve) => {
        const q = (s) => document.querySelector(s);
        const t0 = performance.now();
        q(click).click();
        const done = () => has.every(q) && !lacks.some(q) && text.every(([s, t]) => q(s)?.textContent.includes(t));
        const check = () => (done() ? resolve(performance.now() - t0) : performance.now() - t0 > 60_000 ? resolve(NaN) : setTimeout(check, 1));
        check();
      }),
    [click, has, lacks, text],
  );

const figures = { first: [], last: [], filtered: [], sorted: [] };
for (let i = 0; i < RUNS; i++) {
  await page.goto(studio.url);
  await page.waitForSelector("body[data-ready]");
  figures.first.push(await timed('#tables li[data-table="Big"] button', { has: ['#grid tr[data-rowid="1"]'], text: [["#grid-view h2", "Big"]] }));
  figures.last.push(await timed("#last", { has: [`#grid tr[data-rowid="${BIG_ROWS}"]`] }));
  await page.selectOption("#filter-column", "n");
  await page.selectOption("#filter-op", "eq");
  await page.fill("#filter-value", "999");
  figures.filtered.push(await timed("#filter-add", { has: ['#grid tr[data-rowid="999"]'], lacks: [`#grid tr[data-rowid="${BIG_ROWS}"]`] }));
  await page.click(".chip button");
  await page.waitForSelector('#grid tr[data-rowid="1"]');
  // The header's mark is drawn with the sorted rows, in the same render.
  figures.sorted.push(await timed('th[data-column="label"] .sort', { text: [['th[data-column="label"] .sort', "▲"]] }));
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
