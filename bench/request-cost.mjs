// Per-request cost of reading the database on the built Node server (Astro 6,
// @astrojs/node standalone, ASTRO_DATABASE_FILE): endpoints that query (one comment joined
// with its author by primary key; a 50-row list) against endpoints returning the same JSON
// from memory, for this package and upstream @astrojs/db 0.21.3, on copies of one database.
// Load: `wrk` (else bench/http-load.mjs in its own process), 2 connections; paired rounds
// (ours and upstream alternate, each endpoint after its no-database twin); medians.
//   node bench/request-cost.mjs [--rounds 5] [--seconds 5] [--ours-only] [--baseline <built checkout>]
//     --baseline: also serve another built checkout of this package (e.g. the main branch) as "before"
//   node bench/request-cost.mjs --soak 120       RSS of our server under full load
//   node bench/request-cost.mjs --profile 10     V8 CPU profile of our server serving /join
// Needs `npm run build` first; projects live in $TMPDIR/astro-db-bench, outside the repository.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@astrojs/db/client";
import { ASTRO, median, packOurs, refreshOurs, repo, workspace } from "./astro-workspace.mjs";
import { summarize } from "./cpu-profile.mjs";

const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = flag("rounds", 5);
const SECONDS = flag("seconds", 5);
const SOAK = flag("soak", 0);
const PROFILE = flag("profile", 0);
const OURS_ONLY = process.argv.includes("--ours-only") || SOAK > 0 || PROFILE > 0;
const CONNECTIONS = 2;
const AUTHORS = 10;
const COMMENTS = 1000;
const JOIN_ID = 421;
const LIST_OFFSET = 100;

const author = (i) => ({ id: i, name: `Author ${i}` });
const comment = (i) => ({ id: i, authorId: ((i - 1) % AUTHORS) + 1, body: `Comment number ${i} with a little text to store`, likes: i % 7 });

/** What the endpoints answer, computed from the same rows the database holds. */
function expected() {
  const c = comment(JOIN_ID);
  const list = Array.from({ length: 50 }, (_, i) => comment(LIST_OFFSET + i + 1));
  return { joinId: JOIN_ID, join: { id: c.id, body: c.body, likes: c.likes, author: author(c.authorId).name }, listOffset: LIST_OFFSET, list };
}

async function fill(file) {
  const client = createClient({ url: `file:${file}` });
  await client.batch([
    ...Array.from({ length: AUTHORS }, (_, i) => ({ sql: `INSERT INTO "Author" ("id", "name") VALUES (?, ?)`, args: Object.values(author(i + 1)) })),
    ...Array.from({ length: COMMENTS }, (_, i) => ({ sql: `INSERT INTO "Comment" ("id", "authorId", "body", "likes") VALUES (?, ?, ?, ?)`, args: Object.values(comment(i + 1)) })),
  ], "write");
  // Into the main file: upstream's server gets a copy of it, without the WAL.
  await client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  client.close();
}

function site(ws) {
  const dir = join(ws, "request-site");
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(repo, "bench/request-fixture"), dir, { recursive: true });
  mkdirSync(join(dir, "db"), { recursive: true });
  copyFileSync(join(repo, "bench/astro-fixture/db/config.ts"), join(dir, "db/config.ts"));
  writeFileSync(join(dir, "src/expected.json"), JSON.stringify(expected()));
  return dir;
}

function build(dir, ws, dbFile) {
  const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: "1", NO_COLOR: "1", ASTRO_DATABASE_FILE: dbFile };
  const r = spawnSync(process.execPath, [join(ws, "node_modules/astro/bin/astro.mjs"), "build"], { cwd: dir, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`astro build failed in ${dir}:\n${r.stdout}\n${r.stderr}`);
}

