// `serve`: the official `@libsql/client` (HTTP and WebSocket) is the judge of the Hrana server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createClient, LibsqlError } from "@libsql/client";
import { serve, createAuthToken, generateKeyPair } from "../dist/server/index.js";
import { parseServeArgs } from "../dist/cli/serve.js";

const quiet = { log: () => {}, handleSignals: false };
let server;
let dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "astro-db-serve-"));
  server = await serve({ db: join(dir, "main.db"), port: 0, ...quiet });
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const coded = (code, pattern) => (e) => {
  assert.ok(e instanceof LibsqlError, `expected LibsqlError, got ${e}`);
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.message, pattern);
  return true;
};

for (const scheme of ["http", "ws"]) {
  const url = () => server.url.replace(/^http/, scheme);
  const table = `t_${scheme}`;

  test(`${scheme}: create, insert with positional and named args, read every value type`, async (t) => {
    const c = createClient({ url: url(), intMode: "bigint" });
    t.after(() => c.close());
    await c.execute(`create table ${table} (id integer primary key, name text unique, n integer, f real, b blob, x)`);
    const r1 = await c.execute({ sql: `insert into ${table} (name, n) values (?, ?)`, args: ["a", 9007199254740993n] });
    assert.equal(r1.rowsAffected, 1);
    assert.equal(r1.lastInsertRowid, 1n);
    const r2 = await c.execute({ sql: `insert into ${table} (name, f, b, x) values (:name, $f, @b, :x)`, args: { name: "b", f: 1.5, b: new Uint8Array([0, 255, 7]), x: null } });
    assert.equal(r2.lastInsertRowid, 2n);
    const rs = await c.execute(`select id, name, n, f, b, x from ${table} order by id`);
    assert.deepEqual(rs.columns, ["id", "name", "n", "f", "b", "x"]);
    assert.deepEqual(rs.columnTypes, ["INTEGER", "TEXT", "INTEGER", "REAL", "BLOB", ""]);
    assert.equal(rs.rows[0].n, 9007199254740993n);
    assert.equal(rs.rows[1].f, 1.5);
    assert.deepEqual([...new Uint8Array(rs.rows[1].b)], [0, 255, 7]);
    assert.equal(rs.rows[1].x, null);
    assert.equal(rs.rowsAffected, 0);
    assert.equal(rs.lastInsertRowid, undefined);
    const up = await c.execute(`update ${table} set n = 1`);
    assert.equal(up.rowsAffected, 2);
    assert.equal(up.lastInsertRowid, undefined);
  });

  test(`${scheme}: constraint and syntax errors carry sqld's codes`, async (t) => {
    const c = createClient({ url: url() });
    t.after(() => c.close());
    await assert.rejects(c.execute({ sql: `insert into ${table} (name) values (?)`, args: ["a"] }), coded("SQLITE_CONSTRAINT", /UNIQUE constraint failed/));
    await assert.rejects(c.execute("selec 1"), coded("SQL_PARSE_ERROR", /syntax error/));
    await assert.rejects(c.execute("select * from nope"), coded("SQLITE_UNKNOWN", /no such table/));
    await assert.rejects(c.execute({ sql: "select ?", args: [1, 2] }), coded("ARGS_INVALID"));
    // the client still works afterwards
    assert.equal((await c.execute("select 1 as one")).rows[0].one, 1);
  });

  test(`${scheme}: batch is atomic; transactions commit and roll back`, async (t) => {
    const c = createClient({ url: url() });
    t.after(() => c.close());
    const count = async () => Number((await c.execute(`select count(*) as n from ${table}`)).rows[0].n);
    const before = await count();
    await assert.rejects(
      c.batch([{ sql: `insert into ${table} (name) values (?)`, args: ["c"] }, { sql: `insert into ${table} (name) values (?)`, args: ["a"] }], "write"),
      coded("SQLITE_CONSTRAINT"),
    );
    assert.equal(await count(), before);
    const ok = await c.batch([{ sql: `insert into ${table} (name) values (?)`, args: ["c"] }, `select count(*) as n from ${table}`], "write");
    assert.equal(ok[0].rowsAffected, 1);
    assert.equal(Number(ok[1].rows[0].n), before + 1);

    const tx = await c.transaction("write");
    await tx.execute({ sql: `insert into ${table} (name) values (?)`, args: ["d"] });
    await tx.rollback();
    assert.equal(await count(), before + 1);
    const tx2 = await c.transaction("write");
    await tx2.execute({ sql: `insert into ${table} (name) values (?)`, args: ["d"] });
    assert.equal(Number((await tx2.execute(`select count(*) as n from ${table}`)).rows[0].n), before + 2);
    await tx2.commit();
    assert.equal(await count(), before + 2);
  });

  test(`${scheme}: executeMultiple and migrate`, async (t) => {
    const c = createClient({ url: url() });
    t.after(() => c.close());
    await c.executeMultiple(`create table m_${scheme}(x); insert into m_${scheme} values (1); insert into m_${scheme} values (2);`);
    assert.equal((await c.execute(`select sum(x) as s from m_${scheme}`)).rows[0].s, 3);
    await assert.rejects(c.executeMultiple(`insert into m_${scheme} values (3); selec;`), (e) => e instanceof LibsqlError);
    await c.migrate([`create table g_${scheme}(x)`, `insert into g_${scheme} values (5)`]);
    assert.equal((await c.execute(`select x from g_${scheme}`)).rows[0].x, 5);
  });

  test(`${scheme}: interleaved transactions of two clients are isolated`, async (t) => {
    const a = createClient({ url: url() });
    const b = createClient({ url: url() });
    t.after(() => (a.close(), b.close()));
    await a.execute(`create table iso_${scheme}(x)`);
    const ta = await a.transaction("write");
    await ta.execute(`insert into iso_${scheme} values (1)`);
    const tb = await b.transaction("read");
    assert.equal((await tb.execute(`select count(*) as n from iso_${scheme}`)).rows[0].n, 0);
    await ta.commit();
    // b's read transaction keeps its snapshot until it ends
    assert.equal((await tb.execute(`select count(*) as n from iso_${scheme}`)).rows[0].n, 0);
    await tb.commit();
    assert.equal((await b.execute(`select count(*) as n from iso_${scheme}`)).rows[0].n, 1);
  });
}

