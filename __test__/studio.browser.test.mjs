// The database browser in a real browser: headless Chromium (Debian's) driven by playwright-core
// on the example site's dev database (seeded by `astro dev`, plus a configured 1M-row table),
// opened from the dev toolbar and from `astro-db studio`; then `--remote` against a real
// `astro-db serve`, read-only and with --write; and the gate (token, Origin, Host).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { createClient } from "../dist/client/index.js";
import { ASTRO7, Project, freePort, repoRoot, start, workspace } from "./astro/harness.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SKIP = new Set(["node_modules", ".pack", ".astro", "dist", "package.json", "package-lock.json"]);
const BIG = 1_000_000;

const BIG_TABLE = `
const Big = defineTable({
  columns: {
    id: column.number({ primaryKey: true }),
    label: column.text(),
    n: column.number(),
    flag: column.boolean({ default: false }),
    at: column.date({ optional: true }),
    meta: column.json({ optional: true }),
  },
});
`;
const BIG_SEED = `  await db.run(sql\`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${BIG})
    INSERT INTO Big (id, label, n, flag, at, meta)
    SELECT i, 'row ' || i, i % 1000, i % 2, '2024-01-01T00:00:00.000Z', CASE WHEN i <= 10 THEN '{"i":' || i || ',"tags":["a","b"]}' END FROM s\`);
`;

/** The example site, with the 1M-row table added to its config and seed. */
function exampleWithBigTable(ws) {
  const root = join(ws.dir, "example-studio");
  rmSync(root, { recursive: true, force: true });
  const src = join(repoRoot, "examples", "guide");
  cpSync(src, root, { recursive: true, filter: (p) => p === src || !SKIP.has(p.split("/").pop()) });
  const site = new Project(ws, root);
  site.write("db/config.ts", site.read("db/config.ts").replace("export default defineDb", `${BIG_TABLE}\nexport default defineDb`).replace("tables: { Author, Comment }", "tables: { Author, Comment, Big }"));
  const seed = site.read("db/seed.ts");
  assert.match(seed, /import \{ Author, Comment, db \} from "astro:db";/);
  site.write(
    "db/seed.ts",
    seed.replace('import { Author, Comment, db } from "astro:db";', 'import { Author, Comment, db, sql } from "astro:db";').replace(/(export default async function seed\(\) \{\n)/, `$1${BIG_SEED}`),
  );
  return site;
}

/** `astro-db studio …` in the project; resolves with its URL once it listens. */
async function studio(t, site, args = [], env = {}) {
  const proc = start(process.execPath, [site.ws.dbBin, "studio", "--port", "0", ...args], { cwd: site.root, env });
  t.after(() => proc.stop());
  const [url] = await proc.waitFor(/http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/, { timeout: 60_000 });
  return { url, proc };
}

/** A raw HTTP request (fetch would not let the test set `Host`). */
function raw(url, path, headers) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: u.port, path, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function rowsOf(file, sql, args = []) {
  const c = createClient({ url: `file:${file}` });
  try {
    return (await c.execute({ sql, args })).rows.map((r) => ({ ...r }));
  } finally {
    c.close();
  }
}

const launch = () =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });

const count = (page, table) => page.textContent(`#tables li[data-table="${table}"] .count`);
const cell = (page, rowid, column) => page.locator(`#grid tr[data-rowid="${rowid}"] td[data-column="${column}"]`);

async function openTable(page, name) {
  await page.click(`#tables li[data-table="${name}"] button`);
  await page.waitForSelector(`#grid-view h2:text-is("${name}")`);
  await page.waitForSelector("#grid tbody tr[data-rowid]");
}

async function editCell(page, rowid, column, value) {
  await cell(page, rowid, column).dblclick();
  const input = cell(page, rowid, column).locator(".editor");
  await input.fill(value);
  await input.press("Enter");
}

