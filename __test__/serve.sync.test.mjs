// `serve` as a primary for libSQL embedded replicas: `@libsql/client` with `syncUrl` and
// `offline: true` (libsql-js, speaking the HTTP sync protocol) is the judge.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createClient } from "@libsql/client";
import { serve, createAuthToken, generateKeyPair } from "../dist/server/index.js";
import { parseServeArgs } from "../dist/cli/serve.js";
import { serverGeneration } from "./helpers.mjs";

const quiet = { log: () => {}, handleSignals: false };
let dir;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "astro-db-serve-sync-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const replicaOf = (server, name, extra = {}) =>
  createClient({ url: `file:${join(dir, name)}`, syncUrl: server.url, offline: true, ...extra });

const count = async (c, table = "t") => Number((await c.execute(`select count(*) as n from ${table}`)).rows[0].n);


/** Lets a pending checkpoint run (the server checks every 250 ms), then brings `replica` up to date. */
async function settle(server, replica) {
  await new Promise((r) => setTimeout(r, 600));
  await replica.sync();
}

/**
 * Inserts rows (about one 4 KiB page each) until the server has started `target` generation;
 * rounds of 10 rows write fewer frames than the tests' threshold (40), so it stops at most one
 * checkpoint past `target`.
 */
async function writeUntilGeneration(server, primary, target, table = "t") {
  let written = 0;
  while ((await serverGeneration(server)) < target) {
    for (let i = 0; i < 10; i++) {
      await primary.execute({ sql: `insert into ${table} (v) values (?)`, args: ["x".repeat(3000)] });
    }
    written += 10;
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(written < 5000, "the server never started a new generation");
  }
  return written;
}

test("a replica bootstraps, pulls later writes, and continues after a restart from its files", async (t) => {
  const server = await serve({ db: join(dir, "basic.db"), port: 0, ...quiet });
  t.after(() => server.close());
  const primary = createClient({ url: server.url });
  t.after(() => primary.close());
  await primary.execute("create table t (id integer primary key, v text)");
  await primary.batch(Array.from({ length: 10 }, (_, i) => ({ sql: "insert into t (v) values (?)", args: [`row ${i}`] })), "write");

  let replica = replicaOf(server, "basic-replica.db");
  await replica.sync();
  assert.equal(await count(replica), 10);
  assert.equal((await replica.execute("select v from t where id = 3")).rows[0].v, "row 2");

  await primary.execute({ sql: "insert into t (v) values (?)", args: ["later"] });
  await primary.execute("update t set v = 'changed' where id = 1");
  await replica.sync();
  assert.equal(await count(replica), 11);
  assert.equal((await replica.execute("select v from t where id = 1")).rows[0].v, "changed");

  // A second sync with nothing new is a no-op.
  await replica.sync();
  assert.equal(await count(replica), 11);

  replica.close();
  replica = replicaOf(server, "basic-replica.db");
  assert.equal(await count(replica), 11, "the replica keeps its rows across a reopen");
  await primary.execute({ sql: "insert into t (v) values (?)", args: ["after reopen"] });
  await replica.sync();
  assert.equal(await count(replica), 12);
  replica.close();
  // Below the threshold, nothing (writes, closes, idle ticks) ends the generation.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await serverGeneration(server), 1);
});

test("the generation rolls over while a replica is behind; the replica still gets every row", async (t) => {
  const server = await serve({ db: join(dir, "roll.db"), port: 0, syncCheckpointFrames: 40, ...quiet });
  t.after(() => server.close());
  const primary = createClient({ url: server.url });
  t.after(() => primary.close());
  await primary.execute("create table t (id integer primary key, v text)");
  await primary.execute({ sql: "insert into t (v) values (?)", args: ["first"] });
  const replica = replicaOf(server, "roll-replica.db");
  t.after(() => replica.close());
  await replica.sync();
  assert.equal(await count(replica), 1);
  const start = await serverGeneration(server);

  // Behind by one generation and a half: frames of the ended one come from its archive.
  const written = await writeUntilGeneration(server, primary, start + 1);
  await primary.execute({ sql: "insert into t (v) values (?)", args: ["in the new generation"] });
  await replica.sync();
  assert.equal(await count(replica), 2 + written);
  assert.equal((await replica.execute("select v from t order by id desc limit 1")).rows[0].v, "in the new generation");

  // In step again: later generations arrive one after the other.
  await settle(server, replica);
  const more = await writeUntilGeneration(server, primary, (await serverGeneration(server)) + 1);
  await replica.sync();
  assert.equal(await count(replica), 2 + written + more);
  assert.equal(await count(primary), 2 + written + more);

  // Concurrent writers across a generation end while the replica is behind: the checkpoint
  // must not lose a frame committed while it archives. Rows are written in rounds of fewer
  // frames than the threshold, so a round ends at most one generation, and the replica (which
  // may lag by the two archived generations) is never left too far behind.
  await settle(server, replica);
  const writers = Array.from({ length: 4 }, () => createClient({ url: server.url }));
  t.after(() => writers.forEach((w) => w.close()));
  const before = await serverGeneration(server);
  let concurrent = 0;
  while ((await serverGeneration(server)) < before + 1) {
    await Promise.all(
      writers.map(async (w, i) => {
        for (let k = 0; k < 2; k++) await w.execute({ sql: "insert into t (v) values (?)", args: [`w${i}-${k}`.padEnd(2500, "y")] });
      }),
    );
    concurrent += 8;
    assert.ok(concurrent < 5000, "the server never started a new generation");
  }
  await replica.sync();
  const digest = "select count(*) as n, sum(id) as s, sum(length(v)) as l, max(v) as m from t";
  assert.deepEqual((await replica.execute(digest)).rows[0], (await primary.execute(digest)).rows[0]);
  assert.equal(await count(replica), 2 + written + more + concurrent);

  // A new replica bootstraps from the current generation's export.
  const fresh = replicaOf(server, "roll-fresh.db");
  t.after(() => fresh.close());
  await fresh.sync();
  assert.deepEqual((await fresh.execute(digest)).rows[0], (await primary.execute(digest)).rows[0]);

  // A replica left behind past the kept archives is told to start over.
  const old = replicaOf(server, "roll-old.db");
  await old.sync();
  const gen = await serverGeneration(server);
  await writeUntilGeneration(server, primary, gen + 4);
  await assert.rejects(old.sync(), /too old/);
  old.close();
});