test("ws: an abrupt disconnect mid-transaction rolls back and the server keeps serving", async () => {
  const a = createClient({ url: server.url.replace(/^http/, "ws") });
  await a.execute("create table abrupt(x)");
  const tx = await a.transaction("write");
  await tx.execute("insert into abrupt values (1)");
  a.close(); // drops the socket with the transaction open
  const b = createClient({ url: server.url });
  // the write lock is released: another client can write at once
  await b.execute("insert into abrupt values (2)");
  assert.deepEqual((await b.execute("select x from abrupt")).rows.map((r) => r.x), [2]);
  b.close();
});

async function pipeline(body, headers = {}) {
  const res = await fetch(`${server.url}/v3/pipeline`, { method: "POST", body, headers });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

test("bad input gets protocol errors and never takes the server down", async () => {
  let r = await pipeline("{not json");
  assert.equal(r.status, 400);
  assert.match(r.text, /Cannot deserialize/);
  r = await pipeline(JSON.stringify({ baton: null, requests: [{ type: "explode" }] }));
  assert.equal(r.status, 400);
  r = await pipeline(JSON.stringify({ baton: "nonsense", requests: [] }));
  assert.equal(r.status, 400);
  assert.match(r.text, /invalid baton/);
  r = await pipeline(JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql: "select 1", args: [{ type: "integer", value: "x" }] } }] }));
  assert.equal(r.status, 400);
  // Refused with 413; the server may close the connection before the client has finished
  // writing the body, which fetch reports as a closed socket. Either way it stays up (below).
  r = await pipeline("x".repeat(17 * 1024 * 1024)).catch((e) => ({ status: e?.cause?.code }));
  assert.ok([413, "UND_ERR_SOCKET"].includes(r.status), String(r.status));
  // a closed stream's baton is refused
  const open = JSON.parse((await pipeline(JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql: "select 1" } }] }))).text);
  assert.equal(typeof open.baton, "string");
  const closed = JSON.parse((await pipeline(JSON.stringify({ baton: open.baton, requests: [{ type: "close" }] }))).text);
  assert.equal(closed.baton, null);
  r = await pipeline(JSON.stringify({ baton: open.baton, requests: [] }));
  assert.equal(r.status, 400);
  // a used baton cannot be replayed
  const s1 = JSON.parse((await pipeline(JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql: "begin" } }] }))).text);
  const s2 = JSON.parse((await pipeline(JSON.stringify({ baton: s1.baton, requests: [{ type: "get_autocommit" }] }))).text);
  assert.equal(s2.results[0].response.is_autocommit, false);
  r = await pipeline(JSON.stringify({ baton: s1.baton, requests: [] }));
  assert.equal(r.status, 400);
  assert.match(r.text, /already been used/);
  await pipeline(JSON.stringify({ baton: s2.baton, requests: [{ type: "execute", stmt: { sql: "rollback" } }, { type: "close" }] }));
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
});

