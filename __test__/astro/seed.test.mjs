// Seeding on Astro 7: a project without a seed, and a failing seed in dev (the log names the
// file and the cause, the database is left empty but valid, fixing the file recovers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ASTRO7, fixture, workspace } from "./harness.mjs";

const GOOD_SEED = readFileSync(new URL("../fixtures/basics/db/seed.ts", import.meta.url), "utf8");

const THROWING_SEED = `import { Author, db } from "astro:db";
export default async function seed() {
  await db.insert(Author).values([{ id: 1, name: "Kasim" }]);
  throw new Error("boom from the seed");
}
`;

const FK_SEED = `import { Author, Comment, db } from "astro:db";
export default async function seed() {
  await db.insert(Author).values([{ id: 1, name: "Kasim" }]);
  await db.insert(Comment).values([{ authorId: 1, body: "fine" }, { authorId: 99, body: "orphan" }]);
}
`;

// Line 5 inserts two comments; the second has no body (NOT NULL) and a long value, shortened.
const NOT_NULL_SEED = `import { Author, Comment, db } from "astro:db";
const long = "x".repeat(500);
export default async function seed() {
  await db.insert(Author).values([{ id: 1, name: "Kasim" }]);
  await db.insert(Comment).values([{ authorId: 1, body: "fine" }, { authorId: 1, body: null, meta: { note: long } }]);
}
`;

test("no seed: dev creates the tables, nothing seeded; build works", { timeout: 240_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "no-seed" });
  p.remove("db/seed.ts");
  const dev = await p.dev(t);
  await dev.waitFor(/New local database created\./);
  assert.deepEqual((await dev.json("/api/counts.json")).body, { authors: 0, comments: 0 });
  const page = await dev.fetch("/");
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /class="comment"/);
  assert.doesNotMatch(dev.output, /Seeded database|Failed to seed/);
  await dev.stop();
  assert.ok(!p.exists("db/seed.ts"), "no seed file is scaffolded when db/ exists");

  const { output } = await p.build();
  assert.doesNotMatch(output, /Seeded database/);
  assert.deepEqual(JSON.parse(p.read("dist/api/counts.json")), { authors: 0, comments: 0 });
});

test("seed failure in dev: clear log, empty-but-valid database, recovery when fixed", { timeout: 240_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "seed-failure", files: { "db/seed.ts": THROWING_SEED } });
  const dev = await p.dev(t);
  const failed = await dev.waitFor(/Failed to seed[^\n]*\n[^\n]*/);
  assert.match(failed[0], /db\/seed\.ts/);
  assert.match(failed[0], /boom from the seed/);
  // The server stays up; tables exist and hold no rows (the author insert was rolled back).
  assert.deepEqual((await dev.json("/api/counts.json")).body, { authors: 0, comments: 0 });
  assert.equal((await dev.fetch("/")).status, 200);

  // A constraint violation: the statement's error and the hint.
  // (Vite's watcher drops a second change to a file within 50 ms: pause between edits.)
  await sleep(300);
  let mark = dev.output.length;
  p.write("db/seed.ts", FK_SEED);
  const fk = await dev.waitFor(/Failed to seed[\s\S]*?Hint:[^\n]*/, { from: mark });
  // The file and line of the insert, the database's error, the table and the row at fault,
  // and the hint for this kind of constraint.
  assert.match(fk[0], /Failed to seed the database with db\/seed\.ts:4:\n/);
  assert.match(fk[0], /SQLITE_CONSTRAINT: FOREIGN KEY constraint failed\n/);
  assert.match(fk[0], /table Comment, row 1 of values\(\) \(2 rows\): \{ authorId: 99, body: "orphan" \}\n/);
  assert.match(fk[0], /Hint: A reference points at a row that does not exist: insert the referenced rows first/);
  assert.deepEqual((await dev.json("/api/counts.json")).body, { authors: 0, comments: 0 });

  // Fixing the file re-seeds while dev runs.
  await sleep(300);
  mark = dev.output.length;
  p.write("db/seed.ts", GOOD_SEED);
  await dev.waitFor(/Seeded database\./, { from: mark });
  await dev.poll("/api/counts.json", (r) => r.text === JSON.stringify({ authors: 2, comments: 2 }));
  const page = await dev.fetch("/");
  assert.match(page.text, /Kasim: Hope you like Astro DB!/);
});

