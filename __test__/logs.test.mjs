// Native logs (ASTRO_DB_LOG): with `debug`, one stderr line each for opening a database, a
// migration step and its transaction, a seed batch, a remote request and a `serve` request,
// never a token or key; unset (or `off`), nothing at all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const TOKEN = "tok-9f8e7d6c5b4a";
const KEY = "key-0a1b2c3d4e5f";

const SCRIPT = `
import { serve } from "./dist/server/index.js";
import { createClient } from "@astrojs/db/client";
import { loadSchema, SchemaTarget } from "./index.js";
const dir = process.env.LOG_DIR;
const local = createClient({ url: "file:" + dir + "/local.db", encryptionKey: ${JSON.stringify(KEY)} });
await local.execute("create table t (a integer not null)");
await local.batch([{ sql: "insert into t (a) values (?)", args: [1, 2, 3], width: 1 }], "write");
local.close();
const server = await serve({ db: dir + "/served.db", port: 0, log: () => {}, handleSignals: false });
const remote = createClient({ url: server.url, authToken: ${JSON.stringify(TOKEN)} });
await remote.execute("select 1");
remote.close();
const { snapshot } = loadSchema(JSON.stringify({ tables: { Item: { columns: { id: { type: "number", schema: { primaryKey: true } } } } } }));
const report = await SchemaTarget.remote(server.url, ${JSON.stringify(TOKEN)}).push(snapshot, {});
if (report instanceof Error) throw report;
await server.close();
console.log("done");
`;

function run(env) {
  const dir = mkdtempSync(join(tmpdir(), "astro-db-logs-"));
  try {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "ASTRO_DB_LOG"));
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", SCRIPT], { cwd: ROOT, env: { ...clean, LOG_DIR: dir, ...env }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /done/);
    return r.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("ASTRO_DB_LOG=debug: a line for each kind of work, no secret", () => {
  const err = run({ ASTRO_DB_LOG: "debug" });
  const lines = err.split("\n").filter(Boolean);
  assert.ok(lines.every((l) => /^\[astro-db\] \d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO |WARN |ERROR|TRACE) [\w:]+: /.test(l)), err);
  assert.match(err, /DEBUG sqlite::settings: opened database path="[^"]*local\.db" encrypted=true busy_timeout_ms=5000 ms=[\d.]+/);
  assert.match(err, /DEBUG client::local: bulk insert \(seed batch\) statement="insert into t" rows=3 ok=true ms=[\d.]+/);
  assert.match(err, /DEBUG server::http: serve request method=POST path="\/v[23]\/pipeline" status=200 ms=[\d.]+/);
  assert.match(err, /DEBUG client::remote::transport: remote request method=POST url=http:\/\/127\.0\.0\.1:\d+\/v[23]\/pipeline status=200 bytes=\d+ ms=[\d.]+/);
  assert.match(err, /DEBUG push::engine: migration step: .*Item.* kind="createTable" table=Item accepted=false/);
  assert.match(err, /DEBUG push::engine: migration written in one transaction statements=\d+ ok=true ms=[\d.]+/);
  assert.ok(!err.includes(TOKEN) && !err.includes(KEY), "no token or key in the logs");
  // Levels: warn hides debug.
  assert.equal(run({ ASTRO_DB_LOG: "warn" }), "");
});

test("logs are off by default and with ASTRO_DB_LOG=off", () => {
  assert.equal(run({}), "");
  assert.equal(run({ ASTRO_DB_LOG: "off" }), "");
});
