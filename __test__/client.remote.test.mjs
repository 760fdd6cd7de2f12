// Remote client behaviour against `astro-db serve`: transactions holding a stream, auth,
// URL handling, unreachable servers, concurrency, and the embedded-replica and
// encryption options.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createServer } from "node:net";
import { createClient, LibsqlError, LibsqlBatchError } from "@astrojs/db/client";
import { drizzle } from "drizzle-orm/libsql";
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
import { eq } from "drizzle-orm";
import { serve, createAuthToken, generateKeyPair } from "../dist/server/index.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

const quiet = { log: () => {}, handleSignals: false };
let dir;
let server;
let authServer;
let keys;
// Closed together at the end: a server's close waits for clients' idle keep-alive connections.
const servers = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "astro-db-remote-"));
  server = await serve({ db: join(dir, "main.db"), port: 0, ...quiet });
  keys = generateKeyPair();
  authServer = await serve({ db: join(dir, "auth.db"), port: 0, authJwtKey: keys.publicKey, ...quiet });
  servers.push(server, authServer);
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const coded = (code, pattern) => (e) => {
  assert.ok(e instanceof LibsqlError, `expected LibsqlError, got ${e?.stack ?? e}`);
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.message, pattern);
  return true;
};

/** A loopback port with nothing listening on it. */
async function deadPort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

test("a transaction holds its stream: uncommitted writes are invisible to other clients until commit", async (t) => {
  const c = createClient({ url: server.url });
  t.after(() => c.close());
  await c.execute("create table tx_vis(x integer)");
  const tx = await c.transaction("write");
  await tx.execute("insert into tx_vis values (1)");
  await tx.batch(["insert into tx_vis values (2)", { sql: "insert into tx_vis values (?)", args: [3] }]);
  assert.equal((await tx.execute("select count(*) n from tx_vis")).rows[0].n, 3);
  const other = createClient({ url: server.url.replace(/^http/, "ws") });
  t.after(() => other.close());
  assert.equal((await other.execute("select count(*) n from tx_vis")).rows[0].n, 0);
  await tx.executeMultiple("insert into tx_vis values (4); insert into tx_vis values (5);");
  await tx.commit();
  assert.equal(tx.closed, true);
  assert.equal((await other.execute("select count(*) n from tx_vis")).rows[0].n, 5);
  await assert.rejects(tx.execute("select 1"), coded("TRANSACTION_CLOSED"));
  await assert.rejects(tx.commit(), coded("TRANSACTION_CLOSED"));
  await tx.rollback(); // a no-op on a closed transaction, as in @libsql/client
});

test("a failing statement inside a transaction reports its index and keeps the transaction", async (t) => {
  const c = createClient({ url: server.url });
  t.after(() => c.close());
  await c.execute("create table tx_err(x integer unique)");
  const tx = await c.transaction();
  await tx.execute("insert into tx_err values (1)");
  await assert.rejects(tx.batch(["insert into tx_err values (2)", "insert into tx_err values (1)"]), (e) => {
    assert.ok(e instanceof LibsqlBatchError);
    assert.equal(e.statementIndex, 1);
    assert.equal(e.code, "SQLITE_CONSTRAINT");
    return true;
  });
  assert.equal(tx.closed, false);
  await tx.rollback();
  assert.equal((await c.execute("select count(*) n from tx_err")).rows[0].n, 0);
});

test("an abandoned transaction is rolled back when closed", async (t) => {
  const c = createClient({ url: server.url });
  t.after(() => c.close());
  await c.execute("create table tx_ro(x)");
  const tx = await c.transaction("write");
  await tx.execute("insert into tx_ro values (1)");
  tx.close();
  assert.equal(tx.closed, true);
  // The server drops the stream (and its transaction) when told to close it.
  for (let i = 0; i < 50; i++) {
    try {
      await c.execute("insert into tx_ro values (2)");
      break;
    } catch (e) {
      if (e.code !== "SQLITE_BUSY") throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  assert.deepEqual((await c.execute("select x from tx_ro")).rows.map((r) => r.x), [2]);
});

test("batch is atomic, drizzle works over HTTP", async (t) => {
  const c = createClient({ url: server.url });
  t.after(() => c.close());
  await c.batch(["create table parent(id integer primary key)", "create table child(id integer primary key, p integer references parent(id))"], "write");
  await assert.rejects(c.batch(["insert into parent values (1)", "insert into child(p) values (42)"]), (e) => e instanceof LibsqlBatchError && e.statementIndex === 1);
  assert.equal((await c.execute("select count(*) n from parent")).rows[0].n, 0);
  const users = sqliteTable("users", { id: integer("id").primaryKey(), name: text("name").notNull() });
  await c.execute("create table users(id integer primary key, name text not null)");
  const db = drizzle(c);
  const [ann] = await db.insert(users).values({ name: "ann" }).returning();
  assert.deepEqual(ann, { id: 1, name: "ann" });
  await db.batch([db.insert(users).values({ name: "bob" }), db.update(users).set({ name: "ANN" }).where(eq(users.id, 1))]);
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.insert(users).values({ name: "cy" });
      throw new Error("nope");
    }),
    /nope/,
  );
  assert.deepEqual(await db.select().from(users).orderBy(users.id), [{ id: 1, name: "ANN" }, { id: 2, name: "bob" }]);
});