test("auth: replicas need a valid token; read-only access is enough", async (t) => {
  const keys = generateKeyPair();
  const server = await serve({ db: join(dir, "auth.db"), port: 0, authJwtKey: keys.publicKey, ...quiet });
  t.after(() => server.close());
  const rw = createAuthToken({ privateKey: keys.privateKey, access: "rw" });
  const ro = createAuthToken({ privateKey: keys.privateKey, access: "ro" });
  const wrong = createAuthToken({ privateKey: generateKeyPair().privateKey });
  const primary = createClient({ url: server.url, authToken: rw });
  t.after(() => primary.close());
  await primary.execute("create table t (id integer primary key, v text)");
  await primary.execute("insert into t (v) values ('secret')");

  for (const [name, extra] of [["none", {}], ["wrong", { authToken: wrong }]]) {
    const r = await fetch(`${server.url}/info`, extra.authToken ? { headers: { authorization: `Bearer ${extra.authToken}` } } : {});
    assert.equal(r.status, 401, name);
    await assert.rejects(
      (async () => {
        const c = replicaOf(server, `auth-${name}.db`, extra);
        try {
          await c.sync();
        } finally {
          c.close();
        }
      })(),
      name,
    );
  }
  const replica = replicaOf(server, "auth-ok.db", { authToken: ro });
  t.after(() => replica.close());
  await replica.sync();
  assert.equal((await replica.execute("select v from t")).rows[0].v, "secret");
  await primary.execute("insert into t (v) values ('more')");
  await replica.sync();
  assert.equal(await count(replica), 2);
});

test("a restarted server keeps its generation: replicas continue without bootstrapping again", async (t) => {
  const db = join(dir, "restart.db");
  let server = await serve({ db, port: 0, syncCheckpointFrames: 40, ...quiet });
  const port = server.port;
  let primary = createClient({ url: server.url });
  await primary.execute("create table t (id integer primary key, v text)");
  const written = await writeUntilGeneration(server, primary, 2);
  const replica = replicaOf(server, "restart-replica.db");
  t.after(() => replica.close());
  await settle(server, replica);
  assert.equal(await count(replica), written);
  const gen = await serverGeneration(server);
  assert.ok(existsSync(`${db}-astro-sync.json`));
  primary.close();
  await server.close();

  server = await serve({ db, port, ...quiet });
  t.after(() => server.close());
  assert.equal(await serverGeneration(server), gen);
  // Nothing about the files looks like a checkpoint by someone else: no new generation either.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await serverGeneration(server), gen);
  primary = createClient({ url: server.url });
  t.after(() => primary.close());
  await primary.execute("insert into t (v) values ('after restart')");
  await replica.sync();
  assert.equal(await count(replica), written + 1);
});

