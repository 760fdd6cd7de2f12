// Embedded replica reads against reads over the network: point selects by primary key on our
// replica of `astro-db serve` (in its own process) vs @libsql/client's remote HTTP client and vs
// @libsql/client's own replica (offline mode, the same sync protocol), plus the time a write
// takes to show up in the replica (write through + pull). Median of paired rounds.
//   node bench/replica.mjs [rounds]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServe } from "./serve-process.mjs";
import { createClient as reference } from "@libsql/client";
import { createClient as ours } from "@astrojs/db/client";

const ROUNDS = Number(process.argv[2] ?? 5);
const READS = 2000;
const ROWS = 1000;

const dir = mkdtempSync(join(tmpdir(), "astro-db-replica-bench-"));
const server = await startServe(join(dir, "primary.db"));
const { url } = server;

const primary = ours({ url });
await primary.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)");
await primary.batch(Array.from({ length: ROWS }, (_, i) => ({ sql: "INSERT INTO item VALUES (?, ?)", args: [i + 1, `item ${i + 1}`] })), "write");

async function reads(client) {
  const t = performance.now();
  for (let i = 0; i < READS; i++) await client.execute({ sql: "SELECT name FROM item WHERE id = ?", args: [(i % ROWS) + 1] });
  return performance.now() - t;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const remote = [], theirReplica = [], ourReplica = [], visible = [];
for (let r = 0; r < ROUNDS; r++) {
  const http = reference({ url });
  remote.push(await reads(http));
  http.close();
  const theirs = reference({ url: `file:${join(dir, `theirs-${r}.db`)}`, syncUrl: url, offline: true });
  await theirs.sync();
  theirReplica.push(await reads(theirs));
  theirs.close();
  const replica = ours({ url: `file:${join(dir, `ours-${r}.db`)}`, syncUrl: url });
  await replica.sync();
  ourReplica.push(await reads(replica));
  const t = performance.now();
  await replica.execute({ sql: "UPDATE item SET name = ? WHERE id = 1", args: [`round ${r}`] });
  const seen = (await replica.execute("SELECT name FROM item WHERE id = 1")).rows[0].name;
  visible.push(performance.now() - t);
  if (seen !== `round ${r}`) throw new Error("the replica did not read its own write");
  replica.close();
}
primary.close();
await server.close();
rmSync(dir, { recursive: true, force: true });

const m = { remote: median(remote), theirs: median(theirReplica), ours: median(ourReplica) };
console.log(`${READS} point selects, median of ${ROUNDS} rounds:`);
console.log(`  @libsql/client over HTTP:        ${m.remote.toFixed(0)} ms`);
console.log(`  @libsql/client replica (offline): ${m.theirs.toFixed(0)} ms`);
console.log(`  our replica:                      ${m.ours.toFixed(0)} ms  (${(m.remote / m.ours).toFixed(1)}x HTTP, ${(m.theirs / m.ours).toFixed(1)}x their replica)`);
console.log(`write through + pull until the replica reads it: ${median(visible).toFixed(1)} ms`);
