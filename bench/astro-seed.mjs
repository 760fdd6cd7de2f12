// Astro dev with a 100k-comment seed: this package against upstream @astrojs/db 0.21.3,
// both on Astro 6, same fixture (bench/astro-fixture), paired rounds, medians, for each
// shape a seed writes its inserts in (see the fixture's db/seed.ts): awaited chunks of
// 1,000, one db.batch of chunks, chunks in db.transaction, one awaited row at a time,
// onConflictDoNothing, onConflictDoUpdate, returning().
// Prints per shape: seeding time alone (measured inside the seed), time from `astro dev`
// launch to the first page showing seeded data, and the dev process's peak RSS.
// Run: node bench/astro-seed.mjs [rounds] [shape,shape,…]   (needs `npm run build` first;
// installs into $TMPDIR/astro-db-bench, outside the repository)
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const ROUNDS = Number(process.argv[2] ?? 3);
const SHAPES = (process.argv[3] ?? "chunks,batch,transaction,rows,conflict,upsert,returning").split(",");
const repo = new URL("..", import.meta.url).pathname;
// Outside the repository, so the projects resolve only what their own install gives them.
const work = join(tmpdir(), "astro-db-bench");
const ASTRO = "6.4.8";

function npm(args, cwd) {
  execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, stdio: ["ignore", "ignore", "inherit"] });
}

function workspace(name, dbSpec) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const pkg = JSON.stringify({ name: `bench-${name}`, private: true, type: "module", dependencies: { astro: ASTRO, "@astrojs/db": dbSpec } }, null, 2);
  const pkgFile = join(dir, "package.json");
  if (!existsSync(pkgFile) || readFileSync(pkgFile, "utf8") !== pkg || !existsSync(join(dir, "node_modules/astro"))) {
    writeFileSync(pkgFile, pkg);
    npm(["install"], dir);
  }
  return dir;
}

function packOurs() {
  const dest = join(work, "pack");
  mkdirSync(dest, { recursive: true });
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", dest], { cwd: repo, encoding: "utf8" }).trim().split("\n").pop();
  renameSync(join(dest, out), join(dest, "astrojs-db.tgz"));
  return `file:${join(dest, "astrojs-db.tgz")}`;
}

async function once(ws, port, shape) {
  const site = join(ws, "site");
  rmSync(site, { recursive: true, force: true });
  cpSync(join(repo, "bench/astro-fixture"), site, { recursive: true });
  const started = performance.now();
  const child = spawn(process.execPath, [join(ws, "node_modules/astro/bin/astro.mjs"), "dev", "--port", String(port)], {
    cwd: site,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1", NO_COLOR: "1", BENCH_SHAPE: shape },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let firstPage;
  try {
    // Generous: upstream inserting one row at a time takes minutes on a loaded machine.
    while (firstPage === undefined && performance.now() - started < 900_000) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        const body = await res.text();
        if (body.includes("total=100000")) firstPage = performance.now() - started;
      } catch {}
      if (firstPage === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    const seedMs = Number(/BENCH_SEED_MS=([\d.]+)/.exec(log)?.[1] ?? NaN);
    if (firstPage === undefined) throw new Error(`no seeded page from ${ws} (${shape}):\n${log}`);
    return { firstPage, seedMs, peakMb: peakKb / 1024 };
  } finally {
    child.kill("SIGKILL");
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const upstream = workspace("upstream-astro6", "0.21.3");
const ours = workspace("ours-astro6", packOurs());
// The packed tarball changes with every build; make sure the fresh one is installed (the
// lockfile's integrity for the old tarball would otherwise bring the old one back from npm's cache).
rmSync(join(ours, "node_modules/@astrojs/db"), { recursive: true, force: true });
rmSync(join(ours, "package-lock.json"), { force: true });
npm(["install"], ours);

const results = Object.fromEntries(SHAPES.map((shape) => [shape, { upstream: [], ours: [] }]));
let port = 4500;
for (let r = 0; r < ROUNDS; r++) {
  for (const shape of SHAPES) {
    for (const [who, ws] of [["upstream", upstream], ["ours", ours]]) {
      // A shape that fails for one side is reported as such; the other shapes still run.
      const r = await once(ws, port++, shape).catch((e) => (console.error(e.message.slice(0, 2000)), { firstPage: NaN, seedMs: NaN, peakMb: NaN }));
      results[shape][who].push(r);
    }
  }
}
console.log(`Astro ${ASTRO}, 100k comments per shape, median of ${ROUNDS} paired rounds; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
for (const shape of SHAPES) {
  const m = (who, key) => median(results[shape][who].map((x) => x[key]));
  const cell = (key) => {
    const u = m("upstream", key);
    const o = m("ours", key);
    return key === "peakMb" ? `${u.toFixed(0)} → ${o.toFixed(0)} MB` : `${u.toFixed(0)} → ${o.toFixed(0)} ms (${(u / o).toFixed(2)}x)`;
  };
  console.log(`${shape.padEnd(12)} seeding ${cell("seedMs")}; dev launch to first seeded page ${cell("firstPage")}; peak RSS ${cell("peakMb")}`);
}
