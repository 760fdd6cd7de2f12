// Our remote client against @libsql/client (HTTP), both talking to `astro-db serve` on
// loopback in its own process: point selects (sequential and 32 in flight), batches of
// 100 inserts, and short interactive transactions. Prints ops/s and the ratio ours/theirs.
//   node bench/client-remote.mjs [--seconds 2]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServe } from "./serve-process.mjs";
import { createClient as reference } from "@libsql/client";
import { createClient as ours } from "@astrojs/db/client";

const secondsArg = process.argv.indexOf("--seconds");
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 2;

const dir = mkdtempSync(join(tmpdir(), "astro-db-remote-bench-"));
const server = await startServe(join(dir, "bench.db"));
const { url } = server;

/** Runs `op` repeatedly (`inFlight` at a time) for SECONDS; returns ops per second. */
async function rate(op, inFlight = 1) {
  for (let i = 0; i < 20; i++) await op(i); // warm-up: connections, caches
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) await op(n++);
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

const setup = reference({ url });
await setup.execute("create table if not exists kv(id integer primary key, v text)");
await setup.batch(Array.from({ length: 1000 }, (_, i) => ({ sql: "insert or replace into kv values (?, ?)", args: [i, `v${i}`] })));
setup.close();

const cases = {
  "point select": (c) => (i) => c.execute({ sql: "select v from kv where id = ?", args: [i % 1000] }),
  "point select, 32 in flight": [(c) => (i) => c.execute({ sql: "select v from kv where id = ?", args: [i % 1000] }), 32],
  "batch of 100 inserts": (c) => (i) =>
    c.batch(Array.from({ length: 100 }, (_, j) => ({ sql: "insert or replace into kv values (?, ?)", args: [2000 + ((i * 100 + j) % 5000), "x"] })), "write"),
  "transaction (3 statements + commit)": (c) => async (i) => {
    const tx = await c.transaction("write");
    await tx.execute({ sql: "update kv set v = ? where id = ?", args: ["t", i % 1000] });
    await tx.execute({ sql: "select v from kv where id = ?", args: [i % 1000] });
    await tx.execute("select count(*) from kv");
    await tx.commit();
  },
};

console.log(`remote client vs @libsql/client over HTTP, loopback, ${SECONDS}s per case`);
for (const [name, spec] of Object.entries(cases)) {
  const [make, inFlight] = Array.isArray(spec) ? spec : [spec, 1];
  const out = {};
  for (const [who, create] of [["@libsql/client", reference], ["ours", ours]]) {
    const c = create({ url });
    out[who] = await rate(make(c), inFlight);
    c.close();
  }
  const ratio = out.ours / out["@libsql/client"];
  console.log(`${name.padEnd(38)} @libsql/client ${out["@libsql/client"].toFixed(0).padStart(7)}/s   ours ${out.ours.toFixed(0).padStart(7)}/s   ${ratio.toFixed(2)}x`);
}
await server.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
