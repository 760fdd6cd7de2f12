// Embedded replicas of @astrojs/db/client against `astro-db serve` as the primary (libSQL's HTTP
// sync protocol): reads run on the local file, writes go through to the primary, and the file
// follows it on start, after writes, every syncInterval and on sync(), across generations and
// restarts. `@libsql/client`'s own replica (offline mode) reads the same files.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@astrojs/db/client";
import { createClient as createLibsqlClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
import { serve, createAuthToken, generateKeyPair } from "../dist/server/index.js";
import { serverGeneration } from "./helpers.mjs";

const dir = mkdtempSync(join(tmpdir(), "astro-db-replica-"));
const servers = [];
after(async () => {
  for (const s of servers) await s.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function primary({ auth = false, rows = 3, ...options } = {}) {
  const keys = auth ? generateKeyPair() : undefined;
  const db = join(dir, `primary-${++n}.db`);
  const server = await serve({ db, port: 0, authJwtKey: keys?.publicKey, log: () => {}, handleSignals: false, ...options });
  servers.push(server);
  const token = keys ? createAuthToken({ privateKey: keys.privateKey }) : undefined;
  const client = createClient({ url: server.url, authToken: token });
  await client.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  for (let i = 1; i <= rows; i++) await client.execute({ sql: "INSERT INTO item (id, name) VALUES (?, ?)", args: [i, `row ${i}`] });
  return { server, token, client, db };
}

/**
 * Inserts page-sized rows (ids from `from`) until `ends` generations have ended since the call
 * (the server checkpoints on a 250 ms tick); returns the generation it started in and the rows written.
 */
async function writeThroughGenerations(p, ends, from, maxRows) {
  const first = await serverGeneration(p.server);
  let id = from;
  while ((await serverGeneration(p.server)) < first + ends) {
    for (let i = 0; i < 6; i++) await p.client.execute({ sql: "INSERT INTO item (id, name) VALUES (?, ?)", args: [id++, "x".repeat(3000)] });
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(id - from < maxRows, "the primary never checkpointed");
  }
  return { first, written: id - from };
}

const names = async (c) => (await c.execute("SELECT name FROM item ORDER BY id")).rows.map((r) => r.name);
const waitFor = async (check, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

test("bootstraps from the primary and reads locally, even with the primary gone", async () => {
  const p = await primary();
  const path = join(dir, "boot.db");
  const replica = createClient({ url: `file:${path}`, syncUrl: p.server.url });
  assert.deepEqual(await names(replica), ["row 1", "row 2", "row 3"]);
  assert.ok(existsSync(`${path}-info`));
  await p.server.close();
  assert.deepEqual(await names(replica), ["row 1", "row 2", "row 3"]);
  replica.close();
  // Reopened while the primary is down: reads still work; sync and writes say why they cannot.
  const offline = createClient({ url: `file:${path}`, syncUrl: p.server.url });
  assert.deepEqual(await names(offline), ["row 1", "row 2", "row 3"]);
  await assert.rejects(offline.sync(), (e) => e.code === "SYNC_SERVER_UNREACHABLE");
  await assert.rejects(offline.execute("INSERT INTO item (id, name) VALUES (99, 'x')"), (e) => e.code === "SERVER_UNREACHABLE");
  offline.close();
  // A replica that never bootstrapped has nothing to read: the first call reports the sync failure.
  const never = createClient({ url: `file:${join(dir, "never.db")}`, syncUrl: p.server.url });
  await assert.rejects(never.execute("SELECT 1"), (e) => e.code === "SYNC_SERVER_UNREACHABLE");
  never.close();
});

test("writes go through to the primary; readYourWrites shows them at once, otherwise after sync()", async () => {
  const p = await primary();
  const ryw = createClient({ url: `file:${join(dir, "ryw.db")}`, syncUrl: p.server.url });
  const rs = await ryw.execute({ sql: "INSERT INTO item (id, name) VALUES (?, ?)", args: [4, "through"] });
  assert.equal(rs.rowsAffected, 1);
  assert.equal(rs.lastInsertRowid, 4n);
  assert.deepEqual(await names(p.client), ["row 1", "row 2", "row 3", "through"]);
  assert.deepEqual(await names(ryw), ["row 1", "row 2", "row 3", "through"]);

  const lazy = createClient({ url: `file:${join(dir, "lazy.db")}`, syncUrl: p.server.url, readYourWrites: false });
  await lazy.execute("INSERT INTO item (id, name) VALUES (5, 'later')");
  assert.equal((await names(lazy)).length, 4);
  const synced = await lazy.sync();
  assert.ok(synced.frames_synced > 0 && synced.frame_no > 0);
  assert.deepEqual((await names(lazy)).at(-1), "later");

  // A batch and a write transaction go through too; a failing statement fails there, nothing applied.
  await ryw.batch(["INSERT INTO item (id, name) VALUES (6, 'b1')", "INSERT INTO item (id, name) VALUES (7, 'b2')"], "write");
  const tx = await ryw.transaction("write");
  await tx.execute("INSERT INTO item (id, name) VALUES (8, 'tx')");
  await tx.commit();
  assert.deepEqual((await names(ryw)).slice(-3), ["b1", "b2", "tx"]);
  await assert.rejects(ryw.execute("INSERT INTO item (id, name) VALUES (1, 'dup')"), (e) => e.code === "SQLITE_CONSTRAINT");
  // Drizzle runs on the replica unchanged.
  const item = sqliteTable("item", { id: integer("id").primaryKey(), name: text("name").notNull() });
  const db = drizzle(ryw);
  await db.insert(item).values({ id: 9, name: "drizzle" });
  assert.deepEqual((await db.select().from(item).all()).at(-1), { id: 9, name: "drizzle" });
  ryw.close();
  lazy.close();
});

test("syncInterval pulls what other clients write", async () => {
  const p = await primary();
  const replica = createClient({ url: `file:${join(dir, "interval.db")}`, syncUrl: p.server.url, syncInterval: 0.1 });
  assert.equal((await names(replica)).length, 3);
  await p.client.execute("INSERT INTO item (id, name) VALUES (10, 'from elsewhere')");
  await waitFor(async () => (await names(replica)).includes("from elsewhere"));
  replica.close();
});

test("a replica reopened from its files continues where it stopped; a plain file is never overwritten", async () => {
  const p = await primary();
  const path = join(dir, "reopen.db");
  let replica = createClient({ url: `file:${path}`, syncUrl: p.server.url });
  assert.equal((await names(replica)).length, 3);
  replica.close();
  const inode = statSync(path).ino;
  await p.client.execute("INSERT INTO item (id, name) VALUES (11, 'while closed')");
  replica = createClient({ url: `file:${path}`, syncUrl: p.server.url });
  assert.deepEqual((await names(replica)).at(-1), "while closed");
  assert.equal(statSync(path).ino, inode, "the replica was downloaded again");
  replica.close();

  const plain = join(dir, "plain.db");
  const c = createClient({ url: `file:${plain}` });
  await c.execute("CREATE TABLE mine (x)");
  c.close();
  const refused = createClient({ url: `file:${plain}`, syncUrl: p.server.url });
  await assert.rejects(refused.execute("SELECT 1"), (e) => e.code === "REPLICA_INVALID" && /not an embedded replica/.test(e.message));
  refused.close();
  const kept = createClient({ url: `file:${plain}` });
  assert.equal((await kept.execute("SELECT count(*) AS n FROM sqlite_master WHERE name = 'mine'")).rows[0].n, 1);
  kept.close();
});

test("a replica behind the primary's checkpoints catches up across generations", async () => {
  const p = await primary({ syncCheckpointFrames: 8 });
  const replica = createClient({ url: `file:${join(dir, "gens.db")}`, syncUrl: p.server.url, readYourWrites: false });
  assert.equal((await names(replica)).length, 3);
  // Two generations ending while the replica waits: it must read the first from an archive,
  // then move through both.
  const { written } = await writeThroughGenerations(p, 2, 100, 1900);
  await replica.sync();
  assert.equal((await replica.execute("SELECT count(*) AS n FROM item")).rows[0].n, 3 + written);
  assert.equal((await replica.execute("PRAGMA integrity_check")).rows[0][0], "ok");
  replica.close();
});

test("a replica left behind the primary's archives downloads it again by itself", async () => {
  const p = await primary({ syncCheckpointFrames: 8 });
  const replica = createClient({ url: `file:${join(dir, "stale.db")}`, syncUrl: p.server.url, readYourWrites: false });
  assert.equal((await names(replica)).length, 3);
  // The server keeps two archived generations: four ends put the replica's out of reach.
  const { first, written } = await writeThroughGenerations(p, 4, 200, 2800);
  // The frames the replica lacks are gone from the server: only a new download can bring it up to date.
  assert.ok(!existsSync(`${p.db}-gen-${first}.wal`), "the replica's generation is still archived");
  await replica.sync();
  assert.equal((await replica.execute("SELECT count(*) AS n FROM item")).rows[0].n, 3 + written);
  await p.client.execute("INSERT INTO item (id, name) VALUES (9999, 'after')");
  await replica.sync();
  assert.equal((await names(replica)).at(-1), "after");
  replica.close();
});

test("memory replicas live in a temporary file; tokens are sent and never shown", async () => {
  const p = await primary({ auth: true });
  const replica = createClient({ url: ":memory:", syncUrl: p.server.url, authToken: p.token });
  assert.equal((await names(replica)).length, 3);
  replica.close();
  const bad = createClient({ url: ":memory:", syncUrl: p.server.url, authToken: "not-a-valid-token" });
  await assert.rejects(bad.sync(), (e) => /401/.test(e.message) && !e.message.includes("not-a-valid-token"));
  bad.close();
});

test("@libsql/client's replica (offline mode) and ours read each other's replica files", async () => {
  const p = await primary();
  const path = join(dir, "shared.db");
  const theirs = createLibsqlClient({ url: `file:${path}`, syncUrl: p.server.url, offline: true });
  await theirs.sync();
  assert.deepEqual(await names(theirs), ["row 1", "row 2", "row 3"]);
  theirs.close();
  await p.client.execute("INSERT INTO item (id, name) VALUES (12, 'after theirs')");
  const ours = createClient({ url: `file:${path}`, syncUrl: p.server.url });
  assert.deepEqual((await names(ours)).at(-1), "after theirs");
  ours.close();
  await p.client.execute("INSERT INTO item (id, name) VALUES (13, 'after ours')");
  const again = createLibsqlClient({ url: `file:${path}`, syncUrl: p.server.url, offline: true });
  await again.sync();
  assert.deepEqual((await names(again)).at(-1), "after ours");
  again.close();
});