test("many concurrent calls share a bounded number of connections", async (t) => {
  const c = createClient({ url: server.url, concurrency: 4 });
  t.after(() => c.close());
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => c.execute({ sql: "select ? as i", args: [i] })));
  assert.deepEqual(results.map((r) => r.rows[0].i), Array.from({ length: 200 }, (_, i) => i));
});

test("auth: a good token works, a bad one fails with the HTTP status and never shows the token", async (t) => {
  const rw = createAuthToken({ privateKey: keys.privateKey, access: "rw" });
  const ro = createAuthToken({ privateKey: keys.privateKey, access: "ro" });
  const wrong = createAuthToken({ privateKey: generateKeyPair().privateKey });
  const ok = createClient({ url: authServer.url, authToken: rw });
  t.after(() => ok.close());
  await ok.execute("create table if not exists a(x)");
  // The token may also come in the URL.
  const viaUrl = createClient({ url: `${authServer.url.replace(/^http/, "libsql")}?tls=0&authToken=${rw}` });
  assert.equal((await viaUrl.execute("select count(*) n from a")).rows[0].n, 0);
  viaUrl.close();
  for (const [token, status] of [[undefined, 401], [wrong, 401], ["not-a-jwt-secret-value", 401], [ro, 403]]) {
    const c = createClient({ url: authServer.url, authToken: token });
    await assert.rejects(c.execute(status === 403 ? "insert into a values (1)" : "select 1"), (e) => {
      coded("SERVER_ERROR", new RegExp(`HTTP status ${status}`))(e);
      if (token) assert.ok(!e.message.includes(token), "the token leaked into the message");
      assert.match(e.message, status === 401 ? /auth token/ : /read-only/);
      return true;
    });
    c.close();
  }
});

test("URLs: malformed ones fail clearly, credentials never echo", () => {
  const bad = [
    ["libsql://", "URL_INVALID", /no host/],
    ["http://h:99999", "URL_INVALID", /host or port/],
    ["http://h:port", "URL_INVALID", /host or port/],
    ["https://user:secret@h", "URL_INVALID", /credentials/],
    ["http://h#frag", "URL_INVALID", /fragment/],
    ["http://h?tls=1", "URL_INVALID", /cannot opt into TLS/],
    ["https://h?tls=0", "URL_INVALID", /cannot opt out of TLS/],
    ["wss://h?tls=0", "URL_INVALID", /cannot opt out of TLS/],
    ["libsql://h?tls=0", "URL_INVALID", /explicit port/],
    ["libsql://h?tls=yes", "URL_INVALID", /tls/],
    ["libsql://h?foo=1", "URL_PARAM_NOT_SUPPORTED", /foo/],
    ["libsql://h?encryptionKey=k", "URL_PARAM_NOT_SUPPORTED", /encryptionKey/],
  ];
  for (const [url, code, pattern] of bad) {
    assert.throws(() => createClient({ url }), coded(code, pattern), url);
    assert.throws(() => createClient({ url: `${url}${url.includes("?") ? "&" : "?"}authToken=s3cr3t` }), (e) => !e.message.includes("s3cr3t"), url);
  }
  assert.throws(() => createClient({ url: "https://user:secret@h" }), (e) => !e.message.includes("secret"));
  assert.throws(() => createClient({ url: "libsql://h", encryptionKey: "k" }), coded("ENCRYPTION_KEY_NOT_SUPPORTED"));
  assert.throws(() => createClient({ url: "libsql://h", syncUrl: "libsql://p" }), coded("URL_INVALID", /embedded replica/));
  // Bare tls means tls=1; a libsql: URL defaults to TLS.
  assert.equal(createClient({ url: "libsql://h?tls" }).protocol, "http");
  assert.equal(createClient({ url: "wss://h" }).protocol, "ws");
  assert.equal(createClient({ url: "libsql://h:8080", tls: false }).protocol, "http");
});

