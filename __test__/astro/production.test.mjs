// The local production file on Astro 7: `output: 'server'` with the node adapter needs
// ASTRO_DATABASE_FILE (environment or .env); the built server uses that file; a rebuild
// never drops tables that hold data. Also: a foreign key violation in an endpoint is
// surfaced through getDbError / isDbError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ASTRO7, count, fixture, workspace } from "./harness.mjs";

const LAYERS = ["basics", "production"];

async function openDb(ws, file) {
  const { createClient } = await import(pathToFileURL(join(ws.dir, "node_modules/@astrojs/db/dist/client/index.js")).href);
  return createClient({ url: pathToFileURL(file).href });
}

async function rows(ws, file, sql) {
  const c = await openDb(ws, file);
  try {
    return (await c.execute(sql)).rows.map((r) => ({ ...r }));
  } finally {
    c.close();
  }
}

async function postComment(server, authorId, body) {
  return server.json("/api/comments", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ authorId, body }),
  });
}

test("server build without ASTRO_DATABASE_FILE stops with the clear error", { timeout: 120_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, LAYERS, { as: "prod-missing" });
  const r = await p.build({ expectFailure: true });
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /ASTRO_DATABASE_FILE/);
  assert.match(r.output, /--remote/);
  assert.doesNotMatch(r.output, /TypeError|Invalid URL/);
});

test("ASTRO_DATABASE_FILE from the environment: the server uses it, rebuilds keep data", { timeout: 300_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, LAYERS, { as: "prod-env" });
  const dbFile = p.path("data/prod.db");
  const env = { ASTRO_DATABASE_FILE: dbFile };

  const first = await p.build({ env });
  assert.ok(existsSync(dbFile), "the build created the database file");
  assert.equal(count(first.output, /\[fixture\] seed ran/g), 1, "an empty file is seeded");

  // The built server (no env: the build-time file) reads and writes that file.
  let server = await p.serve(t);
  const listed = await server.json("/api/comments");
  assert.equal(listed.status, 200, listed.text);
  assert.deepEqual(listed.body.map((r) => r.body), ["Hope you like Astro DB!", "Enjoy!"]);
  const created = await postComment(server, 2, "from the running server");
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.inserted.body, "from the running server");

  // Foreign key violation through getDbError / isDbError.
  const fk = await postComment(server, 999, "orphan");
  assert.equal(fk.status, 409, fk.text);
  assert.equal(fk.body.isDbError, true);
  assert.match(fk.body.code, /^SQLITE_CONSTRAINT/);
  assert.match(fk.body.message, /FOREIGN KEY constraint failed/);
  await server.stop();

  // Written where the server said: the file itself.
  assert.deepEqual(
    (await rows(ws, dbFile, "SELECT body FROM Comment ORDER BY _id")).map((r) => r.body),
    ["Hope you like Astro DB!", "Enjoy!", "from the running server"],
  );
  // A row written directly into the file.
  const c = await openDb(ws, dbFile);
  await c.execute({ sql: "INSERT INTO Comment (authorId, body, published, approved) VALUES (1, 'direct', '2024-01-01T00:00:00.000Z', 0)", args: [] });
  c.close();

  // Rebuild: nothing dropped, the seed does not run again on a database that holds data.
  const second = await p.build({ env });
  assert.equal(count(second.output, /\[fixture\] seed ran/g), 0, second.output);
  const bodies = ["Hope you like Astro DB!", "Enjoy!", "from the running server", "direct"];
  assert.deepEqual((await rows(ws, dbFile, "SELECT body FROM Comment ORDER BY _id")).map((r) => r.body), bodies);

  // A rebuild with an added column migrates the file and keeps the rows.
  p.write("db/config.ts", p.read("db/config.ts").replace("approved: column.boolean({ default: false }),", "approved: column.boolean({ default: false }),\n    mood: column.text({ optional: true }),"));
  await p.build({ env });
  const after = await rows(ws, dbFile, "SELECT body, mood FROM Comment ORDER BY _id");
  assert.deepEqual(after.map((r) => r.body), bodies);
  assert.ok(after.every((r) => r.mood === null));

  // The rebuilt server, pointed at the file by the environment, still serves everything.
  server = await p.serve(t, { env });
  assert.deepEqual((await server.json("/api/comments")).body.map((r) => r.body), bodies);
  await server.stop();

  // At run time, ASTRO_DATABASE_FILE points the same build at another file.
  copyFileSync(dbFile, p.path("data/other.db"));
  server = await p.serve(t, { env: { ASTRO_DATABASE_FILE: p.path("data/other.db") } });
  assert.equal((await postComment(server, 1, "only in other.db")).status, 201);
  await server.stop();
  assert.equal((await rows(ws, p.path("data/other.db"), "SELECT count(*) AS n FROM Comment"))[0].n, 5);
  assert.equal((await rows(ws, dbFile, "SELECT count(*) AS n FROM Comment"))[0].n, 4);

  // Removing a table that holds data: the build stops, and the file keeps table and rows.
  p.write("db/config.ts", p.read("db/config.ts").replace("tables: { Author, Comment }", "tables: { Author }"));
  p.write("src/pages/api/comments.ts", "export const GET = () => new Response('gone');\n");
  p.remove("src/pages/api/comments.json.ts");
  p.remove("src/pages/api/counts.json.ts");
  p.remove("src/pages/api/exports.json.ts");
  p.write("src/pages/index.astro", "<p>no comments</p>\n");
  const dropped = await p.build({ env, expectFailure: true });
  assert.notEqual(dropped.code, 0, dropped.output);
  assert.match(dropped.output, /Comment/);
  assert.match(dropped.output, /ASTRO_DATABASE_FILE|prod\.db/);
  assert.doesNotMatch(dropped.output, /TypeError|panicked/);
  assert.deepEqual((await rows(ws, dbFile, "SELECT body FROM Comment ORDER BY _id")).map((r) => r.body), bodies);
});

