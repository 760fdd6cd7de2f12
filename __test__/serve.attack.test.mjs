// Attacks on `astro-db serve` and on our remote client (issue 11): each attempt must be
// refused, bounded or redacted, while a well-behaved `@libsql/client` keeps being answered.
// Every loop is bounded in count and time; everything stays on loopback.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createClient } from "@libsql/client";
import { serve, createAuthToken, generateKeyPair } from "../dist/server/index.js";
import { createClient as createOurClient } from "../dist/client/index.js";
import { redact, secretsIn } from "../dist/client/redact.js";
import { publicRemoteUrl, remoteTargetSettings } from "../dist/runtime/remote-url.js";

const quiet = { log: () => {}, handleSignals: false };
const RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
let dir;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "astro-db-serve-attack-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function start(t, name, options = {}) {
  const server = await serve({ db: join(dir, `${name}.db`), port: 0, ...quiet, ...options });
  t.after(() => server.close());
  return server;
}

function client(t, url, extra = {}) {
  const c = createClient({ url, ...extra });
  t.after(() => c.close());
  return c;
}

/** One raw HTTP request, with headers a browser (or an attacker) would send. */
function raw(server, { method = "POST", path = "/v3/pipeline", headers = {}, body } = {}) {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("no answer")));
    req.end(body);
  });
}

const pipelineBody = (sql) => JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql } }, { type: "close" }] });

/** Resolves when the server closes `socket` (with the milliseconds it took), or after `limitMs`. */
function closedWithin(socket, limitMs) {
  const start = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(Infinity), limitMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - start);
    });
    socket.on("error", () => {});
  });
}

function connect(server) {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
  });
}

function upgradeRequest(extra = "") {
  return (
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: hrana3\r\n" +
    extra +
    "\r\n"
  );
}

/** Sends a WebSocket upgrade on a raw socket; resolves with the status line. */
async function upgrade(server, extra = "") {
  const s = await connect(server);
  s.write(upgradeRequest(extra));
  const status = await new Promise((resolve) => {
    let head = "";
    s.on("data", (d) => {
      head += d;
      if (head.includes("\r\n")) resolve(head.split("\r\n")[0]);
    });
    s.on("close", () => resolve(head.split("\r\n")[0]));
  });
  return { socket: s, status };
}

// --- Authorization -------------------------------------------------------------------------

test("a read-only token cannot write, not even through ATTACH tricks", { timeout: 120_000 }, async (t) => {
  const { publicKey, privateKey } = generateKeyPair();
  // ATTACH allowed: the authorizer must hold by itself, not because ATTACH failed.
  const server = await start(t, "ro", { authJwtKey: publicKey, allowAttach: true });
  const rw = client(t, server.url, { authToken: createAuthToken({ privateKey }) });
  await rw.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
  await rw.execute("INSERT INTO users (name) VALUES ('ada')");
  const ro = client(t, server.url, { authToken: createAuthToken({ privateKey, access: "ro" }) });
  assert.equal((await ro.execute("SELECT count(*) AS n FROM users")).rows[0].n, 1);

  await assert.rejects(ro.executeMultiple("ATTACH ':memory:' AS x; SELECT * FROM x.sqlite_master; DROP TABLE users"));
  await assert.rejects(ro.batch(["ATTACH ':memory:' AS x", "CREATE TABLE x.t (a)", "DELETE FROM users"], "deferred"));
  await assert.rejects(ro.execute("DELETE FROM users"), /403|Write permission|forbidden/i);
  await assert.rejects(ro.execute("PRAGMA user_version = 7"));
  const ws = client(t, server.url.replace(/^http/, "ws"), { authToken: createAuthToken({ privateKey, access: "ro" }) });
  await assert.rejects(ws.executeMultiple("SELECT 1; DROP TABLE users"));

  assert.equal((await rw.execute("SELECT count(*) AS n FROM users")).rows[0].n, 1, "users was changed");
  assert.equal((await rw.execute("PRAGMA user_version")).rows[0].user_version, 0);
});

