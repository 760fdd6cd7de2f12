// Behaviour beyond parity: bad input, lifecycle, connections, and many calls in flight.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createClient, LibsqlError } from "@astrojs/db/client";
import { tempDir } from "./helpers.mjs";

const coded = (code, pattern) => (e) => e instanceof LibsqlError && e.code === code && (!pattern || pattern.test(e.message));

test("unknown URL schemes and malformed URLs are clear errors", () => {
  assert.throws(() => createClient({ url: "ftp://example.com/db" }), coded("URL_SCHEME_NOT_SUPPORTED", /"ftp:"/));
  assert.throws(() => createClient({ url: "not a url" }), coded("URL_INVALID"));
  assert.throws(() => createClient({ url: "" }), coded("URL_INVALID", /required/));
  assert.throws(() => createClient({}), coded("URL_INVALID"));
  assert.throws(() => createClient({ url: "file://host/x.db" }), coded("URL_INVALID", /host/));
  assert.throws(() => createClient({ url: "file:x.db?foo=1" }), coded("URL_PARAM_NOT_SUPPORTED", /"foo"/));
  assert.throws(() => createClient(null), TypeError);
});

test("remote URLs open remote clients; a refused one never leaks its token", () => {
  for (const url of ["libsql://db.example.com?authToken=s3cret", "wss://db.example.com"]) {
    createClient({ url, authToken: "s3cret" }).close(); // nothing is sent before the first call
  }
  for (const url of ["https://user:s3cret@db.example.com", "libsql://db.example.com?authToken=s3cret&bogus=1"]) {
    assert.throws(() => createClient({ url, authToken: "s3cret" }), (e) => {
      assert.match(e.code, /^URL_(INVALID|PARAM_NOT_SUPPORTED)$/);
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
  }
});

test("a directory that does not exist is a clear error", (t) => {
  const dir = tempDir(t);
  const url = `file:${join(dir, "missing", "sub", "x.db")}`;
  assert.throws(() => createClient({ url }), coded("SQLITE_CANTOPEN", /missing\/sub\/x\.db/));
});

test("invalid options are rejected", () => {
  assert.throws(() => createClient({ url: ":memory:", intMode: "float" }), TypeError);
  assert.throws(() => createClient({ url: ":memory:", concurrency: -1 }), TypeError);
});

test("wrong argument types reject instead of crashing", async () => {
  const c = createClient({ url: ":memory:" });
  await assert.rejects(c.execute(42), TypeError);
  await assert.rejects(c.execute({ sql: 1 }), TypeError);
  await assert.rejects(c.execute({ sql: "select ?", args: "nope" }), TypeError);
  await assert.rejects(c.execute({ sql: "select ?", args: [Symbol("s")] }), TypeError);
  await assert.rejects(c.execute({ sql: "select ?", args: [() => 1] }), TypeError);
  await assert.rejects(c.batch("select 1"), TypeError);
  await assert.rejects(c.batch([42]), (e) => e instanceof TypeError);
  await assert.rejects(c.transaction("sometimes"), RangeError);
  // still usable afterwards
  assert.equal((await c.execute("select 1 as one")).rows[0].one, 1);
  c.close();
});

test("use after close() and a closed transaction", async () => {
  const c = createClient({ url: ":memory:" });
  const tx = await c.transaction("deferred");
  c.close();
  assert.equal(c.closed, true);
  await assert.rejects(c.execute("select 1"), coded("CLIENT_CLOSED"));
  await assert.rejects(c.batch(["select 1"]), coded("CLIENT_CLOSED"));
  await assert.rejects(c.transaction(), coded("CLIENT_CLOSED"));
  await assert.rejects(tx.execute("select 1"), coded("TRANSACTION_CLOSED"));
  assert.equal(tx.closed, true);
  c.close(); // idempotent
  await c.reconnect();
  assert.equal((await c.execute("select 2 as two")).rows[0].two, 2);
  c.close();
});

test("in-memory: a held transaction makes other calls fail fast, then frees the connection", async () => {
  const c = createClient({ url: ":memory:" });
  await c.execute("create table t(x)");
  const tx = await c.transaction("write");
  await tx.execute("insert into t values (1)");
  await assert.rejects(c.execute("select 1"), coded("TRANSACTION_ACTIVE"));
  await tx.commit();
  assert.equal((await c.execute("select count(*) n from t")).rows[0].n, 1);
  c.close();
});

test("file: transactions are isolated from plain calls until commit", async (t) => {
  const c = createClient({ url: `file:${join(tempDir(t), "iso.db")}` });
  await c.execute("create table t(x)");
  const tx = await c.transaction("write");
  await tx.execute("insert into t values (1)");
  assert.equal((await c.execute("select count(*) n from t")).rows[0].n, 0);
  await tx.commit();
  assert.equal((await c.execute("select count(*) n from t")).rows[0].n, 1);
  c.close();
});

const clientModule = JSON.stringify(new URL("../dist/client/index.js", import.meta.url).href);

test("a relative file: URL is relative to the working directory", (t) => {
  const dir = tempDir(t);
  const script = `import { createClient } from ${clientModule};
    const c = createClient({ url: "file:rel.db" }); await c.execute("create table t(x)"); c.close();`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(dir, "rel.db")));
});

test("many calls in flight at once all complete correctly", async (t) => {
  const c = createClient({ url: `file:${join(tempDir(t), "many.db")}` });
  await c.execute("create table t(id integer primary key, v text)");
  const writes = Array.from({ length: 2000 }, (_, i) => c.execute({ sql: "insert into t(v) values (?)", args: [`v${i}`] }));
  const txs = Array.from({ length: 5 }, async (_, i) => {
    const tx = await c.transaction("deferred");
    const r = await tx.execute({ sql: "select ? as i", args: [i] });
    await tx.commit();
    return r.rows[0].i;
  });
  const results = await Promise.all(writes);
  assert.equal(new Set(results.map((r) => r.lastInsertRowid)).size, 2000);
  assert.deepStrictEqual(await Promise.all(txs), [0, 1, 2, 3, 4]);
  assert.equal((await c.execute("select count(*) n from t")).rows[0].n, 2000);
  c.close();
});

test("intMode bigint and string round-trip 64-bit integers", async () => {
  const b = createClient({ url: ":memory:", intMode: "bigint" });
  const s = createClient({ url: ":memory:", intMode: "string" });
  const max = 9223372036854775807n;
  assert.equal((await b.execute({ sql: "select ? v", args: [max] })).rows[0].v, max);
  assert.equal((await s.execute({ sql: "select ? v", args: [max] })).rows[0].v, String(max));
  await assert.rejects(createClient({ url: ":memory:" }).execute("select 9223372036854775807"), RangeError);
  b.close();
  s.close();
});

test("the process survives a storm of bad calls", () => {
  const script = `import { createClient } from ${clientModule};
    const c = createClient({ url: ":memory:" });
    const bad = [undefined, null, 1, {}, [], { sql: "select ?", args: [undefined] }, { sql: "selec" }, { sql: "select ?", args: [1n << 80n] }];
    let n = 0;
    for (let i = 0; i < 2000; i++) { try { await c.execute(bad[i % bad.length]); } catch { n++; } }
    c.close();
    try { await c.execute("select 1"); } catch { n++; }
    console.log(n);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(Number(r.stdout.trim()), 2001);
});
