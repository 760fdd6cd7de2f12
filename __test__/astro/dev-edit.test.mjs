// Editing the database config while `astro dev` runs (Astro 7): an added column works after
// the restart and the types are regenerated; an invalid config shows the validator's
// path-addressed errors without crashing, and fixing it recovers. Also: invalid config in
// `astro build`, and a config file that imports another file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { ASTRO7, fixture, workspace } from "./harness.mjs";

const MOOD_PAGE = `---
import { Comment, db, asc } from "astro:db";
const rows = await db.select({ body: Comment.body, mood: Comment.mood }).from(Comment).orderBy(asc(Comment._id));
---
<ul>{rows.map((r) => <li class="mood">{r.body}={r.mood}</li>)}</ul>
`;

const INVALID = (config) =>
  config.replace("id: column.number({ primaryKey: true }),", "id: column.number({ primaryKey: true, optional: true }),");

test("config edits while dev runs: new column, invalid config, recovery", { timeout: 240_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "dev-edit" });
  const original = p.read("db/config.ts");
  const dev = await p.dev(t);
  await dev.waitFor(/Seeded database\./);
  assert.doesNotMatch(p.read(".astro/integrations/astro_db/db.d.ts"), /mood/);

  // Add a column (with a default, so the seed still works) and a page that uses it.
  let mark = dev.output.length;
  p.write("src/pages/mood.astro", MOOD_PAGE);
  p.write("db/config.ts", original.replace("approved: column.boolean({ default: false }),", 'approved: column.boolean({ default: false }),\n    mood: column.text({ default: "happy" }),'));
  await dev.waitFor(/Seeded database\./, { from: mark, timeout: 60_000 });
  const moods = await dev.poll("/mood", (r) => r.status === 200 && /class="mood"/.test(r.text));
  assert.match(moods.text, /<li class="mood">Hope you like Astro DB!=happy<\/li>/);
  assert.match(moods.text, /<li class="mood">Enjoy!=happy<\/li>/);
  assert.match(p.read(".astro/integrations/astro_db/db.d.ts"), /mood/);

  // An invalid config: the validator's path, the server keeps running.
  await sleep(300);
  mark = dev.output.length;
  p.write("db/config.ts", INVALID(p.read("db/config.ts")));
  const err = await dev.waitFor(/tables\.Author\.columns\.id[^\n]*/, { from: mark, timeout: 60_000 });
  assert.match(err[0], /primary key|primaryKey/i);
  await sleep(1000);
  assert.equal(dev.proc.child.exitCode, null, `dev exited:\n${dev.output.slice(mark)}`);
  assert.doesNotMatch(dev.output.slice(mark), /TypeError|Cannot read prop|panicked/);

  // Fixing it brings the database and the pages back.
  await sleep(300);
  mark = dev.output.length;
  p.write("db/config.ts", original);
  await dev.waitFor(/Seeded database\./, { from: mark, timeout: 60_000 });
  const page = await dev.poll("/", (r) => r.status === 200 && /class="comment"/.test(r.text));
  assert.match(page.text, /Mina: Enjoy!/);
  assert.doesNotMatch(p.read(".astro/integrations/astro_db/db.d.ts"), /mood/);
});

test("a file imported by the config: editing it restarts and re-seeds", { timeout: 180_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "dev-edit-import" });
  p.write("db/author-columns.ts", `import { column } from "astro:db";\nexport const authorColumns = { id: column.number({ primaryKey: true }), name: column.text() };\n`);
  p.write(
    "db/config.ts",
    p.read("db/config.ts").replace(/columns: \{\n    id: column\.number\(\{ primaryKey: true \}\),\n    name: column\.text\(\),\n  \}/, "columns: authorColumns"),
  );
  p.write("db/config.ts", `import { authorColumns } from "./author-columns.ts";\n` + p.read("db/config.ts"));
  p.write("src/pages/handle.astro", `---\nimport { Author, db } from "astro:db";\nconst rows = await db.select().from(Author);\n---\n<p>{rows.map((r) => JSON.stringify(r)).join("|")}</p>\n`);
  const dev = await p.dev(t);
  await dev.waitFor(/Seeded database\./);
  assert.match((await dev.fetch("/handle")).text, /(&quot;|")name(&quot;|"):(&quot;|")Kasim/);

  const mark = dev.output.length;
  p.write("db/author-columns.ts", `import { column } from "astro:db";\nexport const authorColumns = { id: column.number({ primaryKey: true }), name: column.text(), handle: column.text({ default: "anon" }) };\n`);
  await dev.waitFor(/Seeded database\./, { from: mark, timeout: 60_000 });
  const page = await dev.poll("/handle", (r) => r.status === 200 && /handle/.test(r.text));
  assert.match(page.text, /&quot;handle&quot;:&quot;anon&quot;|"handle":"anon"/);
});

test("invalid config: build stops with the validator's path-addressed errors", { timeout: 120_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "invalid-config" });
  p.write("db/config.ts", INVALID(p.read("db/config.ts")).replace('body: column.text(),', 'body: column.text({ default: 3 as any }),'));
  const r = await p.build({ expectFailure: true });
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /Invalid database config/);
  assert.match(r.output, /tables\.Author\.columns\.id/);
  assert.match(r.output, /tables\.Comment\.columns\.body/);
  assert.doesNotMatch(r.output, /TypeError|Cannot read prop|panicked/);
});

test("invalid config at dev start: a clear error, no crash", { timeout: 120_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "invalid-config-dev" });
  p.write("db/config.ts", INVALID(p.read("db/config.ts")));
  const r = await p.astro(["dev", "--port", "0"], { timeout: 60_000 });
  assert.match(r.output, /tables\.Author\.columns\.id/);
  assert.doesNotMatch(r.output, /TypeError|Cannot read prop|panicked/);
});