test("seed failure in build: the build stops with the seed file and the cause", { timeout: 120_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "seed-failure-build", files: { "db/seed.ts": THROWING_SEED } });
  const r = await p.build({ expectFailure: true });
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /db\/seed\.ts:4/, "the line that threw");
  assert.match(r.output, /boom from the seed/);

  p.write("db/seed.ts", NOT_NULL_SEED);
  const nn = await p.build({ expectFailure: true });
  assert.notEqual(nn.code, 0, nn.output);
  assert.match(nn.output, /Failed to seed the database with db\/seed\.ts:5:/);
  assert.match(nn.output, /NOT NULL constraint failed: Comment\.body/);
  assert.match(nn.output, /table Comment, row 1 of values\(\) \(2 rows\): \{ authorId: 1, body: null, meta: \{"note":"x+… \}/);
  assert.match(nn.output, /A required column got no value/);
  assert.doesNotMatch(nn.output, /x{61}/, "long values are shortened");
});

test("a seed's imported file is watched; a project without db/ gets a scaffold in dev", { timeout: 180_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", {
    as: "seed-import",
    files: {
      "db/authors.ts": 'export const authors = [{ id: 1, name: "Kasim" }];\n',
      "db/seed.ts": `import { Author, db } from "astro:db";
import { authors } from "./authors.ts";
export default async function seed() {
  await db.insert(Author).values(authors);
}
`,
    },
  });
  const dev = await p.dev(t);
  await dev.waitFor(/Seeded database\./);
  assert.deepEqual((await dev.json("/api/counts.json")).body, { authors: 1, comments: 0 });
  const mark = dev.output.length;
  p.write("db/authors.ts", 'export const authors = [{ id: 1, name: "Kasim" }, { id: 2, name: "Mina" }, { id: 3, name: "Ola" }];\n');
  await dev.waitFor(/Seeded database\./, { from: mark });
  await dev.poll("/api/counts.json", (r) => r.text === JSON.stringify({ authors: 3, comments: 0 }));
  await dev.stop();

  const bare = fixture(ws, "basics", { as: "scaffold" });
  bare.remove("db");
  bare.remove("src/pages");
  bare.write("src/pages/index.astro", `---\nimport { Comment, db } from "astro:db";\nconst rows = await db.select().from(Comment);\n---\n<p>{rows.map((r) => r.body).join("|")}</p>\n`);
  const dev2 = await bare.dev(t);
  await dev2.waitFor(/Seeded database\./);
  assert.ok(bare.exists("db/config.ts") && bare.exists("db/seed.ts"));
  assert.match((await dev2.fetch("/")).text, /Welcome to Astro DB!/);
});

test("a seed reads import.meta.env, but the app token never lands in the bundle written to disk", { timeout: 180_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const token = "seed-secret-token-5f0c2a";
  const p = fixture(ws, "basics", {
    as: "seed-env",
    files: {
      "db/seed.ts": `import { readFileSync } from "node:fs";
import { Author, Comment, db } from "astro:db";
// This module is imported from the scratch file the seed was bundled into (removed once imported).
const bundle = readFileSync(new URL(import.meta.url), "utf8");
export default async function seed() {
  if (!bundle.includes("token seen")) throw new Error("not the bundle: " + import.meta.url);
  const token = process.env.ASTRO_DB_APP_TOKEN;
  if (!token || bundle.includes(token)) throw new Error("the token was inlined into " + import.meta.url);
  await db.insert(Author).values([{ id: 1, name: import.meta.env.ASTRO_DB_APP_TOKEN === token ? "token seen" : "token missing" }]);
  await db.insert(Comment).values([{ authorId: 1, body: "hello" }]);
}
`,
    },
  });
  const { output } = await p.build({ env: { ASTRO_DB_APP_TOKEN: token } });
  assert.match(output, /Seeded database\./);
  assert.match(p.read("dist/index.html"), /token seen: hello/);
  assert.doesNotMatch(output, new RegExp(token));
});

test("db/seed.sql runs before db/seed.ts in the same transaction; its failure names the file", { timeout: 240_000 }, async () => {
  const ws = await workspace(ASTRO7);
  // The SQL seed's Author 3 is referenced by nothing in seed.ts: both seeds' rows land.
  const sql = "-- pulled\nINSERT INTO \"Author\" VALUES(3,'From ''SQL''');\n";
  const p = fixture(ws, "basics", { as: "seed-sql", files: { "db/seed.sql": sql } });
  const { output } = await p.build();
  assert.match(output, /Seeded database/);
  assert.deepEqual(JSON.parse(p.read("dist/api/counts.json")), { authors: 3, comments: 2 });

  // A failing SQL seed: the build stops naming db/seed.sql and the database error.
  p.write("db/seed.sql", sql + "INSERT INTO Nope VALUES (1);\n");
  const r = await p.build({ expectFailure: true });
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /db\/seed\.sql/);
  assert.match(r.output, /no such table: Nope/);
});
