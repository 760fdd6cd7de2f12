// A push whose connection dies while the server is applying it: the CLI reports an error a
// user can act on, and the database ends either fully old or fully new, never in between.
// A TCP proxy in front of `serve` cuts the client side as soon as the applying request
// (the one carrying the snapshot row) has been forwarded.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { join } from "node:path";
import { serve } from "../dist/server/index.js";
import { createClient } from "../dist/client/index.js";
import { project } from "./cli.project.mjs";

function cuttingProxy(target, { cutOn = "2024-03-12" } = {}) {
  const { hostname, port } = new URL(target);
  let cut = 0;
  let requests = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    let seen = "";
    upstream.on("data", (d) => client.writable && client.write(d));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.on("close", () => setTimeout(() => upstream.destroy(), 200));
    upstream.on("close", () => client.destroy());
    client.on("data", (d) => {
      upstream.write(d);
      requests += (d.toString("latin1").match(/^(POST|GET) /gm) ?? []).length;
      seen += d.toString("latin1");
      if (cutOn && seen.includes(cutOn)) {
        cut++;
        client.destroy();
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, cuts: () => cut, requests: () => requests, close: () => server.close() })),
  );
}

test("a push cut mid-way leaves the database fully old or fully new", { timeout: 60_000 }, async (t) => {
  const id = "column.number({ primaryKey: true })";
  const p = project(t, { User: `{ id: ${id}, name: column.text() }` });
  const srv = await serve({ db: join(p.dir, "served.db"), port: 0, log: () => {}, handleSignals: false });
  t.after(() => srv.close());
  const direct = { ASTRO_DB_REMOTE_URL: srv.url };
  assert.equal((await p.run(["push"], direct)).code, 0);
  await p.run(["shell", "--remote", "--query", "INSERT INTO User VALUES (1, 'Ada')"], direct);

  const proxy = await cuttingProxy(srv.url);
  t.after(() => proxy.close());
  // A rebuild (unique) plus a new table: several statements that must land together.
  p.setTables({ User: `{ id: ${id}, name: column.text({ unique: true }) }`, Post: `{ id: ${id} }` });
  const r = await p.run(["push"], { ASTRO_DB_REMOTE_URL: proxy.url });
  assert.ok(proxy.cuts() >= 1, "the proxy cut the applying request");
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /Could not reach the database at http:\/\/127\.0\.0\.1/);
  assert.match(r.stderr, /either unchanged or fully updated. Run `astro-db verify`/);

  await new Promise((res) => setTimeout(res, 300));
  const db = createClient({ url: srv.url });
  t.after(() => db.close());
  const snapshots = Number((await db.execute("SELECT count(*) FROM _astro_db_snapshot")).rows[0][0]);
  const post = (await db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'Post'")).rows[0][0];
  const unique = /UNIQUE/.test(String((await db.execute("SELECT sql FROM sqlite_master WHERE name = 'User'")).rows[0][0]));
  const rows = (await db.execute("SELECT count(*) FROM User")).rows[0][0];
  assert.equal(Number(rows), 1);
  if (snapshots === 1) assert.deepEqual([Number(post), unique], [0, false], "fully old");
  else assert.deepEqual([snapshots, Number(post), unique], [2, 1, true], "fully new");
  // Either way, a push through a healthy connection finishes the job.
  assert.equal((await p.run(["push"], direct)).code, 0);
  assert.match((await p.run(["verify"], direct)).stdout, /^MATCH$/m);
});

test("push round trips do not grow with the number of tables", { timeout: 60_000 }, async (t) => {
  const id = "column.number({ primaryKey: true })";
  const counts = [];
  for (const n of [2, 40]) {
    const tables = Object.fromEntries(Array.from({ length: n }, (_, i) => [`T${i}`, `{ id: ${id}, name: column.text() }`]));
    const p = project(t, tables);
    const srv = await serve({ db: join(p.dir, "served.db"), port: 0, log: () => {}, handleSignals: false });
    t.after(() => srv.close());
    const proxy = await cuttingProxy(srv.url, { cutOn: null });
    t.after(() => proxy.close());
    const env = { ASTRO_DB_REMOTE_URL: proxy.url };
    assert.equal((await p.run(["push"], env)).code, 0);
    // A second push that rebuilds every table (a unique added), each step with a data check.
    p.setTables(Object.fromEntries(Object.keys(tables).map((k) => [k, `{ id: ${id}, name: column.text({ unique: true }) }`])));
    const before = proxy.requests();
    const r = await p.run(["push"], env);
    assert.equal(r.code, 0, r.all);
    counts.push([before, proxy.requests() - before]);
  }
  if (process.env.SHOW_TRIPS) console.error(counts);
  assert.deepEqual(counts[0], counts[1], `requests (first push, second push) for 2 vs 40 tables: ${JSON.stringify(counts)}`);
});
