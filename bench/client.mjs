// Client benchmark: our native client against @libsql/client on file databases.
// Each case runs as paired rounds (reference, then ours, on fresh databases); the
// figures are medians. Run: node bench/client.mjs [rounds] [logs] (`logs`: only the native
// logs section, below).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createClient as reference } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
import { eq } from "drizzle-orm";
import { createClient as ours } from "@astrojs/db/client";

const ROUNDS = Number(process.argv[2] ?? 5);
const ONLY_LOGS = process.argv[3] === "logs";
const N = 100_000;
const dir = mkdtempSync(join(tmpdir(), "astro-db-bench-"));
let seq = 0;

const Item = sqliteTable("item", { id: integer("id").primaryKey(), n: integer("n").notNull(), label: text("label").notNull() });

async function fresh(factory, rows = 0) {
  const client = factory({ url: `file:${join(dir, `b${seq++}.db`)}` });
  await client.execute("create table item (id integer primary key, n integer not null, label text not null)");
  if (rows > 0) {
    const tx = await client.transaction("write");
    for (let i = 0; i < rows; i++) await tx.execute({ sql: "insert into item (n, label) values (?, ?)", args: [i, `label ${i}`] });
    await tx.commit();
  }
  return client;
}

const cases = {
  "(a) 100k inserts in one transaction": {
    setup: (f) => fresh(f),
    run: async (c) => {
      const tx = await c.transaction("write");
      for (let i = 0; i < N; i++) await tx.execute({ sql: "insert into item (n, label) values (?, ?)", args: [i, `label ${i}`] });
      await tx.commit();
    },
  },
  "(b) 100k point selects by primary key": {
    setup: (f) => fresh(f, 10_000),
    run: async (c) => {
      for (let i = 0; i < N; i++) await c.execute({ sql: "select * from item where id = ?", args: [(i % 10_000) + 1] });
    },
  },
  "(c) 1,000 selects of 1,000 rows": {
    setup: (f) => fresh(f, 10_000),
    run: async (c) => {
      for (let i = 0; i < 1000; i++) await c.execute({ sql: "select * from item limit 1000 offset ?", args: [(i % 9) * 1000] });
    },
  },
  "(d) batch of 1,000 inserts (x20)": {
    setup: (f) => fresh(f),
    run: async (c) => {
      for (let b = 0; b < 20; b++) {
        const stmts = Array.from({ length: 1000 }, (_, i) => ({ sql: "insert into item (n, label) values (?, ?)", args: [i, `label ${i}`] }));
        await c.batch(stmts, "write");
      }
    },
  },
  "(e) drizzle: 20k inserts in db.transaction, 20k selects by id, 200 x 1,000-row selects": {
    setup: (f) => fresh(f),
    run: async (c) => {
      const db = drizzle(c);
      await db.transaction(async (tx) => {
        for (let i = 0; i < 20_000; i++) await tx.insert(Item).values({ n: i, label: `label ${i}` });
      });
      for (let i = 0; i < 20_000; i++) await db.select().from(Item).where(eq(Item.id, (i % 20_000) + 1));
      for (let i = 0; i < 200; i++) await db.select().from(Item).limit(1000).offset((i % 19) * 1000);
    },
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(factory, kase) {
  const c = await kase.setup(factory);
  const t0 = performance.now();
  await kase.run(c);
  const ms = performance.now() - t0;
  c.close();
  return ms;
}

const results = {};
for (const [name, kase] of Object.entries(ONLY_LOGS ? {} : cases)) {
  const ref = [];
  const mine = [];
  for (let r = 0; r < ROUNDS; r++) {
    ref.push(await time(reference, kase));
    mine.push(await time(ours, kase));
  }
  results[name] = { ref: median(ref), ours: median(mine) };
  const { ref: a, ours: b } = results[name];
  console.log(`${name}: @libsql/client ${a.toFixed(0)} ms, ours ${b.toFixed(0)} ms, speed-up ${(a / b).toFixed(2)}x`);
}

// (a) against the ceiling: the same inserts in a pure-Rust loop over the libsql crate.
if (!ONLY_LOGS) try {
  const out = execFileSync("cargo", ["run", "--quiet", "--release", "--example", "bench_ceiling", "--", String(N), String(ROUNDS)], {
    cwd: new URL("..", import.meta.url).pathname,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ceiling = Number(/median_ms=([\d.]+)/.exec(out)[1]);
  const a = results["(a) 100k inserts in one transaction"].ours;
  console.log(`(a) vs pure-Rust libsql loop: ceiling ${ceiling.toFixed(0)} ms, ours ${a.toFixed(0)} ms, ${(a / ceiling).toFixed(2)}x the ceiling`);
} catch (e) {
  console.log(`(a) ceiling not measured: ${e.message}`);
}

// Memory: 1M queries in a loop, in a fresh process so that earlier cases do not count.
if (!ONLY_LOGS) {
  const script = `
    const { createClient } = await import("@astrojs/db/client");
    const c = createClient({ url: ":memory:" });
    const q = { sql: "select ? as v, 'x' as w", args: [0] };
    for (let i = 0; i < 10_000; i++) { q.args[0] = i; await c.execute(q); }
    globalThis.gc();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 1_000_000; i++) { q.args[0] = i; await c.execute(q); }
    globalThis.gc();
    console.log(JSON.stringify({ before, after: process.memoryUsage().rss }));`;
  const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
    cwd: new URL("..", import.meta.url).pathname,
    encoding: "utf8",
  });
  const { before, after } = JSON.parse(out);
  const mb = (x) => (x / 2 ** 20).toFixed(1);
  console.log(`memory: RSS ${mb(before)} MB before 1M queries, ${mb(after)} MB after (${after >= before ? "+" : ""}${mb(after - before)} MB)`);
}

// Native logs (ASTRO_DB_LOG): off must cost nothing. The same workload in fresh processes,
// paired rounds: logs off, logs on (debug, stderr discarded), and, with ASTRO_DB_BASELINE=<dir>
// (a build of main), the code without logs at all. The workload: 50k inserts in a transaction,
// 20k point selects, 1,000 bulk inserts of 50 rows (each one a logged "seed batch" when on).
{
  const workload = (pkg, file) => `
    const { createClient } = await import(${JSON.stringify(`${pkg}/dist/client/index.js`)});
    const c = createClient({ url: ${JSON.stringify(`file:${file}`)} });
    await c.execute("create table item (id integer primary key, n integer not null, label text not null)");
    const t0 = performance.now();
    const tx = await c.transaction("write");
    for (let i = 0; i < 50_000; i++) await tx.execute({ sql: "insert into item (n, label) values (?, ?)", args: [i, "l" + i] });
    await tx.commit();
    for (let i = 0; i < 20_000; i++) await c.execute({ sql: "select * from item where id = ?", args: [(i % 50_000) + 1] });
    const insertRows = c[Symbol.for("@astrojs/db:insert-rows")];
    const values = Array.from({ length: 100 }, (_, i) => (i % 2 ? "x" : i));
    for (let b = 0; b < 1000; b++) await insertRows("insert into item (n, label) values (?, ?)", values, 2);
    console.log(performance.now() - t0);
    c.close();`;
  const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const variants = { off: [here, {}], on: [here, { ASTRO_DB_LOG: "debug" }] };
  if (process.env.ASTRO_DB_BASELINE) variants.main = [process.env.ASTRO_DB_BASELINE, {}];
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const order = Object.entries(variants);
  for (let r = 0; r < ROUNDS; r++) {
    // Rotated each round: whichever runs first in a round pays for a colder machine.
    for (const [name, [pkg, env]] of [...order.slice(r % order.length), ...order.slice(0, r % order.length)]) {
      const { ASTRO_DB_LOG, ...clean } = process.env;
      void ASTRO_DB_LOG;
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", workload(pkg, join(dir, `log${seq++}.db`))], {
        env: { ...clean, ...env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      times[name].push(Number(out.trim()));
      if (process.env.BENCH_VERBOSE) console.log(name, out.trim());
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const vsMain = m.main ? `, main ${m.main.toFixed(0)} ms (off/main ${(m.off / m.main).toFixed(3)}x)` : " (set ASTRO_DB_BASELINE=<main checkout> to compare with main)";
  console.log(`native logs: off ${m.off.toFixed(0)} ms, on ${m.on.toFixed(0)} ms (on/off ${(m.on / m.off).toFixed(3)}x)${vsMain}`);
}

rmSync(dir, { recursive: true, force: true });