async function serve(dir, dbFile, port, nodeArgs = []) {
  const env = { ...process.env, HOST: "127.0.0.1", PORT: String(port), ASTRO_DATABASE_FILE: dbFile };
  const child = spawn(process.execPath, [...nodeArgs, join(dir, "serve.mjs")], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  try {
    await ready(child, base, dir, () => log);
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  return { child, base, log: () => log };
}

async function ready(child, base, dir, log) {
  for (let i = 0; i < 400; i++) {
    try {
      // Its own line first: another process on the port would answer for a server that failed to listen.
      if (/listening on/i.test(log()) && (await fetch(`${base}/nodb-join?id=${JOIN_ID}`)).ok) break;
    } catch {}
    if (child.exitCode !== null) throw new Error(`server in ${dir} exited:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Same bytes with and without the database, or the comparison means nothing.
  for (const [a, b] of [[`/join?id=${JOIN_ID}`, `/nodb-join?id=${JOIN_ID}`], [`/list?offset=${LIST_OFFSET}`, `/nodb-list?offset=${LIST_OFFSET}`]]) {
    const [x, y] = await Promise.all([a, b].map(async (p) => (await fetch(base + p)).text()));
    if (x !== y) throw new Error(`${dir}: ${a} and ${b} differ:\n${x.slice(0, 300)}\n${y.slice(0, 300)}\n${log()}`);
  }
}

function stop(server) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once("exit", resolve);
    server.child.kill("SIGTERM");
  });
}

const hasWrk = spawnSync("wrk", ["--version"]).error === undefined;

function ms(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

/** CPU time (user + system) `pid` has used, in ms (Linux counts it in ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * `{ rps, p50Ms, p99Ms, cpuUs }` of `url` under `CONNECTIONS` connections for `seconds`;
 * `cpuUs`: the server's CPU time per request. On a shared machine throughput swings with
 * the other tenants' load, while the CPU time a request costs barely does: the ratio of CPU
 * times is what throughput would be on a machine of one's own (the server is CPU-bound).
 */
function load(url, seconds, pid) {
  const cpu0 = cpuMs(pid);
  let r;
  if (!hasWrk) {
    const out = execFileSync(process.execPath, [join(repo, "bench/http-load.mjs"), url, String(seconds), String(CONNECTIONS)], { encoding: "utf8" });
    r = JSON.parse(out);
    if (r.errors > 0) throw new Error(`${url}: ${r.errors} failed requests`);
  } else {
    const out = execFileSync("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", url], { encoding: "utf8" });
    if (/Non-2xx|Socket errors/.test(out)) throw new Error(`${url}: failed requests\n${out}`);
    r = {
      requests: Number(/(\d+) requests in/.exec(out)[1]),
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]),
      p50Ms: ms(/\s50%\s+(\S+)/.exec(out)[1]),
      p99Ms: ms(/\s99%\s+(\S+)/.exec(out)[1]),
    };
  }
  return { ...r, cpuUs: ((cpuMs(pid) - cpu0) * 1000) / r.requests };
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

// ---------------------------------------------------------------------------------------

const who = [["ours", { astro: ASTRO, "@astrojs/node": "10.1.4", "@astrojs/db": packOurs() }]];
const baseline = process.argv.indexOf("--baseline");
if (baseline > 0 && !OURS_ONLY) who.push(["before", { astro: ASTRO, "@astrojs/node": "10.1.4", "@astrojs/db": packOurs(process.argv[baseline + 1], "astrojs-db-before.tgz") }]);
if (!OURS_ONLY) who.push(["upstream", { astro: ASTRO, "@astrojs/node": "10.1.4", "@astrojs/db": "0.21.3" }]);

const servers = {};
let port = 4600;
let firstDb;
try {
  for (const [name, deps] of who) {
    const ws = workspace(`request-${name}-astro6`, deps);
    if (name !== "upstream") refreshOurs(ws, deps["@astrojs/db"]);
    const dir = site(ws);
    const dbFile = join(dir, "data.db");
    // Our build creates the tables in the empty file; upstream's build recreates the tables
    // of the file it is given, so it gets a copy of ours afterwards.
    build(dir, ws, dbFile);
    if (firstDb) {
      for (const suffix of ["-wal", "-shm"]) rmSync(dbFile + suffix, { force: true });
      copyFileSync(firstDb, dbFile);
    } else {
      await fill(dbFile);
      firstDb = dbFile;
    }
    // Exits cleanly on SIGTERM, so that --cpu-prof writes its profile.
    writeFileSync(join(dir, "serve.mjs"), `process.on("SIGTERM", () => process.exit(0));\nawait import("./dist/server/entry.mjs");\n`);
    const profDir = join(dir, "profile");
    const nodeArgs = PROFILE > 0 ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [];
    servers[name] = { ...(await serve(dir, dbFile, port++, nodeArgs)), profDir };
  }

  if (PROFILE > 0) {
    const s = servers.ours;
    load(`${s.base}/join?id=${JOIN_ID}`, 2, s.child.pid);
    const r = load(`${s.base}/join?id=${JOIN_ID}`, PROFILE, s.child.pid);
    await stop(s);
    const file = join(s.profDir, readdirSync(s.profDir).find((f) => f.endsWith(".cpuprofile")));
    const { busyMs, byCategory, top } = summarize(file);
    // Warm-up and checks ran too; scale to the profiled run's request count.
    const requests = r.rps * PROFILE;
    console.log(`CPU profile of our built server, /join under ${CONNECTIONS} connections (${r.rps.toFixed(0)} req/s while profiling)`);
    console.log(`busy ${busyMs.toFixed(0)} ms over ~${requests.toFixed(0)} profiled requests (plus warm-up): by layer, self time`);
    for (const [k, v] of byCategory.filter(([, v]) => v >= busyMs / 200)) console.log(`  ${((100 * v) / busyMs).toFixed(1).padStart(5)}%  ${k}`);
    console.log("heaviest functions:");
    for (const [k, v] of top) console.log(`  ${((100 * v) / busyMs).toFixed(1).padStart(5)}%  ${k}`);
    console.log(`profile: ${file}`);
  } else if (SOAK > 0) {
    const s = servers.ours;
    load(`${s.base}/join?id=${JOIN_ID}`, 3, s.child.pid);
    const start = rssMb(s.child.pid);
    let peak = start;
    let half = start;
    const step = 10;
    const urls = [`${s.base}/join?id=${JOIN_ID}`, `${s.base}/list?offset=${LIST_OFFSET}`];
    let requests = 0;
    for (let t = 0; t < SOAK; t += step) {
      const r = load(urls[(t / step) % 2], step, s.child.pid);
      requests += r.rps * step;
      const now = rssMb(s.child.pid);
      peak = Math.max(peak, now);
      if (t + step <= SOAK / 2) half = now;
      console.log(`  t=${t + step}s RSS ${now.toFixed(1)} MB (${r.rps.toFixed(0)} req/s)`);
    }
    const end = rssMb(s.child.pid);
    console.log(`soak ${SOAK}s, ~${requests.toFixed(0)} requests (/join and /list alternating): RSS ${start.toFixed(1)} MB after warm-up, ${half.toFixed(1)} MB at half time, ${end.toFixed(1)} MB at the end (growth ${(end - start).toFixed(1)} MB, over the second half ${(end - half).toFixed(1)} MB; peak ${peak.toFixed(1)} MB)`);
  } else {
    const pairs = [["join", `/join?id=${JOIN_ID}`, `/nodb-join?id=${JOIN_ID}`], ["list", `/list?offset=${LIST_OFFSET}`, `/nodb-list?offset=${LIST_OFFSET}`]];
    for (const s of Object.values(servers)) for (const [, db, nodb] of pairs) for (const p of [db, nodb]) load(s.base + p, 2, s.child.pid);
    const results = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(servers)) {
        for (const [label, db, nodb] of pairs) {
          // Alternating which goes first cancels a drift in the machine's load.
          const first = round % 2 === 0;
          const { base, child } = servers[name];
          const withDb = first ? load(base + db, SECONDS, child.pid) : undefined;
          const without = load(base + nodb, SECONDS, child.pid);
          const after = first ? withDb : load(base + db, SECONDS, child.pid);
          (results[`${name} ${label}`] ??= []).push({ ratio: after.rps / without.rps, withDb: after, without });
        }
      }
    }
    const load1 = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(`Astro ${ASTRO}, @astrojs/node standalone, ${hasWrk ? "wrk" : "bench/http-load.mjs"}, ${CONNECTIONS} connections, ${SECONDS}s per run, median of ${ROUNDS} paired rounds (load average ${load1})`);
    const m = (xs, f) => median(xs.map(f));
    for (const [key, xs] of Object.entries(results)) {
      console.log(
        `${key.padEnd(14)} db ${m(xs, (x) => x.withDb.rps).toFixed(0).padStart(6)} req/s, no-db ${m(xs, (x) => x.without.rps).toFixed(0).padStart(6)} req/s, ratio ${(100 * m(xs, (x) => x.ratio)).toFixed(0)}%; ` +
          `p99 db ${m(xs, (x) => x.withDb.p99Ms).toFixed(2)} ms, no-db ${m(xs, (x) => x.without.p99Ms).toFixed(2)} ms; p50 db ${m(xs, (x) => x.withDb.p50Ms).toFixed(2)} ms`,
      );
      console.log(`${"".padEnd(14)} ratios by round: ${xs.map((x) => `${(100 * x.ratio).toFixed(0)}%`).join(" ")}`);
      const cpu = m(xs, (x) => x.without.cpuUs / x.withDb.cpuUs);
      console.log(
        `${"".padEnd(14)} server CPU per request: db ${m(xs, (x) => x.withDb.cpuUs).toFixed(0)} µs, no-db ${m(xs, (x) => x.without.cpuUs).toFixed(0)} µs; ` +
          `CPU-bound throughput ratio ${(100 * cpu).toFixed(0)}% (by round: ${xs.map((x) => `${((100 * x.without.cpuUs) / x.withDb.cpuUs).toFixed(0)}%`).join(" ")})`,
      );
    }
    for (const other of ["before", "upstream"].filter((o) => results[`${o} join`])) {
      for (const label of ["join", "list"]) {
        const o = results[`ours ${label}`];
        const u = results[`${other} ${label}`];
        const speedups = o.map((x, i) => x.withDb.rps / u[i].withDb.rps);
        const cpuSpeedups = o.map((x, i) => u[i].withDb.cpuUs / x.withDb.cpuUs);
        console.log(`${label}: ours/${other} with the database: throughput ${median(speedups).toFixed(2)}x, CPU per request ${median(cpuSpeedups).toFixed(2)}x less (medians of paired rounds)`);
      }
    }
  }
} finally {
  await Promise.all(Object.values(servers).map(stop));
}
