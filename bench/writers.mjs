// Write throughput on one file with one and with two processes: this package against
// upstream @astrojs/db 0.21.3 (@libsql/client underneath), in the same run, paired rounds.
// Each process runs CONCURRENCY request loops; a "request" is what the example's comment form
// does: one `db.insert(Comment).values(…)` through Drizzle. Writes that fail (SQLITE_BUSY,
// upstream's lot under contention) are counted, not retried.
// Throughput counts the rows found in the file after every process exited (not the
// acknowledgements: a write acknowledged but missing is reported as lost).
// Prints medians of rows/s, failures and lost writes per setup, and the ratios.
// Run: node bench/writers.mjs [rounds] [seconds]   (needs `npm run build`; installs upstream into $TMPDIR/astro-db-bench, outside the repository)
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 3);
const CONCURRENCY = 4;
const repo = new URL("..", import.meta.url).pathname;
const work = join(tmpdir(), "astro-db-bench", "upstream-writers");

function installUpstream() {
  mkdirSync(work, { recursive: true });
  const pkg = JSON.stringify({ name: "bench-upstream-writers", private: true, type: "module", dependencies: { "@astrojs/db": "0.21.3" } });
  if (!existsSync(join(work, "package.json")) || readFileSync(join(work, "package.json"), "utf8") !== pkg || !existsSync(join(work, "node_modules/@astrojs/db"))) {
    writeFileSync(join(work, "package.json"), pkg);
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: work, stdio: ["ignore", "ignore", "inherit"] });
  }
}

// How each implementation makes the `db` of a production server on ASTRO_DATABASE_FILE.
const OPEN = {
  upstream: `const { createClient } = await import(${JSON.stringify(pathToFileURL(join(work, "node_modules/@astrojs/db/dist/core/db-client/libsql-local.js")).href)});
    const db = createClient({ url });`,
  ours: `const { createLocalDatabase } = await import(${JSON.stringify(pathToFileURL(join(repo, "dist/runtime/index.js")).href)});
    const db = createLocalDatabase(url);`,
};

const worker = (impl) => `
const [url, startAt, endAt, concurrency, label] = process.argv.slice(1);
${OPEN[impl]}
const { sqliteTable, integer, text } = await import("drizzle-orm/sqlite-core");
const Comment = sqliteTable("Comment", { id: integer("id").primaryKey(), author: text("author").notNull(), body: text("body").notNull() });
// BENCH_SYNCHRONOUS=normal: commits without an fsync each (what the disk costs; per connection).
if (process.env.BENCH_SYNCHRONOUS) await db.run((await import("drizzle-orm")).sql.raw("PRAGMA synchronous=" + process.env.BENCH_SYNCHRONOUS));
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
let ok = 0, errors = 0, firstError;
async function loop(c) {
  for (let i = 0; Date.now() < Number(endAt); i++) {
    try {
      await db.insert(Comment).values({ author: label, body: "comment " + c + "-" + i });
      ok++;
    } catch (e) {
      errors++;
      firstError ??= String(e.cause?.message ?? e.message).slice(0, 120);
    }
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, (_, c) => loop(c)));
console.log(JSON.stringify({ ok, errors, firstError }));
process.exit(0);
`;

function runProcess(impl, url, startAt, endAt, label) {
  return new Promise((resolve, reject) => {
    // cwd in the upstream workspace for upstream (its drizzle-orm), in the repo for ours.
    const cwd = impl === "upstream" ? work : repo;
    const p = spawn(process.execPath, ["--input-type=module", "-e", worker(impl), url, String(startAt), String(endAt), String(CONCURRENCY), label], { cwd });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${impl} worker exited ${code}: ${err}`))));
  });
}

async function once(impl, processes) {
  const dir = mkdtempSync(join(tmpdir(), "astro-db-writers-"));
  try {
    const url = pathToFileURL(join(dir, "bench.db")).href;
    // The table is created by the implementation under test, as its own build would.
    const setup = `${OPEN[impl]}\nconst { sql } = await import("drizzle-orm");\nawait db.run(sql.raw("CREATE TABLE IF NOT EXISTS Comment (id INTEGER PRIMARY KEY, author TEXT NOT NULL, body TEXT NOT NULL)"));`;
    execFileSync(process.execPath, ["--input-type=module", "-e", `const url = ${JSON.stringify(url)};\n${setup}`], { cwd: impl === "upstream" ? work : repo });
    const startAt = Date.now() + 1500; // every process loaded and waiting
    const endAt = startAt + SECONDS * 1000;
    const results = await Promise.all(Array.from({ length: processes }, (_, i) => runProcess(impl, url, startAt, endAt, `p${i}`)));
    const ok = results.reduce((s, r) => s + r.ok, 0);
    // What is really in the file once every process has exited, read by the same implementation.
    const count = `${OPEN[impl]}\nconst { sql } = await import("drizzle-orm");\nconsole.log((await db.all(sql.raw("SELECT count(*) AS n FROM Comment")))[0].n);`;
    const rows = Number(execFileSync(process.execPath, ["--input-type=module", "-e", `const url = ${JSON.stringify(url)};\n${count}`], { cwd: impl === "upstream" ? work : repo, encoding: "utf8" }).trim());
    const errors = results.reduce((s, r) => s + r.errors, 0);
    return { rate: rows / SECONDS, acked: ok, rows, lost: Math.max(0, ok - rows), errors, attempts: ok + errors, firstError: results.find((r) => r.firstError)?.firstError };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

installUpstream();
const setups = [
  ["upstream", 1],
  ["ours", 1],
  ["upstream", 2],
  ["ours", 2],
].filter(([impl]) => !process.env.BENCH_ONLY || impl === process.env.BENCH_ONLY);
const runs = Object.fromEntries(setups.map(([i, p]) => [`${i}×${p}`, []]));
for (let r = 0; r < ROUNDS; r++) {
  // Paired: every setup once per round, in an order that alternates between rounds.
  for (const [impl, processes] of r % 2 ? [...setups].reverse() : setups) {
    const out = await once(impl, processes);
    runs[`${impl}×${processes}`].push(out);
    console.log(`  round ${r + 1}: ${impl}×${processes}: ${out.rows} rows in the file, ${out.acked} acknowledged, ${out.errors} errors${out.firstError ? ` (${out.firstError})` : ""}`);
  }
}
const m = (key, f) => median(runs[key].map(f));
console.log(`\nrows/s written to one file (counted in the file afterwards), ${CONCURRENCY} concurrent requests per process, ${SECONDS} s, median of ${ROUNDS} paired rounds`);
for (const key of Object.keys(runs)) {
  const errRate = m(key, (o) => o.errors / Math.max(1, o.attempts));
  console.log(
    `${key.padEnd(12)} ${m(key, (o) => o.rate).toFixed(0).padStart(6)} rows/s   failed ${m(key, (o) => o.errors).toFixed(0).padStart(5)} (${(errRate * 100).toFixed(1)}% of attempts)   acknowledged but not in the file ${m(key, (o) => o.lost).toFixed(0)}`,
  );
}
const rate = (k) => (runs[k] ? m(k, (o) => o.rate) : NaN);
console.log(`ours/upstream: 1 process ${(rate("ours×1") / rate("upstream×1")).toFixed(2)}x, 2 processes ${(rate("ours×2") / rate("upstream×2")).toFixed(2)}x`);
console.log(`two processes / one: upstream ${(rate("upstream×2") / rate("upstream×1")).toFixed(2)}, ours ${(rate("ours×2") / rate("ours×1")).toFixed(2)}`);
