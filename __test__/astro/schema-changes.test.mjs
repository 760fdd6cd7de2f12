// Schema changes that keep data through real Astro projects: `astro db push` on Astro 6 (flags
// parsed by Astro, repeated ones arriving as arrays) and `astro-db push` on Astro 7, against a
// libSQL server (`serve` on loopback); and an `ASTRO_DATABASE_FILE` build applying a declared
// rename without losing rows.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ASTRO6, ASTRO7, fixture, run, workspace } from "./harness.mjs";
import { serve } from "../../dist/server/index.js";
import { createClient } from "../../dist/client/index.js";

const tmp = mkdtempSync(join(tmpdir(), "astro-db-schema-changes-"));
const servers = [];
after(async () => {
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function server() {
  const srv = await serve({ db: join(tmp, `db-${servers.length}.db`), port: 0, log: () => {}, handleSignals: false });
  servers.push(srv);
  return srv;
}

const config = (columns, table = "Item", extra = "") =>
  `import { column, defineDb, defineTable } from "astro:db";\nconst ${table} = defineTable({ ${extra}columns: { id: column.number({ primaryKey: true }), ${columns} } });\nexport default defineDb({ tables: { ${table} } });\n`;

test("Astro 6: astro db push refuses a guessed rename naming the flag, applies --rename and repeated --accept-data-loss", { timeout: 900_000 }, async () => {
  const ws = await workspace(ASTRO6);
  const p = fixture(ws, "remote", { as: "schema-changes-6", files: { "db/config.ts": config("name: column.text(), a: column.text(), b: column.text()") } });
  const srv = await server();
  const env = { ASTRO_DB_REMOTE_URL: srv.url };
  let r = await p.astro(["db", "push"], { env });
  assert.equal(r.code, 0, r.output);
  const client = createClient({ url: srv.url });
  await client.execute("INSERT INTO Item VALUES (1, 'kept', 'x', 'y')");
  p.write("db/config.ts", config("title: column.text(), a: column.text(), b: column.text()"));
  r = await p.astro(["db", "push"], { env });
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /--rename Item\.name=title/);
  r = await p.astro(["db", "push", "--rename", "Item.name=title"], { env });
  assert.equal(r.code, 0, r.output);
  assert.deepEqual((await client.execute("SELECT title FROM Item")).rows.map((x) => x.title), ["kept"]);
  p.write("db/config.ts", config("title: column.text()"));
  r = await p.astro(["db", "push", "--accept-data-loss", "Item.a", "--accept-data-loss", "Item.b"], { env });
  assert.equal(r.code, 0, r.output);
  assert.deepEqual((await client.execute("SELECT * FROM Item")).rows.map((x) => ({ ...x })), [{ id: 1, title: "kept" }]);
  client.close();
});

test("Astro 7: astro-db push applies a declared table rename; an ASTRO_DATABASE_FILE build applies a declared column rename", { timeout: 900_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "remote", { as: "schema-changes-7", files: { "db/config.ts": config("name: column.text()") } });
  const srv = await server();
  const env = { ASTRO_DB_REMOTE_URL: srv.url };
  let r = await run(process.execPath, [ws.dbBin, "push"], { cwd: p.root, env });
  assert.equal(r.code, 0, r.output);
  const client = createClient({ url: srv.url });
  await client.execute("INSERT INTO Item VALUES (1, 'kept')");
  p.write("db/config.ts", config("name: column.text()", "Thing", 'renamedFrom: "Item", '));
  r = await run(process.execPath, [ws.dbBin, "push", "--dry-run"], { cwd: p.root, env });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /ALTER TABLE "Item" RENAME TO "Thing";/);
  r = await run(process.execPath, [ws.dbBin, "push"], { cwd: p.root, env });
  assert.equal(r.code, 0, r.output);
  assert.deepEqual((await client.execute("SELECT name FROM Thing")).rows.map((x) => x.name), ["kept"]);
  client.close();

  // A production file: the build migrates it like a push, applying the declared rename.
  const file = join(tmp, "prod.db");
  const local = createClient({ url: `file:${file}` });
  await local.execute('CREATE TABLE "Thing" ("id" integer PRIMARY KEY, "name" text NOT NULL)');
  await local.execute("INSERT INTO Thing VALUES (1, 'kept')");
  local.close();
  p.write("db/config.ts", config('label: column.text({ renamedFrom: "name" })', "Thing"));
  p.write("db/seed.ts", "export default async function () {}\n");
  // The fixture's pages read table Item, renamed above.
  p.remove("src/pages");
  p.write("src/pages/index.astro", "<p>ok</p>\n");
  const built = await p.build({ env: { ASTRO_DATABASE_FILE: file, FIXTURE_OUTPUT: "server" } });
  assert.doesNotMatch(built.output, /DATA_LOSS/);
  const after = createClient({ url: `file:${file}` });
  assert.deepEqual((await after.execute("SELECT label FROM Thing")).rows.map((x) => x.label), ["kept"]);
  after.close();
});