test("ASTRO_DATABASE_FILE from .env (relative path)", { timeout: 180_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, LAYERS, { as: "prod-dotenv", files: { ".env": "ASTRO_DATABASE_FILE=./from-dotenv.db\n" } });
  const r = await p.build();
  assert.equal(count(r.output, /\[fixture\] seed ran/g), 1, r.output);
  assert.ok(p.exists("from-dotenv.db"), "the file named in .env was created");
  assert.equal((await rows(ws, p.path("from-dotenv.db"), "SELECT count(*) AS n FROM Comment"))[0].n, 2);

  const server = await p.serve(t);
  assert.equal((await postComment(server, 1, "via .env")).status, 201);
  await server.stop();
  assert.equal((await rows(ws, p.path("from-dotenv.db"), "SELECT count(*) AS n FROM Comment"))[0].n, 3);
});

test("a relative ASTRO_DATABASE_FILE is taken from the project root, not the working directory", { timeout: 180_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, LAYERS, { as: "prod-root", files: { ".env": "ASTRO_DATABASE_FILE=data/rel.db\n" } });
  const elsewhere = join(p.root, "..");
  const r = await p.astro(["build", "--root", p.root], { cwd: elsewhere });
  assert.equal(r.code, 0, r.output);
  assert.ok(p.exists("data/rel.db"), "the file is in the project");
  assert.ok(!existsSync(join(elsewhere, "data/rel.db")), "not in the working directory");
  assert.equal((await rows(ws, p.path("data/rel.db"), "SELECT count(*) AS n FROM Comment"))[0].n, 2);
});

test("dev with output: 'server': endpoint surfaces a foreign key violation via getDbError", { timeout: 120_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, LAYERS, { as: "prod-dev" });
  const dev = await p.dev(t);
  await dev.waitFor(/Seeded database\./);
  const fk = await postComment(dev, 999, "orphan");
  assert.equal(fk.status, 409, fk.text);
  assert.equal(fk.body.isDbError, true);
  assert.match(fk.body.code, /^SQLITE_CONSTRAINT/);
  const ok = await postComment(dev, 1, "fine");
  assert.equal(ok.status, 201, ok.text);
  assert.ok(p.exists(".astro/content.db"));
});