test("the database browser on the dev database, from the dev toolbar and from astro-db studio", { timeout: 600_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (scripts/test installs Debian's chromium)`);
  const ws = await workspace(ASTRO7);
  const site = exampleWithBigTable(ws);
  const dev = await site.dev(t, { timeout: 180_000 });
  await dev.waitFor(/Seeded database\./, { timeout: 180_000 });
  const dbFile = site.path(".astro/content.db");

  const browser = await launch();
  t.after(() => browser.close());
  const context = await browser.newContext({ acceptDownloads: true });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  page.on("dialog", (d) => d.accept());
  // The steps share one page: after a failure the rest would only time out, so they are skipped.
  let failed = false;
  const step = (name, body) =>
    t.test(name, { skip: failed && "an earlier step failed" }, async () => {
      try {
        await body();
      } catch (e) {
        failed = true;
        throw e;
      }
    });

  await step("the dev toolbar app opens the browser on the dev database", async () => {
    const site = await context.newPage();
    await site.goto(dev.url + "/");
    await site.locator('astro-dev-toolbar button.item[data-app-id="astro-db-studio"]').click();
    const link = site.locator("astro-dev-toolbar astro-dev-toolbar-app-canvas #astro-db-open");
    await link.waitFor({ state: "visible", timeout: 30_000 });
    const href = await link.getAttribute("href");
    assert.match(href, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    await page.goto(href);
    await page.waitForSelector("body[data-ready]");
    assert.equal(await count(page, "Comment"), "102");
    await site.close();
  });

  await step("lists the tables with their row counts", async () => {
    assert.equal(await count(page, "Author"), "2");
    assert.equal(await count(page, "Big"), "1,000,000");
    assert.equal(await page.textContent("#mode"), "read-write");
  });

  await step("pages through the 1M-row table: scrolling loads more, Last shows its end", async () => {
    await openTable(page, "Big");
    assert.equal(await page.locator("#grid tbody tr").count(), 100);
    await page.waitForFunction(() => document.querySelector("#row-count")?.textContent === "1,000,000 rows");
    await page.locator("#grid").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForSelector('#grid tr[data-rowid="150"]');
    await page.click("#last");
    await page.waitForSelector(`#grid tr[data-rowid="${BIG}"]`);
    assert.equal(await page.locator("#grid tbody tr").last().getAttribute("data-rowid"), String(BIG));
    assert.ok((await page.locator("#grid tbody tr").count()) <= 500, "never the whole table in the page");
    // Kinds: JSON pretty-printed, booleans as words, dates as dates.
    await page.click("#first");
    await page.waitForSelector('#grid tr[data-rowid="1"]');
    assert.equal(await cell(page, 1, "meta").locator("pre.json").textContent(), JSON.stringify({ i: 1, tags: ["a", "b"] }, null, 2));
    assert.equal(await cell(page, 1, "flag").textContent(), "true");
    assert.equal(await cell(page, 1, "at").locator("time").getAttribute("datetime"), "2024-01-01T00:00:00.000Z");
    assert.equal(await cell(page, 11, "meta").textContent(), "NULL");
  });

  await step("filters by column kind", async () => {
    await page.selectOption("#filter-column", "n");
    await page.selectOption("#filter-op", "gte");
    await page.fill("#filter-value", "998");
    await page.click("#filter-add");
    await page.waitForFunction(() => document.querySelector("#row-count")?.textContent === "2,000 rows");
    assert.equal(await page.locator("#grid tbody tr").first().getAttribute("data-rowid"), "998");
    await page.selectOption("#filter-column", "flag");
    await page.selectOption("#filter-op", "false");
    await page.click("#filter-add");
    await page.waitForFunction(() => document.querySelector("#row-count")?.textContent === "1,000 rows");
    assert.equal(await page.locator("#grid tbody tr").first().getAttribute("data-rowid"), "998");

    await openTable(page, "Comment");
    await page.selectOption("#filter-column", "body");
    await page.selectOption("#filter-op", "contains");
    await page.fill("#filter-value", "comment #42");
    await page.press("#filter-value", "Enter");
    await page.waitForFunction(() => document.querySelector("#row-count")?.textContent === "1 row");
    assert.match(await page.locator("#grid tbody tr").first().textContent(), /Seeded comment #42/);
  });

  await step("follows a reference to the referenced row and back", async () => {
    const authorId = await page.locator('#grid tbody tr td[data-column="authorId"]').first().innerText();
    await page.locator('#grid tbody tr td[data-column="authorId"] a.ref').first().click();
    await page.waitForSelector('#grid-view h2:text-is("Author")');
    await page.waitForFunction(() => document.querySelector("#row-count")?.textContent === "1 row");
    assert.equal(await page.locator('#grid tbody tr td[data-column="id"]').textContent(), authorId.replace(/\s*→$/, ""));
    await page.click("#back");
    // Back to the view that was left: the table with its filter.
    await page.waitForSelector('#grid-view h2:text-is("Comment")');
    await page.waitForSelector('#grid tr[data-rowid="44"]');
    assert.match(await page.textContent(".filters .chip"), /body contains comment #42/);
  });

  await step("edits a cell (the row is changed in the database file)", async () => {
    await openTable(page, "Comment");
    await editCell(page, 1, "body", "Edited in the studio");
    await page.waitForFunction(() => document.querySelector('#grid tr[data-rowid="1"] td[data-column="body"]')?.textContent === "Edited in the studio");
    assert.deepEqual(await rowsOf(dbFile, "SELECT body FROM Comment WHERE id = 1"), [{ body: "Edited in the studio" }]);
  });

  await step("shows a constraint error and a kind error next to the row; nothing changes", async () => {
    await editCell(page, 2, "authorId", "999");
    const status = page.locator('#grid tr[data-rowid="2"] td.status.error');
    await status.waitFor();
    assert.match(await status.textContent(), /SQLITE_CONSTRAINT_FOREIGNKEY/);
    await editCell(page, 3, "likes", "many");
    const status3 = page.locator('#grid tr[data-rowid="3"] td.status.error');
    await status3.waitFor();
    assert.match(await status3.textContent(), /likes: expects a number/);
    assert.deepEqual(await rowsOf(dbFile, "SELECT authorId, likes FROM Comment WHERE id IN (2, 3) ORDER BY id"), [
      { authorId: 2, likes: 3 },
      { authorId: 1, likes: 0 },
    ]);
  });

  await step("inserts and deletes a row", async () => {
    await openTable(page, "Author");
    await page.click("#add-row");
    await page.fill('tr.new td[data-column="name"] .editor', "Added in the studio");
    await page.click("#save-row");
    await page.waitForSelector('#grid td[data-column="name"]:text-is("Added in the studio")');
    const [added] = await rowsOf(dbFile, "SELECT id FROM Author WHERE name = 'Added in the studio'");
    assert.ok(added, "the row is in the database file");
    await page.check(`#grid tr[data-rowid="${added.id}"] td.select input`);
    await page.click("#delete-rows");
    await page.waitForSelector(`#grid tr[data-rowid="${added.id}"]`, { state: "detached" });
    assert.deepEqual(await rowsOf(dbFile, "SELECT count(*) AS n FROM Author"), [{ n: 2 }]);
    // A required column left empty is refused before SQLite, next to the new row.
    await page.click("#add-row");
    await page.click("#save-row");
    assert.match(await page.locator("tr.new td.status.error").textContent(), /name: is required/);
  });

  await step("runs a query in the console, shows an error with its code, keeps the history", async () => {
    await page.click("#tab-console");
    await page.fill("#sql", "SELECT count(*) AS n FROM Comment WHERE body LIKE 'Seeded%'");
    await page.click("#run");
    await page.waitForSelector("#console-result table");
    assert.equal(await page.textContent("#console-result tbody td"), "100");
    await page.fill("#sql", "SELECT nope FROM Comment");
    await page.click("#run");
    assert.match(await page.locator("#console-error").textContent(), /^SQLITE_ERROR: .*no such column: nope/);
    await page.waitForFunction(() => document.querySelectorAll("#history li").length >= 2);
    assert.match(await page.locator("#history li").first().textContent(), /SELECT nope FROM Comment/);
    const history = JSON.parse(readFileSync(site.path(".astro/studio-history.json"), "utf8"));
    assert.equal(history.local[1], "SELECT count(*) AS n FROM Comment WHERE body LIKE 'Seeded%'");
  });

  await step("exports a table and a query as CSV", async () => {
    await page.click("#tab-tables");
    await openTable(page, "Comment");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
    const csv = readFileSync(await download.path(), "utf8").trimEnd().split("\r\n");
    assert.equal(csv[0], "id,authorId,body,likes,published");
    assert.equal(csv.length, 103);
    assert.match(csv[1], /^1,\d,Edited in the studio,/);

    await page.click("#tab-console");
    await page.fill("#sql", "SELECT id, name FROM Author ORDER BY id");
    const [q] = await Promise.all([page.waitForEvent("download"), page.click("#export-query-csv")]);
    assert.equal(readFileSync(await q.path(), "utf8"), "id,name\r\n1,Kasim\r\n2,Mina\r\n");
  });

  await step("shows the schema and that the database matches db/config.ts", async () => {
    await page.click("#tab-schema");
    await page.waitForSelector("#schema-status");
    assert.equal(await page.textContent("#schema-status p"), "The database matches db/config.ts.");
    const authorId = page.locator('article[data-table="Comment"] tr', { hasText: "authorId" });
    assert.match(await authorId.textContent(), /number.*required.*Author\.id/);
    assert.match(await page.locator('article[data-table="Comment"] .indexes').textContent(), /Comment_authorId_idx/);
  });

  await step("the page reloads what it shows when the dev database is re-seeded", async () => {
    await page.click("#tab-tables");
    await openTable(page, "Comment");
    const mark = dev.output.length;
    site.write("db/seed.ts", site.read("db/seed.ts") + "\n// touched\n");
    await dev.waitFor(/Seeded database\./, { from: mark, timeout: 180_000 });
    await page.waitForFunction(() => document.querySelector('#grid tr[data-rowid="1"] td[data-column="body"]')?.textContent === "Hope you like Astro DB!", null, { timeout: 30_000 });
  });

  await step("astro-db studio: the same browser from the CLI; the gate refuses strangers", async () => {
    const { url } = await studio(t, site);
    const token = new URL(url).searchParams.get("token");
    const port = new URL(url).port;
    const p2 = await context.newPage();
    await p2.goto(url);
    await p2.waitForSelector("body[data-ready]");
    assert.equal(await count(p2, "Big"), "1,000,000");

    const ok = await raw(url, "/api/tables", { "x-astro-db-studio-token": token, host: `127.0.0.1:${port}` });
    assert.equal(ok.status, 200);
    const noToken = await raw(url, "/api/tables", { host: `127.0.0.1:${port}` });
    assert.equal(noToken.status, 401);
    assert.doesNotMatch(noToken.body, /tables/);
    const wrongToken = await raw(url, "/api/tables", { "x-astro-db-studio-token": token.slice(1) + "x", host: `127.0.0.1:${port}` });
    assert.equal(wrongToken.status, 401);
    const foreign = await raw(url, "/api/tables", { "x-astro-db-studio-token": token, host: `127.0.0.1:${port}`, origin: "http://evil.example" });
    assert.equal(foreign.status, 403);
    const rebound = await raw(url, "/api/tables", { "x-astro-db-studio-token": token, host: `evil.example:${port}` });
    assert.equal(rebound.status, 421);
    const page404 = await raw(url, "/", { host: `127.0.0.1:${port}` });
    assert.equal(page404.status, 401, "the page itself needs the token");
    // Another web site's page cannot read it, nor write through it, even knowing the URL.
    const sitePage = await context.newPage();
    await sitePage.route("http://evil.example/**", (r) => r.fulfill({ contentType: "text/html", body: "<!doctype html><title>evil</title>" }));
    await sitePage.goto("http://evil.example/");
    const fromSite = await sitePage.evaluate(async (u) => {
      try {
        const r = await fetch(u.replace("/?token=", "/api/tables?token="));
        return `status ${r.status}`;
      } catch (e) {
        return `blocked: ${e.message}`;
      }
    }, url);
    assert.match(fromSite, /blocked|status 403/);
    const post = await sitePage.evaluate(async (u) => {
      const r = await fetch(u.replace("/?token=", "/api/update?token="), { method: "POST", mode: "no-cors", body: "{}" }).catch(() => null);
      return r ? r.type : "failed";
    }, url);
    assert.ok(post === "opaque" || post === "failed");
    assert.deepEqual(await rowsOf(dbFile, "SELECT count(*) AS n FROM Author"), [{ n: 2 }]);
    await p2.close();
    await sitePage.close();
  });

  await step("--remote against astro-db serve: read-only without --write, edits with it", async () => {
    const copy = site.path(".astro/remote-copy.db");
    rmSync(copy, { force: true });
    await rowsOf(dbFile, `VACUUM INTO '${copy.replace(/'/g, "''")}'`);
    const port = await freePort();
    const serve = start(process.execPath, [site.ws.dbBin, "serve", "--db", copy, "--port", String(port)], { cwd: site.root });
    t.after(() => serve.stop());
    await serve.waitFor(/127\.0\.0\.1/, { timeout: 30_000 });
    const env = { ASTRO_DB_REMOTE_URL: `http://127.0.0.1:${port}` };

    const ro = await studio(t, site, ["--remote"], env);
    const p = await context.newPage();
    await p.goto(ro.url);
    await p.waitForSelector("body[data-ready]");
    assert.equal(await p.textContent("#mode"), "read-only");
    assert.equal(await count(p, "Comment"), "102");
    assert.equal(await p.locator("#add-row").count(), 0);
    await openTable(p, "Comment");
    await cell(p, 1, "body").dblclick();
    assert.equal(await cell(p, 1, "body").locator(".editor").count(), 0, "no editor on a read-only database");
    const refused = await p.evaluate(async () => {
      const token = new URLSearchParams(location.search).get("token");
      const r = await fetch("/api/update", {
        method: "POST",
        headers: { "content-type": "application/json", "x-astro-db-studio-token": token },
        body: JSON.stringify({ table: "Comment", rowid: 1, column: "body", value: "sneaked in" }),
      });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "ASTRO_DB_READ_ONLY");
    await p.click("#tab-console");
    await p.fill("#sql", "DELETE FROM Comment");
    await p.click("#run");
    await p.locator("#console-error").waitFor();
    await p.fill("#sql", "SELECT count(*) FROM Comment");
    await p.click("#run");
    await p.waitForSelector("#console-result table");
    assert.equal(await p.textContent("#console-result tbody td"), "102");
    assert.equal((await rowsOf(copy, "SELECT body FROM Comment WHERE id = 1"))[0].body, "Hope you like Astro DB!");
    await p.close();

    const rw = await studio(t, site, ["--remote", "--write"], env);
    const w = await context.newPage();
    await w.goto(rw.url);
    await w.waitForSelector("body[data-ready]");
    assert.equal(await w.textContent("#mode"), "read-write");
    await openTable(w, "Comment");
    await editCell(w, 1, "body", "Edited on the remote");
    await w.waitForFunction(() => document.querySelector('#grid tr[data-rowid="1"] td[data-column="body"]')?.textContent === "Edited on the remote");
    assert.equal((await rowsOf(copy, "SELECT body FROM Comment WHERE id = 1"))[0].body, "Edited on the remote");
    await w.close();
  });
});