test("an unreachable server is a clear error, and the process survives", async () => {
  const port = await deadPort();
  for (const url of [`http://127.0.0.1:${port}`, `ws://127.0.0.1:${port}`]) {
    const c = createClient({ url });
    await assert.rejects(c.execute("select 1"), coded("SERVER_UNREACHABLE", new RegExp(`127\\.0\\.0\\.1:${port}`)));
    await assert.rejects(c.batch(["select 1"]), coded("SERVER_UNREACHABLE"));
    const tx = await c.transaction();
    await assert.rejects(tx.execute("select 1"), coded("SERVER_UNREACHABLE"));
    assert.equal(tx.closed, true);
    c.close();
  }
  // TLS to a plain-HTTP server fails in the handshake, clearly.
  const tls = createClient({ url: server.url.replace(/^http/, "https") });
  await assert.rejects(tls.execute("select 1"), coded("SERVER_UNREACHABLE", /TLS/));
  tls.close();
});

test("closed client, sync() and reconnect()", async () => {
  const c = createClient({ url: server.url });
  await assert.rejects(c.sync(), coded("SYNC_NOT_SUPPORTED"));
  await c.reconnect();
  assert.equal((await c.execute("select 1 as x")).rows[0].x, 1);
  c.close();
  assert.equal(c.closed, true);
  await assert.rejects(c.execute("select 1"), coded("CLIENT_CLOSED"));
  await assert.rejects(c.transaction(), coded("CLIENT_CLOSED"));
});

test("embedded replica options are checked; a sync server is a clear error", async (t) => {
  const local = `file:${join(dir, "replica.db")}`;
  assert.throws(() => createClient({ url: local, syncUrl: "" }), coded("URL_INVALID"));
  assert.throws(() => createClient({ url: local, syncUrl: "ftp://x" }), coded("URL_SCHEME_NOT_SUPPORTED"));
  assert.throws(() => createClient({ url: local, syncUrl: "libsql://" }), coded("URL_INVALID"));
  assert.throws(() => createClient({ url: local, syncUrl: "libsql://h", syncInterval: -1 }), TypeError);
  assert.throws(() => createClient({ url: local, syncUrl: "libsql://h", syncInterval: "5" }), TypeError);
  assert.throws(() => createClient({ url: local, syncUrl: "libsql://h", readYourWrites: "yes" }), TypeError);
  assert.throws(() => createClient({ url: local, syncUrl: "libsql://h", offline: 1 }), TypeError);
  const opts = { syncInterval: 60, readYourWrites: false, offline: false };
  for (const offline of [false, true]) {
    const replica = createClient({ url: local, syncUrl: server.url, ...opts, offline });
    t.after(() => replica.close());
    assert.equal(replica.protocol, "file");
    // `astro-db serve` speaks the pull side of the HTTP sync protocol (offline replicas), not
    // sqld's gRPC replication log.
    const said = offline ? /offers replication, but @astrojs\/db\/client cannot run embedded replicas/ : /does not offer libSQL replication \(HTTP 404/;
    await assert.rejects(replica.sync(), coded("REPLICATION_NOT_SUPPORTED", said));
    await assert.rejects(replica.execute("select 1"), coded("REPLICATION_NOT_SUPPORTED"));
  }
  const port = await deadPort();
  const gone = createClient({ url: local, syncUrl: `http://127.0.0.1:${port}` });
  await assert.rejects(gone.sync(), coded("SYNC_SERVER_UNREACHABLE", /Cannot sync/));
  gone.close();
  // astro-db serve answers unknown paths with 404 before checking the token.
  const unauthorized = createClient({ url: local, syncUrl: authServer.url, authToken: "bad-token-value" });
  await assert.rejects(unauthorized.sync(), (e) => coded("REPLICATION_NOT_SUPPORTED")(e) && !e.message.includes("bad-token-value"));
  unauthorized.close();
});

test("local: sync() without a replica is a clear error", async () => {
  const c = createClient({ url: ":memory:" });
  await assert.rejects(c.sync(), coded("SYNC_NOT_SUPPORTED"));
  c.close();
});
