// The bin resolves the Astro config itself: `root` and integrations' `astro:db:setup` tables
// count for push; ws: URLs reach serve; Astro 6's `cli()` passes its resolved config.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serve } from "../dist/server/index.js";
import { project } from "./cli.project.mjs";

test("astro.config.mjs: integration tables and a custom root are pushed; ws: works", async (t) => {
  const p = project(t);
  mkdirSync(join(p.dir, "site/db"), { recursive: true });
  mkdirSync(join(p.dir, "integration"));
  writeFileSync(
    join(p.dir, "site/db/config.ts"),
    "import { defineDb, defineTable, column } from 'astro:db';\nexport default defineDb({ tables: { Own: defineTable({ columns: { id: column.number({ primaryKey: true }) } }) } });\n",
  );
  writeFileSync(
    join(p.dir, "integration/config.ts"),
    "import { defineDb, defineTable, column } from 'astro:db';\nexport default defineDb({ tables: { Extra: defineTable({ columns: { x: column.text() } }) } });\n",
  );
  p.write(
    "astro.config.mjs",
    `export default {
  root: "./site",
  integrations: [[{ name: "extra", hooks: { "astro:db:setup": ({ extendDb }) => extendDb({ configEntrypoint: new URL("./integration/config.ts", import.meta.url) }) } }]],
};\n`,
  );
  const server = await serve({ db: join(p.dir, "served.db"), port: 0, log: () => {}, handleSignals: false });
  t.after(() => server.close());
  const env = { ASTRO_DB_REMOTE_URL: server.url.replace(/^http/, "ws") };
  const r = await p.run(["push"], env);
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /Pushed 2 statements/);
  const tables = await p.run(["shell", "--remote", "--json", "--query", "SELECT name FROM sqlite_master WHERE name IN ('Own', 'Extra') ORDER BY name"], env);
  assert.deepEqual(JSON.parse(tables.stdout), [{ name: "Extra" }, { name: "Own" }]);
});

test("tables without a snapshot: push explains, --force-reset --yes replaces them", async (t) => {
  const p = project(t, { User: "{ id: column.number({ primaryKey: true }) }" });
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  await p.run(["shell", "--remote", "--query", "CREATE TABLE User (id INTEGER)"], env);
  let r = await p.run(["push"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /no schema snapshot that describes them/);
  r = await p.run(["push", "--force-reset", "--yes"], env);
  assert.equal(r.code, 0, r.all);
  assert.match((await p.run(["verify"], env)).stdout, /^MATCH$/m);
});

test("--root and --config choose the project; Astro's global flags are accepted", async (t) => {
  const p = project(t);
  mkdirSync(join(p.dir, "inner/db"), { recursive: true });
  writeFileSync(
    join(p.dir, "inner/db/config.ts"),
    "import { defineDb, defineTable, column } from 'astro:db';\nexport default defineDb({ tables: { Inner: defineTable({ columns: { id: column.number({ primaryKey: true }) } }) } });\n",
  );
  const env = { ASTRO_DB_REMOTE_URL: "memory:" };
  let r = await p.run(["push", "--dry-run", "--root", "inner", "--verbose"], env);
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /CREATE TABLE "Inner"/);
  writeFileSync(join(p.dir, "other.config.mjs"), "export default { root: './inner' };\n");
  r = await p.run(["push", "--dry-run", "--config", "other.config.mjs"], env);
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /CREATE TABLE "Inner"/);
  r = await p.run(["push", "--config", "nope.mjs"], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--config: nope\.mjs does not exist/);
});
