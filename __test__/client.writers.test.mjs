// Concurrent writers on one file: several requests of one process, and several processes,
// writing through the real runtime (`createLocalDatabase`, Drizzle, our native client) on a
// real file. Nothing may fail, nothing may leak between transactions, and a failure that
// does happen must say why (the SQLite code), not only which query failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
import { eq, sql } from "drizzle-orm";
import { createClient } from "@astrojs/db/client";
import { createLocalDatabase } from "@astrojs/db/runtime";
import { remoteClientConfig } from "../dist/runtime/remote-url.js";
import { tempDir } from "./helpers.mjs";

const Item = sqliteTable("Item", {
  id: integer("id").primaryKey(),
  tag: text("tag").notNull(),
  seq: integer("seq").notNull(),
});
const SCHEMA = "CREATE TABLE IF NOT EXISTS Item (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, seq INTEGER NOT NULL)";

async function fileDb(t, name = "w.db", query = "") {
  const path = join(tempDir(t), name);
  const db = createLocalDatabase(pathToFileURL(path).href + query);
  t.after(() => db.$client.close());
  await db.run(sql.raw(SCHEMA));
  return { db, path };
}

const pragma = async (db, name) => Object.values((await db.$client.execute(`PRAGMA ${name}`)).rows[0])[0];

