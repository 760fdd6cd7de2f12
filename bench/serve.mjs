// Benchmark of `serve` with `@libsql/client` over HTTP on loopback: point selects/s and
// batched inserts/s with 1 and 8 concurrent clients. Bounded in count and time; loopback only.
//   node bench/serve.mjs [--seconds 3]
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServe } from "./serve-process.mjs";
import { createClient } from "@libsql/client";

const secondsArg = process.argv.indexOf("--seconds");
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 3;
const ROWS = 10_000;
const BATCH = 100;

const dir = mkdtempSync(join(tmpdir(), "astro-db-serve-bench-"));
const server = await startServe(join(dir, "bench.db"), process.env.CKPT ? ["--sync-checkpoint-frames", process.env.CKPT] : []);

/** CPU time (user + system, in clock ticks of 10 ms) of the server process, where Linux tells it. */
const statPath = `/proc/${server.pid}/stat`;
function serverTicks() {
  if (!existsSync(statPath)) return undefined;
  const fields = readFileSync(statPath, "utf8").split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

async function run(label, clients, op) {
  const cs = Array.from({ length: clients }, () => createClient({ url: server.url }));
  const ticks = serverTicks();
  const deadline = performance.now() + SECONDS * 1000;
  let ops = 0;
  const start = performance.now();
  await Promise.all(
    cs.map(async (c, w) => {
      let i = w;
      while (performance.now() < deadline) {
        // Not `ops += await op(...)`: that reads `ops` before the await, so concurrent
        // workers would overwrite each other's counts (8 clients reported ~1/8 of the truth).
        const n = await op(c, i);
        ops += n;
        i += clients;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  cs.forEach((c) => c.close());
  const rate = ops / elapsed;
  // Server CPU per operation: on a machine shared with other work, throughput swings with the
  // load while this stays put, so it is the figure to compare before/after a change.
  const cpu = ticks === undefined ? "" : `  server CPU ${(((serverTicks() - ticks) * 10_000) / ops).toFixed(1).padStart(6)} µs/op`;
  console.log(`${label.padEnd(34)} ${clients} client${clients > 1 ? "s" : " "}  ${Math.round(rate).toLocaleString("en-US").padStart(9)} /s${cpu}`);
  return rate;
}

try {
  const setup = createClient({ url: server.url });
  await setup.execute("create table kv (id integer primary key, name text, n integer)");
  await setup.execute("create table ins (id integer primary key, name text, n integer)");
  for (let i = 0; i < ROWS; i += 1000) {
    await setup.batch(Array.from({ length: 1000 }, (_, j) => ({ sql: "insert into kv values (?, ?, ?)", args: [i + j, `name ${i + j}`, i + j] })), "write");
  }
  setup.close();

  const select = async (c, i) => {
    await c.execute({ sql: "select name, n from kv where id = ?", args: [i % ROWS] });
    return 1;
  };
  const insertBatch = async (c, i) => {
    await c.batch(Array.from({ length: BATCH }, (_, j) => ({ sql: "insert into ins (name, n) values (?, ?)", args: [`row ${i}-${j}`, j] })), "write");
    return BATCH;
  };
  // Warm up the JIT of client and test loop alike: the first thousand calls run far slower.
  const warm = createClient({ url: server.url });
  for (let i = 0; i < 3000; i++) await select(warm, i);
  warm.close();
  console.log(`serve bench: @libsql/client over HTTP, ${SECONDS}s per case, node ${process.version}`);
  const single = await run("point selects", 1, select);
  await run("point selects", 8, select);
  await run(`batched inserts (rows, ${BATCH}/batch)`, 1, insertBatch);
  await run(`batched inserts (rows, ${BATCH}/batch)`, 8, insertBatch);
  console.log(single >= 5000 ? "target met: >= 5,000 point selects/s single client" : "BELOW TARGET: < 5,000 point selects/s single client");
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