test("raw protocol details match sqld", async () => {
  const body = {
    baton: null,
    requests: [
      { type: "store_sql", sql_id: 1, sql: "select ? as v" },
      { type: "execute", stmt: { sql_id: 1, args: [{ type: "blob", base64: "AP8=" }], want_rows: false } },
      { type: "execute", stmt: { sql: "select 1; select 2" } },
      { type: "describe", sql: "select :a as x" },
      { type: "batch", batch: { steps: [{ stmt: { sql: "selec" } }] } },
      { type: "batch", batch: { steps: [{ stmt: { sql: "select 1" } }, { condition: { type: "error", step: 0 }, stmt: { sql: "select 2" } }, { condition: { type: "not", cond: { type: "ok", step: 1 } }, stmt: { sql: "select 3" } }] } },
      { type: "close" },
    ],
  };
  const r = JSON.parse((await pipeline(JSON.stringify(body))).text);
  const [, exec, many, desc, badBatch, batch] = r.results;
  // rows come back even with want_rows: false; blobs are unpadded base64
  assert.deepEqual(exec.response.result.rows, [[{ type: "blob", base64: "AP8" }]]);
  assert.equal(exec.response.result.last_insert_rowid, null);
  assert.equal(many.error.code, "SQL_MANY_STATEMENTS");
  assert.deepEqual(desc.response.result.params, [{ name: ":a" }]);
  assert.equal(desc.response.result.is_readonly, true);
  assert.equal(badBatch.error.code, "SQL_PARSE_ERROR");
  assert.deepEqual(batch.response.result.step_errors, [null, null, null]);
  assert.equal(batch.response.result.step_results[1], null);
  assert.deepEqual(batch.response.result.step_results[2].rows, [[{ type: "integer", value: "3" }]]);
  // JSON cursors (what the Rust crate uses)
  const cur = await fetch(`${server.url}/v3/cursor`, { method: "POST", body: JSON.stringify({ baton: null, batch: { steps: [{ stmt: { sql: "select 7 as s" } }] } }) });
  const lines = (await cur.text()).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.type ?? "head"), ["head", "step_begin", "row", "step_end"]);
});

test("auth: Ed25519 JWTs with rw/ro access; 401 and 403 like sqld", async (t) => {
  const keys = generateKeyPair();
  const s = await serve({ db: join(dir, "auth.db"), port: 0, authJwtKey: keys.publicKey, ...quiet });
  t.after(() => s.close());
  const rw = createAuthToken({ privateKey: keys.privateKey, access: "rw", expiresInSeconds: 600 });
  const ro = createAuthToken({ privateKey: keys.privateKey, access: "ro" });
  const expired = createAuthToken({ privateKey: keys.privateKey, expiresInSeconds: -3600 });
  const wrong = createAuthToken({ privateKey: generateKeyPair().privateKey });
  const status = (code) => (e) => e instanceof LibsqlError && e.code === "SERVER_ERROR" && e.message.includes(`HTTP status ${code}`);
  for (const scheme of ["http", "ws"]) {
    const url = s.url.replace(/^http/, scheme);
    const ok = createClient({ url, authToken: rw });
    await ok.execute(`create table if not exists a_${scheme}(x)`);
    await ok.execute(`insert into a_${scheme} values (1)`);
    ok.close();
    const reader = createClient({ url, authToken: ro });
    assert.equal((await reader.execute(`select count(*) as n from a_${scheme}`)).rows[0].n, 1);
    if (scheme === "http") {
      await assert.rejects(reader.execute(`insert into a_${scheme} values (2)`), status(403));
      await assert.rejects(createClient({ url }).execute("select 1"), status(401));
      await assert.rejects(createClient({ url, authToken: expired }).execute("select 1"), status(401));
      await assert.rejects(createClient({ url, authToken: wrong }).execute("select 1"), status(401));
    } else {
      await assert.rejects(reader.execute(`insert into a_${scheme} values (2)`), (e) => e instanceof LibsqlError);
      await assert.rejects(createClient({ url }).execute("select 1"), (e) => e instanceof LibsqlError && /AUTH_HEADER_NOT_FOUND|Authentication failed/.test(`${e.code} ${e.message}`));
      await assert.rejects(createClient({ url, authToken: expired }).execute("select 1"), (e) => e instanceof LibsqlError && /JWT has expired/.test(e.message));
      await assert.rejects(createClient({ url, authToken: wrong }).execute("select 1"), (e) => e instanceof LibsqlError && /JWT is invalid/.test(e.message));
    }
    reader.close();
  }
  const raw = await fetch(`${s.url}/v2/pipeline`, { method: "POST", body: "{}", headers: { authorization: `Bearer ${expired}` } });
  assert.equal(raw.status, 401);
  assert.match(await raw.text(), /Unauthorized: `The JWT has expired`/);
});

test("CLI arguments", () => {
  assert.deepEqual(parseServeArgs(["--db", "x.db", "--port=0", "--host", "0.0.0.0"]), { db: "x.db", port: 0, host: "0.0.0.0", help: false });
  assert.equal(parseServeArgs(["--help"]).help, true);
  assert.throws(() => parseServeArgs(["--port", "http"]), /--port/);
  assert.throws(() => parseServeArgs(["--bogus"]), /unknown option/);
  assert.throws(() => parseServeArgs(["--db"]), /needs a value/);
});