test("ATTACH and DETACH are refused unless serve allows them", { timeout: 120_000 }, async (t) => {
  const server = await start(t, "attach");
  const c = client(t, server.url);
  const target = join(dir, "created-by-attach.db");
  await assert.rejects(c.execute(`ATTACH '${target}' AS x`), /--allow-attach/);
  await assert.rejects(c.executeMultiple(`SELECT 1; ATTACH '${target}' AS x`), /not authorized/);
  await assert.rejects(c.execute(`VACUUM INTO '${target}'`));
  assert.ok(!existsSync(target), "a client created a file of its choosing");
});

test("pooled connections go back clean or not at all", { timeout: 120_000 }, async (t) => {
  const server = await start(t, "pool");
  const a = client(t, server.url);
  const b = client(t, server.url);
  await a.execute("CREATE TABLE t (x)");
  const fk = (await b.execute("PRAGMA foreign_keys")).rows[0].foreign_keys;
  // Each execute runs on a pooled connection and closes its stream, handing it back.
  for (let i = 0; i < 20; i++) {
    await a.execute("PRAGMA query_only = 1");
    await a.execute(`CREATE TEMP TABLE IF NOT EXISTS spy${i} (x)`);
    await a.execute("PRAGMA foreign_keys = OFF");
  }
  for (let i = 0; i < 20; i++) {
    await b.execute("INSERT INTO t VALUES (1)");
    assert.equal((await b.execute("PRAGMA foreign_keys")).rows[0].foreign_keys, fk);
    assert.equal((await b.execute("SELECT count(*) AS n FROM temp.sqlite_master")).rows[0].n, 0);
  }
});

test("a WebSocket stream ends when its token expires", { timeout: 120_000 }, async (t) => {
  const { publicKey, privateKey } = generateKeyPair();
  const server = await start(t, "ws-exp", { authJwtKey: publicKey });
  // The server allows 60 s of clock skew: this token has about 2 s left.
  const token = createAuthToken({ privateKey, expiresInSeconds: -58 });
  const ws = client(t, server.url.replace(/^http/, "ws"), { authToken: token });
  assert.equal((await ws.execute("SELECT 1 AS one")).rows[0].one, 1);
  await new Promise((r) => setTimeout(r, 3_500));
  await assert.rejects(ws.execute("SELECT 1 AS one"));
});

// --- Browsers and other local programs -------------------------------------------------------

test("web pages cannot drive the server: Origin, Host and Content-Type are checked", { timeout: 120_000 }, async (t) => {
  const server = await start(t, "browser", { corsOrigins: ["http://localhost:4321"] });
  const c = client(t, server.url);
  await c.execute("CREATE TABLE t (x)");
  const write = pipelineBody("INSERT INTO t VALUES (1)");

  const textPlain = await raw(server, { headers: { "content-type": "text/plain;charset=UTF-8" }, body: write });
  assert.equal(textPlain.status, 415);
  const foreign = await raw(server, { headers: { origin: "https://evil.example", "content-type": "application/json" }, body: write });
  assert.equal(foreign.status, 403);
  assert.match(foreign.text, /--cors-origin/);
  const nullOrigin = await raw(server, { headers: { origin: "null", "content-type": "application/json" }, body: write });
  assert.equal(nullOrigin.status, 403);
  // DNS rebinding: same origin for the browser, a foreign name in Host.
  const rebound = await raw(server, { headers: { host: "attacker.example:8080", "content-type": "application/json" }, body: write });
  assert.equal(rebound.status, 403);
  const rebound2 = await raw(server, { method: "GET", path: "/export/1", headers: { host: "attacker.example" } });
  assert.equal(rebound2.status, 403);
  assert.equal((await c.execute("SELECT count(*) AS n FROM t")).rows[0].n, 0, "a refused request wrote");

  const ws = await upgrade(server, "Origin: https://evil.example\r\n");
  assert.match(ws.status, / 403 /);
  ws.socket.destroy();

  // The allowed origin works, with CORS headers, preflight included.
  const ok = await raw(server, { headers: { origin: "http://localhost:4321", "content-type": "application/json" }, body: write });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["access-control-allow-origin"], "http://localhost:4321");
  const pre = await raw(server, { method: "OPTIONS", headers: { origin: "http://localhost:4321", "access-control-request-method": "POST" } });
  assert.equal(pre.status, 204);
  assert.match(pre.headers["access-control-allow-headers"], /authorization/);
  const wsOk = await upgrade(server, "Origin: http://localhost:4321\r\n");
  assert.match(wsOk.status, / 101 /);
  wsOk.socket.destroy();

  // Official clients keep working: HTTP and WebSocket.
  assert.equal((await c.execute("SELECT count(*) AS n FROM t")).rows[0].n, 1);
  const wsc = client(t, server.url.replace(/^http/, "ws"));
  assert.equal((await wsc.execute("SELECT count(*) AS n FROM t")).rows[0].n, 1);
});