/** Another process holding the write lock of `path` for `ms`; resolves once it holds it, with `released`. */
async function holdWriteLock(t, path, ms) {
  const script = `import { createClient } from ${JSON.stringify(new URL("../dist/client/index.js", import.meta.url).href)};
    const c = createClient({ url: ${JSON.stringify(pathToFileURL(path).href)} });
    const tx = await c.transaction("write"); console.log("held");
    setTimeout(async () => { await tx.commit(); process.exit(0); }, ${ms});`;
  const p = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: new URL("..", import.meta.url).pathname });
  t.after(() => p.kill());
  await new Promise((resolve, reject) => {
    p.stdout.on("data", (d) => String(d).includes("held") && resolve());
    p.on("exit", (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
  return { released: new Promise((resolve) => p.on("exit", resolve)) };
}

test("files open in WAL and wait 5 s for another process's write lock; a file: URL may choose otherwise", async (t) => {
  const { db, path } = await fileDb(t);
  assert.equal(await pragma(db, "journal_mode"), "wal");
  // Waits (here ~400 ms, the event loop stopped) instead of failing with SQLITE_BUSY.
  let { released } = await holdWriteLock(t, path, 400);
  let started = performance.now();
  await db.insert(Item).values({ tag: "waited", seq: 1 });
  assert.ok(performance.now() - started > 250, "the insert did not wait for the other process");
  await released;
  // ?busyTimeout= shortens the wait; the error names SQLITE_BUSY under Drizzle's wrapper.
  const short = createLocalDatabase(pathToFileURL(path).href + "?busyTimeout=100");
  t.after(() => short.$client.close());
  ({ released } = await holdWriteLock(t, path, 1500));
  started = performance.now();
  const err = await short.insert(Item).values({ tag: "gave up", seq: 2 }).catch((e) => e);
  const waited = performance.now() - started;
  assert.match(String(err?.message), /cause: SQLITE_BUSY/);
  assert.ok(waited >= 90 && waited < 1000, `gave up after ${waited} ms`);
  await released;
  const { db: chosen } = await fileDb(t, "d.db", "?busyTimeout=1234&journalMode=delete");
  assert.equal(await pragma(chosen, "journal_mode"), "delete");
  // The options of the client config do the same.
  const c = createClient({ url: `file:${join(tempDir(t), "c.db")}`, busyTimeout: 77, journalMode: "delete" });
  t.after(() => c.close());
  assert.equal(Object.values((await c.execute("PRAGMA journal_mode")).rows[0])[0], "delete");
});

test("file options are checked and named; remote URLs refuse them; ASTRO_DB_REMOTE_URL passes them on", (t) => {
  const dir = tempDir(t);
  const coded = (code, re) => (e) => e.code === code && re.test(e.message);
  assert.throws(() => createClient({ url: `file:${dir}/x.db?journalMode=truncate` }), coded("URL_INVALID", /journalMode "truncate"/));
  assert.throws(() => createClient({ url: `file:${dir}/x.db?busyTimeout=soon` }), coded("URL_INVALID", /busyTimeout="soon"/));
  assert.throws(() => createClient({ url: `file:${dir}/x.db?busytimeout=1` }), coded("URL_PARAM_NOT_SUPPORTED", /"busytimeout".*supported: busyTimeout, journalMode/));
  assert.throws(() => createClient({ url: `file:${dir}/x.db`, busyTimeout: -1 }), TypeError);
  assert.throws(() => createClient({ url: "http://127.0.0.1:1", busyTimeout: 10 }), coded("URL_PARAM_NOT_SUPPORTED", /busyTimeout applies to a local database file/));
  assert.deepEqual(remoteClientConfig("file:prod.db?busyTimeout=100&journalMode=delete"), { url: "file:prod.db", busyTimeout: 100, journalMode: "delete" });
  assert.throws(() => remoteClientConfig("file:prod.db?busyTimeout=x"), /busyTimeout="x".*whole number/);
});

test("ASTRO_DATABASE_FILE's file options reach its migration and seeding too", async (t) => {
  const { loadSchema, migrateLocalDatabase, resetLocalDatabase } = await import("../index.js");
  const { localTarget } = await import("../dist/integration/prepare.js");
  const dir = tempDir(t);
  const { snapshot } = loadSchema(JSON.stringify({ tables: { Item: { columns: { tag: { type: "text", schema: {} } } } } }));
  const target = localTarget(pathToFileURL(`${dir}/`), `file://${dir}/prod.db?journalMode=delete&busyTimeout=250`);
  assert.deepEqual(target.options, { busyTimeout: 250, journalMode: "delete" });
  migrateLocalDatabase(target.path, snapshot, target.options);
  resetLocalDatabase(join(dir, "dev.db"), snapshot);
  // Bytes 18 and 19 of the header: 1 for a rollback journal, 2 for WAL (read without opening).
  const journal = (file) => ({ 1: "delete", 2: "wal" })[readFileSync(join(dir, file))[18]];
  assert.equal(journal("prod.db"), "delete");
  assert.equal(journal("dev.db"), "wal");
  assert.throws(() => localTarget(pathToFileURL(`${dir}/`), `file://${dir}/prod.db?journalMode=memory`), /journalMode "memory"/);
  assert.throws(() => migrateLocalDatabase(target.path, snapshot, { journalMode: "memory" }), (e) => e.code === "URL_INVALID" && /prod\.db.*journalMode/.test(e.message));
});

test("concurrent transactions in one process: isolated, never nested, never undoing each other", async (t) => {
  const { db } = await fileDb(t);
  const seen = [];
  const request = async (i) => {
    try {
      await db.transaction(async (tx) => {
        await tx.insert(Item).values({ tag: `t${i}`, seq: 1 });
        await sleep(i % 3); // other requests run here
        await tx.insert(Item).values({ tag: `t${i}`, seq: 2 });
        // Every other request's rows come in committed pairs: never one row of an open transaction.
        const rows = await tx.select().from(Item);
        const byTag = Map.groupBy(rows, (r) => r.tag);
        for (const [tag, list] of byTag) seen.push([i, tag, list.length]);
        if (i % 4 === 0) throw new Error(`request ${i} rolls back`);
      });
      return "committed";
    } catch (e) {
      if (e.message === `request ${i} rolls back`) return "rolled back";
      throw e;
    }
  };
  // Batches and plain writes arrive in the middle of the transactions and wait their turn.
  const batch = (i) => db.batch([db.select().from(Item).where(eq(Item.tag, "b")), db.insert(Item).values({ tag: `b${i}`, seq: 1 }), db.insert(Item).values({ tag: `b${i}`, seq: 2 })]);
  const outcomes = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 6 === 5 ? batch(i).then(() => "batch") : request(i))));
  for (const [i, tag, n] of seen) assert.equal(n, 2, `request ${i} saw ${n} row(s) of ${tag}`);
  const rows = await db.select().from(Item);
  const count = (tag) => rows.filter((r) => r.tag === tag).length;
  outcomes.forEach((o, i) => assert.equal(count(o === "batch" ? `b${i}` : `t${i}`), o === "rolled back" ? 0 : 2, `${o} request ${i}`));
  assert.equal(rows.length, outcomes.filter((o) => o !== "rolled back").length * 2);
});

