// Self-hosting under load: two built servers (real `astro build`, real `@astrojs/node`) on one
// ASTRO_DATABASE_FILE, loaded at once with concurrent POSTs (plain inserts, transactions that
// read then write, batches) and GETs. Nothing may fail, every acknowledged write must be in
// the file exactly once, and a query that does fail must show its SQLite cause in the log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ASTRO7, fixture, workspace } from "./harness.mjs";

const LAYERS = ["basics", "production"];
const CONNECTIONS = 6; // concurrent requests per server
const PER_CONNECTION = 60; // POSTs per connection (one GET after every second POST)
const DEADLINE_MS = 60_000; // a bound on the load phase, whatever the machine

// Each POST carries a unique key in the comment's body, so rows and acknowledgements match.
const LOAD = `import type { APIRoute } from "astro";
import { Comment, db, count, sql } from "astro:db";

export const GET: APIRoute = async () => {
  const [{ n }] = await db.select({ n: count() }).from(Comment);
  return Response.json({ n });
};

export const POST: APIRoute = async ({ request }) => {
  const { key, kind } = await request.json();
  if (kind === "transaction") {
    await db.transaction(async (tx) => {
      const [{ n }] = await tx.select({ n: count() }).from(Comment);
      await new Promise((r) => setImmediate(r));
      await tx.insert(Comment).values({ authorId: 1, body: key, meta: { seen: n } });
    });
  } else if (kind === "batch") {
    await db.batch([db.select({ n: count() }).from(Comment), db.insert(Comment).values({ authorId: 2, body: key })]);
  } else if (kind === "broken") {
    await db.run(sql\`insert into NoSuchTable values (1)\`);
  } else {
    await db.insert(Comment).values({ authorId: 1, body: key });
  }
  return Response.json({ key }, { status: 201 });
};
`;

const KINDS = ["insert", "transaction", "batch"];

async function load(server, label, outcome, deadline) {
  const one = async (c, i) => {
    const key = `load-${label}-${c}-${i}`;
    try {
      const r = await fetch(`${server.url}/api/load`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key, kind: KINDS[i % 3] }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await r.text();
      if (r.status === 201) outcome.acked.push(key);
      else outcome.failed.push({ key, status: r.status, text: text.slice(0, 300) });
    } catch (e) {
      // No answer: the write may or may not have happened (counted as in flight).
      outcome.unanswered.push({ key, error: String(e) });
    }
    if (i % 2 === 1) {
      const g = await fetch(`${server.url}/api/load`, { signal: AbortSignal.timeout(30_000) }).catch((e) => ({ status: String(e) }));
      if (g.status !== 200) outcome.failedReads.push(g.status);
      else await g.text();
    }
  };
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      for (let i = 0; i < PER_CONNECTION && Date.now() < deadline; i++) await one(c, i);
    }),
  );
}

test("two built servers on one ASTRO_DATABASE_FILE under concurrent POSTs and GETs: zero errors, every acknowledged write exactly once", { timeout: 600_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, LAYERS, { as: "concurrent-writers", files: { "src/pages/api/load.ts": LOAD } });
  const dbFile = p.path("data/prod.db");
  const env = { ASTRO_DATABASE_FILE: dbFile };
  await p.build({ env });

  const servers = [await p.serve(t, { env }), await p.serve(t, { env })];
  const outcomes = servers.map(() => ({ acked: [], failed: [], unanswered: [], failedReads: [] }));
  const deadline = Date.now() + DEADLINE_MS;
  await Promise.all(servers.map((s, i) => load(s, String(i), outcomes[i], deadline)));

  // A failing query names its SQLite cause in the server's log, not only Drizzle's wrapper.
  const broken = await servers[0].fetch("/api/load", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ key: "x", kind: "broken" }) });
  assert.equal(broken.status, 500);
  const causeLogged = await servers[0].waitFor(/cause: SQLITE_ERROR: no such table: NoSuchTable/, { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
  for (const s of servers) await s.stop();

  const all = { acked: [], failed: [], unanswered: [], failedReads: [] };
  for (const o of outcomes) for (const k of Object.keys(all)) all[k].push(...o[k]);
  assert.deepEqual(all.failed, [], "POSTs failed");
  assert.deepEqual(all.failedReads, [], "GETs failed");
  // Every request was awaited before the servers stopped, so none was in flight at shutdown;
  // one that got no answer at all (a client-side timeout) is the only kind allowed to leave
  // a row without an acknowledgement, and there must be none on loopback.
  assert.deepEqual(all.unanswered, [], "POSTs got no answer");
  assert.ok(all.acked.length >= 2 * CONNECTIONS * 10, `only ${all.acked.length} writes were acknowledged before the deadline`);

  const { createClient } = await import(pathToFileURL(join(ws.dir, "node_modules/@astrojs/db/dist/client/index.js")).href);
  const c = createClient({ url: pathToFileURL(dbFile).href });
  const rows = (await c.execute("SELECT body FROM Comment WHERE body LIKE 'load-%'")).rows.map((r) => r.body);
  c.close();
  const counts = new Map();
  for (const b of rows) counts.set(b, (counts.get(b) ?? 0) + 1);
  const notOnce = all.acked.filter((k) => counts.get(k) !== 1);
  assert.deepEqual(notOnce, [], "acknowledged writes missing or duplicated");
  const unacknowledged = rows.filter((b) => !all.acked.includes(b));
  assert.deepEqual(unacknowledged, [], "rows without an acknowledgement");
  assert.ok(causeLogged, `the server log does not name the SQLite error of a failed query:\n${servers[0].output.slice(-2000)}`);
  t.diagnostic(`${all.acked.length} acknowledged writes from two processes, ${rows.length} rows`);
});
