// `push --force-reset` on a terminal asks first (through `script`, which gives the bin a pty),
// and Astro 6's `astro db <cmd>` entry point `cli({ flags, config })` uses Astro's config.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { callCli, hasScript, onTerminal, project } from "./cli.project.mjs";

test("--force-reset on a terminal: 'no' cancels, 'yes' resets", { skip: !hasScript && "no `script` here", timeout: 60_000 }, async (t) => {
  const p = project(t, { User: "{ id: column.number({ primaryKey: true }) }" });
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  assert.equal((await p.run(["push"], env)).code, 0);
  await p.run(["shell", "--remote", "--query", "INSERT INTO User VALUES (1)"], env);
  const count = async () => JSON.parse((await p.run(["shell", "--remote", "--json", "--query", "SELECT count(*) AS n FROM User"], env)).stdout)[0].n;
  let r = await onTerminal(p.dir, ["push", "--force-reset"], env, { 'Type "yes"': "no" });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /Reset cancelled: nothing was changed\./);
  assert.equal(await count(), 1);
  r = await onTerminal(p.dir, ["push", "--force-reset"], env, { 'Type "yes"': "yes" });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /\(reset\)/);
  assert.equal(await count(), 0);
});

test("Astro 6: cli({ flags, config }) runs the command on Astro's resolved config", { timeout: 60_000 }, async (t) => {
  const p = project(t);
  // A project whose db/ lives under the root Astro resolved, run from elsewhere.
  p.write("astro.config.mjs", "export default {};\n");
  mkdirSync(join(p.dir, "app/db"), { recursive: true });
  writeFileSync(
    join(p.dir, "app/db/config.ts"),
    "import { defineDb, defineTable, column } from 'astro:db';\nexport default defineDb({ tables: { Thing: defineTable({ columns: { id: column.number({ primaryKey: true }) } }) } });\n",
  );
  // yargs gives dashed flags twice; the positionals start with node and the astro bin.
  const r = callCli(p, { _: ["/usr/bin/node", "/x/astro.mjs", "db", "push"], "dry-run": true, dryRun: true }, { root: join(p.dir, "app"), env: { ASTRO_DB_REMOTE_URL: "memory:" } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /CREATE TABLE "Thing"/);
  assert.match(r.stdout, /Dry run: nothing was changed\./);
});

test("Astro 6: cli() takes positionals and flags from its argument, and a failing command exits non-zero", { timeout: 90_000 }, async (t) => {
  const p = project(t, { Thing: "{ id: column.number({ primaryKey: true }), name: column.text() }" });
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  const _ = (...words) => ["", "astro", "db", ...words];
  assert.equal(callCli(p, { _: _("push") }, { env }).status, 0);

  // execute <file>: the positional after the command.
  p.write("insert.ts", "import { db, Thing } from 'astro:db';\nexport default async function () { await db.insert(Thing).values({ id: 7, name: 'seven' }); }\n");
  let r = callCli(p, { _: _("execute", "insert.ts"), remote: true }, { env });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Executed insert\.ts/);
  r = callCli(p, { _: _("shell"), query: "SELECT name FROM Thing", remote: true, json: true }, { env });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf("cli() returned"))), [{ name: "seven" }]);

  // verify --json: upstream's object.
  r = callCli(p, { _: _("verify"), json: true }, { env });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const verified = JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf("cli() returned")));
  assert.equal(verified.code, "MATCH");
  assert.equal(verified.exitCode, 0);
  assert.equal(typeof verified.message, "string");

  // Failures end the process with a non-zero code before Astro's bin could exit 0.
  r = callCli(p, { _: _("execute", "missing.ts") }, { env });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /File not found: missing\.ts/);
  assert.doesNotMatch(r.stdout, /cli\(\) returned/);
  r = callCli(p, { _: _("push"), "db-app-token": true, dbAppToken: true }, { env });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /--db-app-token needs a value/);
  p.write("db/config.ts", "import { defineDb, defineTable, column } from 'astro:db';\nexport default defineDb({ tables: { Thing: defineTable({ columns: { id: column.number({ primaryKey: true, optional: true }) } }) } });\n");
  r = callCli(p, { _: _("push") }, { env });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /Invalid database config/);
});