test("reads keep answering, from the last commit, while a transaction writes", async (t) => {
  const { db } = await fileDb(t);
  await db.insert(Item).values({ tag: "before", seq: 0 });
  let release;
  const gate = new Promise((r) => (release = r));
  const writer = db.transaction(async (tx) => {
    await tx.insert(Item).values({ tag: "during", seq: 1 });
    await gate;
  });
  await sleep(10);
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const rows = await db.select().from(Item);
    assert.deepEqual(rows.map((r) => r.tag), ["before"]);
    assert.ok(performance.now() - started < 100, "a read waited for the writer");
  }
  // A plain write waits for the transaction instead of failing or blocking the reads above.
  const queued = db.insert(Item).values({ tag: "after", seq: 2 }).then(() => "written"); // starts now
  await sleep(20);
  release();
  await writer;
  assert.equal(await queued, "written");
  assert.deepEqual((await db.select().from(Item)).map((r) => r.tag), ["before", "during", "after"]);
});

test("a transaction left open makes other writers fail after the busy timeout, naming SQLITE_BUSY", async (t) => {
  const { db } = await fileDb(t, "stuck.db", "?busyTimeout=150");
  const stuck = await db.$client.transaction("write");
  t.after(() => stuck.close());
  const err = await db.insert(Item).values({ tag: "x", seq: 1 }).catch((e) => e);
  assert.match(err.message, /SQLITE_BUSY/);
  assert.match(err.stack, /SQLITE_BUSY/);
});

test("closing a client gives back the write turn of a transaction it left open", async (t) => {
  const { db, path } = await fileDb(t, "turn.db");
  const other = createClient({ url: pathToFileURL(path).href });
  await other.transaction("write"); // never settled
  other.close();
  await db.insert(Item).values({ tag: "after close", seq: 1 });
  assert.equal((await db.select().from(Item)).length, 1);
});

test("a failed query's message and stack name the SQLite error behind Drizzle's wrapper", async (t) => {
  const { db } = await fileDb(t);
  await db.insert(Item).values({ id: 1, tag: "a", seq: 1 });
  for (const attempt of [
    () => db.insert(Item).values({ id: 1, tag: "dup", seq: 1 }), // the fast insert path
    () => db.insert(Item).values({ id: 1, tag: "dup", seq: 1 }).returning(), // Drizzle's own
    () => db.update(Item).set({ tag: null }).where(eq(Item.id, 1)),
  ]) {
    const err = await attempt().catch((e) => e);
    assert.match(err.message, /^Failed query: /);
    assert.match(err.message, /\ncause: SQLITE_CONSTRAINT: (UNIQUE|NOT NULL) constraint failed: Item\.(id|tag) \(SQLITE_CONSTRAINT_(PRIMARYKEY|NOTNULL)\)/);
    assert.match(err.stack, /cause: SQLITE_CONSTRAINT/);
    assert.equal(err.cause.code, "SQLITE_CONSTRAINT");
  }
});

// One process of the two-process test: `writers` concurrent loops, each doing `rounds`
// writes of three kinds (a fast insert, a transaction that reads then writes, a batch that
// reads then writes); prints the acknowledged keys and any errors as JSON.
const WORKER = `
import { createLocalDatabase } from ${JSON.stringify(new URL("../dist/runtime/index.js", import.meta.url).href)};
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
import { eq, count } from "drizzle-orm";
const [url, label, writers, rounds] = process.argv.slice(1);
const Item = sqliteTable("Item", { id: integer("id").primaryKey(), tag: text("tag").notNull(), seq: integer("seq").notNull() });
const db = createLocalDatabase(url);
const acked = [], errors = [];
async function loop(w) {
  for (let r = 0; r < Number(rounds); r++) {
    const tag = label + "-" + w + "-" + r;
    try {
      if (r % 3 === 0) await db.insert(Item).values({ tag, seq: 0 });
      else if (r % 3 === 1) await db.transaction(async (tx) => {
        const [{ n }] = await tx.select({ n: count() }).from(Item);
        await new Promise((res) => setImmediate(res));
        await tx.insert(Item).values({ tag, seq: n });
      });
      else await db.batch([db.select({ n: count() }).from(Item), db.insert(Item).values({ tag, seq: -1 })]);
      acked.push(tag);
    } catch (e) {
      errors.push(String(e.message).slice(-200));
    }
  }
}
await Promise.all(Array.from({ length: Number(writers) }, (_, w) => loop(w)));
console.log(JSON.stringify({ acked, errors }));
`;