// --- Resource limits -------------------------------------------------------------------------

test("a runaway query is interrupted at the query timeout with a clear error", { timeout: 120_000 }, async (t) => {
  const server = await start(t, "timeout", { queryTimeoutMs: 300 });
  const c = client(t, server.url);
  const started = performance.now();
  await assert.rejects(c.execute(RUNAWAY), (e) => e.code === "SQLITE_INTERRUPT" && /query timeout/.test(e.message));
  assert.ok(performance.now() - started < 3_000);
  await assert.rejects(c.executeMultiple(`SELECT 1; ${RUNAWAY}`), /query timeout/);
  assert.equal((await c.execute("SELECT 1 AS one")).rows[0].one, 1);
});

test("responses are capped per statement and per request, like sqld", { timeout: 120_000 }, async (t) => {
  const server = await start(t, "size", { maxResponseSize: 100_000, maxTotalResponseSize: 250_000 });
  const c = client(t, server.url);
  const rows = (n) => `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n}) SELECT randomblob(1000) FROM c`;
  await assert.rejects(c.execute(rows(200)), (e) => e.code === "RESPONSE_TOO_LARGE");
  assert.equal((await c.execute(rows(50))).rows.length, 50);
  await assert.rejects(c.batch([rows(60), rows(60), rows(60), rows(60)], "read"), /RESPONSE_TOO_LARGE|too large/i);
  const ws = client(t, server.url.replace(/^http/, "ws"));
  await assert.rejects(ws.execute(rows(200)), (e) => e.code === "RESPONSE_TOO_LARGE");
});

test("/v3/cursor streams entries as they are produced instead of building the result first", { timeout: 120_000 }, async (t) => {
  const server = await start(t, "cursor", { queryTimeoutMs: 1_500 });
  const { port } = new URL(server.url);
  // About 4 MB of rows, then a step that runs until the query timeout.
  const big = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT x, hex(randomblob(1000)) FROM c";
  const body = JSON.stringify({ baton: null, batch: { steps: [{ stmt: { sql: big } }, { stmt: { sql: RUNAWAY } }] } });
  const t0 = performance.now();
  const { firstRowMs, endMs, text } = await new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/v3/cursor", headers: { "content-type": "application/json" }, agent: false }, (res) => {
      let text = "";
      let firstRowMs;
      res.on("data", (d) => {
        text += d;
        if (firstRowMs === undefined && text.includes('"type":"row"')) firstRowMs = performance.now() - t0;
      });
      res.on("end", () => resolve({ firstRowMs, endMs: performance.now() - t0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
  assert.ok(firstRowMs < 1_000, `the first row came after ${firstRowMs} ms`);
  assert.ok(endMs >= 1_400, `the cursor ended after ${endMs} ms`);
  assert.match(text, /query timeout/);
});

/** A raw Hrana 3 WebSocket session: `request(body)` resolves with the response (or error). */
async function hrana(t, server) {
  const ws = new WebSocket(server.url.replace(/^http/, "ws"), ["hrana3"]);
  t.after(() => ws.close());
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("WebSocket failed"));
  });
  const waiting = new Map();
  let next = 1;
  let hello;
  // A closed socket fails what still waits, rather than leaving the test hanging.
  ws.onclose = (e) => {
    for (const done of waiting.values()) done({ error: { code: "CLOSED", message: `socket closed (${e.code} ${e.reason})` } });
    waiting.clear();
  };
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === "hello_ok" || msg.type === "hello_error") return hello(msg);
    const done = waiting.get(msg.request_id);
    waiting.delete(msg.request_id);
    done(msg.type === "response_ok" ? msg.response : { error: msg.error });
  };
  await new Promise((resolve) => {
    hello = resolve;
    ws.send(JSON.stringify({ type: "hello", jwt: null }));
  });
  return (request) =>
    new Promise((resolve) => {
      const request_id = next++;
      waiting.set(request_id, resolve);
      ws.send(JSON.stringify({ type: "request", request_id, request }));
    });
}

