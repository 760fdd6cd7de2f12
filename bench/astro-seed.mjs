// Astro dev with a 100k-comment seed: this package against upstream @astrojs/db 0.21.3,
// both on Astro 6, same fixture (bench/astro-fixture), paired rounds, medians.
// Prints: time from `astro dev` launch to the first page showing seeded data, seeding
// time alone (measured inside the seed), and the dev process's peak RSS, for a fresh copy of
// the project; then the launch-to-page time again for a restart with the seed unchanged (the
// project kept from the previous start: ours copies its seed cache, upstream reseeds), and
// the same restart of a project with no integration at all (the floor).
// Fresh starts run once per shape a seed writes its inserts in (the fixture's db/seed.ts reads
// BENCH_SHAPE): awaited chunks of 1,000, one db.batch of chunks, chunks in db.transaction, one
// awaited row at a time, onConflictDoNothing, onConflictDoUpdate, returning(); restarts use chunks.
// Run: node bench/astro-seed.mjs [rounds] [shape,shape,…]   (needs `npm run build` first; installs into $TMPDIR/astro-db-bench, outside the repository)
import { spawn } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ASTRO, median, packOurs, refreshOurs, repo, workspace } from "./astro-workspace.mjs";

const ROUNDS = Number(process.argv[2] ?? 3);
const SHAPES = (process.argv[3] ?? "chunks,batch,transaction,rows,conflict,upsert,returning").split(",");

// The same page with no integration and no database: how fast Astro alone gets there, the
// floor under both packages' figures.
function bareSite(site) {
  writeFileSync(join(site, "astro.config.mjs"), `import { defineConfig } from "astro/config";\nexport default defineConfig({ telemetry: false });\n`);
  rmSync(join(site, "db"), { recursive: true, force: true });
  writeFileSync(join(site, "src/pages/index.astro"), `---\nconst total = 100000;\n---\n<p id="total">total={total}</p>\n`);
}

async function once(ws, port, { fresh = true, copied = false, bare = false, shape = "chunks" } = {}) {
  const site = join(ws, bare ? "bare-site" : "site");
  if (fresh || !existsSync(site)) {
    rmSync(site, { recursive: true, force: true });
    cpSync(join(repo, "bench/astro-fixture"), site, { recursive: true });
    if (bare) bareSite(site);
  }
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
    // Make sure each start did what it is timed for: ours copies on a restart, upstream reseeds.
    if (!bare && (copied !== /copied from the seed cache/.test(log) || copied === /BENCH_SEED_MS/.test(log))) throw new Error(`unexpected seeding in ${ws}:\n${log}`);
    if (firstPage === undefined) throw new Error(`no seeded page from ${ws}:\n${log}`);
    return { firstPage, seedMs, peakMb: peakKb / 1024 };
  } finally {
    child.kill("SIGKILL");
  }
}

// Another benchmark on the machine may hold any fixed port: ask the system for a free one.
function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const upstream = workspace("upstream-astro6", { astro: ASTRO, "@astrojs/db": "0.21.3" });
const spec = packOurs();
const ours = workspace("ours-astro6", { astro: ASTRO, "@astrojs/db": spec });
refreshOurs(ours, spec);

const results = Object.fromEntries(SHAPES.map((shape) => [shape, { upstream: [], ours: [] }]));
const restarts = { upstream: [], ours: [] };
const bare = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const shape of SHAPES) {
    for (const [who, ws] of [["upstream", upstream], ["ours", ours]]) {
      // A shape that fails for one side is reported as such; the other shapes still run.
      const r = await once(ws, await freePort(), { shape }).catch((e) => (console.error(e.message.slice(0, 2000)), { firstPage: NaN, seedMs: NaN, peakMb: NaN }));
      results[shape][who].push(r);
    }
  }
}
// Restarts keep the project of the last fresh start: start each once with the chunks shape
// (untimed), as the bare project
// gets one untimed start too.
await once(upstream, await freePort());
await once(ours, await freePort());
await once(ours, await freePort(), { bare: true });
for (let r = 0; r < ROUNDS; r++) {
  restarts.upstream.push(await once(upstream, await freePort(), { fresh: false }));
  restarts.ours.push(await once(ours, await freePort(), { fresh: false, copied: true }));
  bare.push(await once(ours, await freePort(), { fresh: false, bare: true }));
}
const m = (who, key, set) => median(set[who].map((x) => x[key]));
const cell = (set, key) => {
  const u = m("upstream", key, set);
  const o = m("ours", key, set);
  return key === "peakMb" ? `${u.toFixed(0)} → ${o.toFixed(0)} MB` : `${u.toFixed(0)} → ${o.toFixed(0)} ms (${(u / o).toFixed(2)}x)`;
};
console.log(`Astro ${ASTRO}, 100k comments per shape, median of ${ROUNDS} paired rounds (upstream → ours)`);
for (const shape of SHAPES) {
  console.log(`${shape.padEnd(12)} seeding ${cell(results[shape], "seedMs")}; dev launch to first seeded page ${cell(results[shape], "firstPage")}; peak RSS ${cell(results[shape], "peakMb")}`);
}
console.log(`dev restart to first seeded page, seed unchanged: ${cell(restarts, "firstPage")}`);
console.log(`Astro alone (the same page, no integration, no database), restart to first page: ${median(bare.map((x) => x.firstPage)).toFixed(0)} ms`);