test("bad requests get clear 4xx answers", async (t) => {
  const server = await serve({ db: join(dir, "paths.db"), port: 0, ...quiet });
  t.after(() => server.close());
  const primary = createClient({ url: server.url });
  t.after(() => primary.close());
  await primary.execute("create table t (x)");
  await primary.execute("insert into t values (1)");
  const gen = await serverGeneration(server);
  const get = async (path, init) => {
    const r = await fetch(`${server.url}${path}`, init);
    return { status: r.status, body: await r.text() };
  };
  const frames = await get(`/sync/${gen}/1/2`);
  assert.equal(frames.status, 200);
  assert.equal(Buffer.byteLength(frames.body, "latin1") > 0, true);
  const raw = await fetch(`${server.url}/sync/${gen}/1/3`);
  assert.equal((await raw.arrayBuffer()).byteLength, 2 * (24 + 4096));

  const end = await get(`/sync/${gen}/100000/100128`);
  assert.equal(end.status, 400);
  assert.deepEqual(JSON.parse(end.body), { generation: gen });

  for (const [path, status, pattern] of [
    ["/sync/abc/1/2", 400, /generation/],
    ["/sync/1/1", 400, /end frame/],
    ["/sync/1/0/5", 400, /numbered from 1/],
    ["/sync/1/5/5", 400, /invalid frame range/],
    ["/sync/1/1/2/3", 404, /Not found/],
    [`/sync/${gen + 7}/1/2`, 404, /does not exist/],
    [`/export/${gen + 7}`, 404, /does not exist/],
    ["/export/x", 400, /generation/],
  ]) {
    const r = await get(path);
    assert.equal(r.status, status, `${path}: ${r.body}`);
    assert.match(r.body, pattern, path);
  }
  const push = await get(`/sync/${gen}/1/2`, { method: "POST", body: "frames" });
  assert.equal(push.status, 405);
  assert.match(JSON.parse(push.body).error, /does not accept pushed frames/);

  // Replicas only take 4096-byte pages.
  const small = join(dir, "small-pages.db");
  const local = createClient({ url: `file:${small}` });
  await local.execute("pragma page_size = 1024");
  await local.execute("create table t (x)");
  local.close();
  const s2 = await serve({ db: small, port: 0, ...quiet });
  t.after(() => s2.close());
  const info = await fetch(`${s2.url}/info`);
  assert.equal(info.status, 400);
  assert.match((await info.json()).error, /1024-byte pages/);
  // Hrana still works on it.
  const c2 = createClient({ url: s2.url });
  t.after(() => c2.close());
  assert.equal(await count(c2), 0);
});

test("--sync-checkpoint-frames maps to syncCheckpointFrames", async () => {
  assert.equal(parseServeArgs(["--sync-checkpoint-frames", "50"]).syncCheckpointFrames, 50);
  assert.equal(parseServeArgs([]).syncCheckpointFrames, undefined);
  for (const bad of ["0", "-1", "1.5", "many"]) {
    assert.throws(() => parseServeArgs([`--sync-checkpoint-frames=${bad}`]), /--sync-checkpoint-frames must be/);
  }
  await assert.rejects(serve({ db: join(dir, "zero.db"), port: 0, syncCheckpointFrames: 0, ...quiet }), /at least 1/);
});

test("an empty database bootstraps; a replica's local writes are refused on push", async (t) => {
  const server = await serve({ db: join(dir, "empty.db"), port: 0, ...quiet });
  t.after(() => server.close());
  const replica = replicaOf(server, "empty-replica.db");
  t.after(() => replica.close());
  await replica.sync();
  const primary = createClient({ url: server.url });
  t.after(() => primary.close());
  await primary.execute("create table t (x)");
  await primary.execute("insert into t values (1)");
  await replica.sync();
  assert.equal(await count(replica), 1);
  await replica.execute("insert into t values (2)");
  await assert.rejects(replica.sync(), /405.*does not accept pushed frames/);
  assert.equal(await count(primary), 1);
});

test("concurrent write transactions never deadlock with the checkpoint (batches from 8 clients across generations)", async (t) => {
  const server = await serve({ db: join(dir, "contention.db"), port: 0, syncCheckpointFrames: 16, ...quiet });
  t.after(() => server.close());
  const setup = createClient({ url: server.url });
  await setup.execute("create table t (id integer primary key, v text)");
  const started = await serverGeneration(server);
  const clients = Array.from({ length: 8 }, () => createClient({ url: server.url }));
  const deadline = Date.now() + 3000;
  let rows = 0;
  // Each batch is one transaction over several statements: a checkpoint falling between two of
  // them must wait for the COMMIT, not block the transaction's next statement.
  await Promise.all(
    clients.map(async (c, k) => {
      while (Date.now() < deadline) {
        await c.batch(Array.from({ length: 10 }, () => ({ sql: "insert into t (v) values (?)", args: [`${k}`.repeat(2000)] })), "write");
        rows += 10;
      }
    }),
  );
  for (const c of clients) c.close();
  await new Promise((r) => setTimeout(r, 600));
  assert.ok((await serverGeneration(server)) > started + 2, "too few checkpoints to exercise the gate");
  assert.equal(await count(setup), rows);
  const replica = replicaOf(server, "contention-replica.db");
  t.after(() => replica.close());
  await replica.sync();
  assert.equal(await count(replica), rows);
  setup.close();
});