test("a WebSocket cursor streams its batch instead of running it whole first, and closes early", { timeout: 60_000 }, async (t) => {
  const server = await start(t, "ws-cursor", { queryTimeoutMs: 1_500 });
  const request = await hrana(t, server);
  await request({ type: "open_stream", stream_id: 1 });
  // About 4 MB of rows, then a step that runs until the query timeout.
  const big = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT x, hex(randomblob(1000)) FROM c";
  const t0 = performance.now();
  await request({ type: "open_cursor", stream_id: 1, cursor_id: 1, batch: { steps: [{ stmt: { sql: big } }, { stmt: { sql: RUNAWAY } }] } });
  const first = await request({ type: "fetch_cursor", cursor_id: 1, max_count: 10 });
  const firstMs = performance.now() - t0;
  assert.ok(firstMs < 1_000, `the first entries came after ${firstMs} ms`);
  assert.equal(first.entries[0].type, "step_begin");
  assert.equal(first.done, false);
  const entries = [...first.entries];
  for (let done = false; !done; ) {
    const r = await request({ type: "fetch_cursor", cursor_id: 1, max_count: 500 });
    assert.ok(r.entries, JSON.stringify(r));
    entries.push(...r.entries);
    done = r.done;
  }
  assert.ok(performance.now() - t0 >= 1_400, "the runaway step ended before its timeout");
  assert.equal(entries.filter((e) => e.type === "row").length, 2_000);
  assert.match(entries.at(-1).error.message, /query timeout/);
  await request({ type: "close_cursor", cursor_id: 1 });

  // Inside a transaction: a cursor closed while its read runs stops it at once, and the
  // stream (with its transaction) goes on.
  await request({ type: "execute", stream_id: 1, stmt: { sql: "BEGIN" } });
  await request({ type: "execute", stream_id: 1, stmt: { sql: "CREATE TABLE kept (x)" } });
  await request({ type: "open_cursor", stream_id: 1, cursor_id: 2, batch: { steps: [{ stmt: { sql: RUNAWAY } }] } });
  const busy = await request({ type: "execute", stream_id: 1, stmt: { sql: "SELECT 1" } });
  assert.equal(busy.error?.code, "STREAM_BUSY");
  const closing = performance.now();
  await request({ type: "close_cursor", cursor_id: 2 });
  assert.ok(performance.now() - closing < 500, "closing the cursor waited for its query");
  const inTxn = await request({ type: "execute", stream_id: 1, stmt: { sql: "SELECT count(*) FROM kept" } });
  assert.equal(inTxn.result.rows[0][0].value, "0");
  assert.equal((await request({ type: "get_autocommit", stream_id: 1 })).is_autocommit, false);
  await request({ type: "execute", stream_id: 1, stmt: { sql: "COMMIT" } });
  const c = client(t, server.url);
  assert.equal((await c.execute("SELECT count(*) AS n FROM kept")).rows[0].n, 0);
  // A well-behaved client's batches (cursors over WebSocket) still work.
  const ws = client(t, server.url.replace(/^http/, "ws"));
  const [a, b] = await ws.batch(["INSERT INTO kept VALUES (1)", "SELECT x FROM kept"], "write");
  assert.equal(a.rowsAffected, 1);
  assert.equal(b.rows[0].x, 1);
});