function runWorker(cwd, url, label, writers, rounds) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--input-type=module", "-e", WORKER, url, label, String(writers), String(rounds)], { cwd });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker ${label} exited ${code}: ${err}`))));
  });
}

test("two processes writing one file at once: no errors, every acknowledged write there exactly once", { timeout: 120_000 }, async (t) => {
  const { db, path } = await fileDb(t, "shared.db");
  const url = pathToFileURL(path).href;
  const cwd = new URL("..", import.meta.url).pathname;
  const [a, b] = await Promise.all([runWorker(cwd, url, "a", 6, 60), runWorker(cwd, url, "b", 6, 60)]);
  assert.deepEqual([...a.errors, ...b.errors], [], "writes failed");
  const rows = await db.select({ tag: Item.tag }).from(Item);
  const tags = rows.map((r) => r.tag).sort();
  assert.deepEqual(tags, [...a.acked, ...b.acked].sort(), "the rows are exactly the acknowledged writes");
  assert.equal(tags.length, 2 * 6 * 60);
});

// The remote client under concurrent requests, against `astro-db serve` on a file, through a
// TCP relay that counts connections and can cut one after the server answered.
test("remote: concurrent writers through one client reuse connections, never fail, and a cut write is never sent twice", { timeout: 120_000 }, async (t) => {
  const { serve } = await import("../dist/server/index.js");
  const { createDatabase } = await import("@astrojs/db/runtime");
  const { createServer, connect } = await import("node:net");
  const server = await serve({ db: join(tempDir(t), "remote.db"), port: 0, log: () => {}, handleSignals: false });
  const upstreamPort = Number(new URL(server.url).port);
  let connections = 0;
  let cutNext = false;
  const relay = createServer((client) => {
    connections++;
    const backend = connect(upstreamPort, "127.0.0.1");
    let cut = false;
    client.on("data", (d) => {
      // The request that carries the marker reaches the server, but its answer never comes back.
      if (cutNext && d.includes("cut-after-commit")) {
        cutNext = false;
        cut = true;
      }
      backend.write(d);
    });
    backend.on("data", (d) => (cut ? client.destroy() : client.write(d)));
    client.on("error", () => backend.destroy());
    backend.on("error", () => client.destroy());
    client.on("close", () => backend.destroy());
    backend.on("close", () => client.destroy());
  });
  await new Promise((r) => relay.listen(0, "127.0.0.1", r));
  t.after(async () => {
    relay.close();
    await server.close();
  });
  const client = createClient({ url: `http://127.0.0.1:${relay.address().port}`, concurrency: 8 });
  t.after(() => client.close());
  const db = createDatabase(client);
  await db.run(sql.raw(SCHEMA));

  const acked = [];
  const errors = [];
  const request = async (i) => {
    const tag = `r${i}`;
    try {
      if (i % 3 === 0) await db.insert(Item).values({ tag, seq: 0 });
      else if (i % 3 === 1) {
        await db.transaction(async (tx) => {
          const rows = await tx.select().from(Item).where(eq(Item.tag, tag));
          await tx.insert(Item).values({ tag, seq: rows.length });
        });
      } else await db.batch([db.select().from(Item).where(eq(Item.tag, tag)), db.insert(Item).values({ tag, seq: -1 })]);
      acked.push(tag);
    } catch (e) {
      errors.push(`${i % 3} ${e.message}`);
    }
  };
  await Promise.all(Array.from({ length: 240 }, (_, i) => request(i)));
  assert.deepEqual(errors, []);
  const tags = (await db.select({ tag: Item.tag }).from(Item)).map((r) => r.tag).sort();
  assert.deepEqual(tags, acked.sort(), "every acknowledged write exactly once");
  // Kept-alive connections are reused: calls one after another need no new ones.
  const opened = connections;
  for (let i = 0; i < 40; i++) await db.select().from(Item).where(eq(Item.id, i));
  assert.ok(connections - opened <= 1, `${connections - opened} new TCP connections for 40 calls in a row`);

  // A write whose answer is lost may have committed: it fails, and is not sent again.
  cutNext = true;
  const err = await db.insert(Item).values({ tag: "cut-after-commit", seq: 0 }).catch((e) => e);
  assert.ok(err instanceof Error, "the cut write reported success");
  const cut = await db.select().from(Item).where(eq(Item.tag, "cut-after-commit"));
  assert.equal(cut.length, 1, `the cut write is in the database ${cut.length} times`);
});