test("open streams, WebSocket connections, hello, headers and transactions are bounded", { timeout: 120_000 }, async (t) => {
  const server = await start(t, "bounds");
  const c = client(t, server.url);
  await c.execute("CREATE TABLE t (x)");
  // The stream and connection bounds are tried on servers of their own: what they leave
  // open takes a while to go.
  const batons = await start(t, "bounds-batons");
  const sockets = await start(t, "bounds-ws");

  // Batons: streams left open (never closed) stop at 128.
  const open = JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }] });
  const statuses = [];
  for (let i = 0; i < 140; i++) {
    statuses.push((await raw(batons, { headers: { "content-type": "application/json" }, body: open })).status);
  }
  assert.equal(statuses.filter((s) => s === 200).length, 128);
  assert.equal(statuses.at(-1), 503);

  // WebSocket connections stop at 128.
  const opened = [];
  let refused;
  for (let i = 0; i < 140 && !refused; i++) {
    const u = await upgrade(sockets);
    opened.push(u.socket);
    if (!/ 101 /.test(u.status)) refused = u.status;
  }
  assert.match(refused ?? "", / 503 /);
  for (const s of opened) s.destroy();

  // A WebSocket that never says hello, and a request whose headers never end, are closed.
  const silent = await upgrade(server);
  assert.match(silent.status, / 101 /);
  const slow = await connect(server);
  slow.write("POST /v3/pipeline HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  const drip = setInterval(() => slow.write("X-Drip: 1\r\n"), 500);
  const [helloMs, headerMs] = await Promise.all([closedWithin(silent.socket, 15_000), closedWithin(slow, 10_000)]);
  clearInterval(drip);
  // 10 s to say hello, then up to 2 s for the close handshake the silent client never does.
  assert.ok(helloMs < 13_500, `no-hello socket open for ${helloMs} ms`);
  assert.ok(headerMs < 7_000, `slow headers kept for ${headerMs} ms`);

  // A transaction kept alive by renewing its baton is rolled back after 5 s, as in sqld.
  const post = async (body) => JSON.parse((await raw(server, { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).text);
  let r = await post({ baton: null, requests: [{ type: "execute", stmt: { sql: "BEGIN" } }, { type: "execute", stmt: { sql: "INSERT INTO t VALUES (1)" } }] });
  const deadline = performance.now() + 9_000;
  let autocommit = false;
  while (!autocommit && performance.now() < deadline) {
    await new Promise((res) => setTimeout(res, 1_000));
    r = await post({ baton: r.baton, requests: [{ type: "get_autocommit" }] });
    assert.ok(r.results, JSON.stringify(r));
    autocommit = r.results[0].response?.is_autocommit ?? false;
  }
  assert.ok(autocommit, "the transaction is still open");
  assert.ok(performance.now() < deadline);
  assert.equal((await c.execute("SELECT count(*) AS n FROM t")).rows[0].n, 0);
});

test("under one runaway query per core and a slow-header flood, point selects keep p99 < 250 ms", { timeout: 120_000 }, async (t) => {
  const server = await start(t, "load");
  const good = client(t, server.url);
  await good.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)");
  await good.batch(Array.from({ length: 100 }, (_, i) => ({ sql: "INSERT INTO kv VALUES (?, ?)", args: [i, `v${i}`] })), "write");

  const runaways = Array.from({ length: availableParallelism() }, () => {
    const c = client(t, server.url);
    return c.execute(RUNAWAY).then(
      () => "finished",
      (e) => e.code,
    );
  });
  const flood = [];
  for (let i = 0; i < 200; i++) {
    const s = await connect(server);
    s.on("error", () => {});
    s.write("POST /v3/pipeline HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    flood.push(s);
  }
  const drip = setInterval(() => flood.forEach((s) => !s.destroyed && s.write("X-Drip: 1\r\n")), 1_000);
  t.after(() => {
    clearInterval(drip);
    flood.forEach((s) => s.destroy());
  });
  await new Promise((r) => setTimeout(r, 300));

  const times = [];
  const until = performance.now() + 5_000;
  for (let i = 0; i < 500 && performance.now() < until; i++) {
    const t0 = performance.now();
    const rs = await good.execute({ sql: "SELECT v FROM kv WHERE k = ?", args: [i % 100] });
    times.push(performance.now() - t0);
    assert.equal(rs.rows[0].v, `v${i % 100}`);
  }
  times.sort((a, b) => a - b);
  const p99 = times[Math.floor(times.length * 0.99)];
  assert.ok(times.length >= 100, `only ${times.length} selects in 5 s`);
  assert.ok(p99 < 250, `p99 ${p99.toFixed(1)} ms over ${times.length} selects`);
  // The runaways end with the query timeout, not by finishing.
  assert.deepEqual(new Set(await Promise.all(runaways)), new Set(["SQLITE_INTERRUPT"]));
});

// --- The client side -------------------------------------------------------------------------

test("secrets are redacted however their names are encoded, and nested URLs too", () => {
  const cases = [
    "libsql://db.example?auth%54oken=SECRET1",
    "libsql://db.example?AUTHTOKEN=SECRET1",
    "file:local.db?syncUrl=libsql%3A%2F%2Fdb.example%3FauthToken%3DSECRET1",
    "file:local.db?syncUrl=libsql%3A%2F%2Fdb.example%3Fauth%2554oken%3DSECRET1",
    "file:local.db?encryption%4Bey=SECRET1&syncUrl=http%3A%2F%2Fuser%3ASECRET1%40h",
  ];
  for (const url of cases) {
    assert.ok(!redact(url).includes("SECRET1"), `redact(${url}) = ${redact(url)}`);
    assert.ok(!publicRemoteUrl(url).includes("SECRET1"), `publicRemoteUrl(${url}) = ${publicRemoteUrl(url)}`);
    assert.ok(secretsIn(url).includes("SECRET1") || url.includes("user%3ASECRET1"), `secretsIn(${url})`);
  }
  assert.equal(publicRemoteUrl("libsql://db.example?auth%54oken=x&tls=1"), "libsql://db.example?tls=1");
  const settings = remoteTargetSettings({ ASTRO_DB_REMOTE_URL: "libsql://db.example?auth%54oken=SECRET2" });
  assert.equal(settings.config.authToken, "SECRET2");
  assert.ok(settings.secrets.includes("SECRET2"));
  assert.ok(!settings.shown.includes("SECRET2"));
});

test("ReplicaClient.options does not expose the token", { timeout: 120_000 }, async (t) => {
  const server = await start(t, "replica-primary");
  const replica = createOurClient({ url: `file:${join(dir, "replica.db")}`, syncUrl: server.url, authToken: "SECRET3" });
  t.after(() => replica.close());
  assert.ok(replica.options, "not a replica client");
  assert.ok(!JSON.stringify(replica.options).includes("SECRET3"));
  assert.equal(replica.options.authToken, undefined);
});

test("our client bounds what a misbehaving server sends", { timeout: 120_000 }, async (t) => {
  // Answers every pipeline with 80 MB: the client must stop reading, not buffer it all.
  let sent = 0;
  const evil = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(1 << 20, 0x20);
    const pump = () => {
      while (sent < 80 << 20) {
        sent += chunk.length;
        if (!res.write(chunk)) return res.once("drain", pump);
      }
      res.end();
    };
    res.on("close", () => {});
    pump();
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  t.after(() => evil.close());
  const c = createOurClient({ url: `http://127.0.0.1:${evil.address().port}` });
  t.after(() => c.close());
  await assert.rejects(c.execute("SELECT 1"), (e) => /RESPONSE_TOO_LARGE|larger than/.test(`${e.code} ${e.message}`));
  assert.ok(sent < 80 << 20, "the client read the whole response");
});
