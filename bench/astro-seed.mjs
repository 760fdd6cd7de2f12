// Astro dev with a 100k-comment seed: this package against upstream @astrojs/db 0.21.3,
// both on Astro 6, same fixture (bench/astro-fixture), paired rounds, medians.
// Prints: time from `astro dev` launch to the first page showing seeded data, seeding
// time alone (measured inside the seed), and the dev process's peak RSS.
// Run: node bench/astro-seed.mjs [rounds]   (needs `npm run build` first; installs into $TMPDIR/astro-db-bench, outside the repository)
import { spawn } from "node:child_process";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ASTRO, median, packOurs, refreshOurs, repo, workspace } from "./astro-workspace.mjs";

const ROUNDS = Number(process.argv[2] ?? 3);

async function once(ws, port) {
  const site = join(ws, "site");
  rmSync(site, { recursive: true, force: true });
  cpSync(join(repo, "bench/astro-fixture"), site, { recursive: true });
  const started = performance.now();
  const child = spawn(process.execPath, [join(ws, "node_modules/astro/bin/astro.mjs"), "dev", "--port", String(port)], {
    cwd: site,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let firstPage;
  try {
    for (let i = 0; i < 1200 && firstPage === undefined; i++) {
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
    if (firstPage === undefined) throw new Error(`no seeded page from ${ws}:\n${log}`);
    return { firstPage, seedMs, peakMb: peakKb / 1024 };
  } finally {
    child.kill("SIGKILL");
  }
}

const upstream = workspace("upstream-astro6", { astro: ASTRO, "@astrojs/db": "0.21.3" });
const spec = packOurs();
const ours = workspace("ours-astro6", { astro: ASTRO, "@astrojs/db": spec });
refreshOurs(ours, spec);

const results = { upstream: [], ours: [] };
for (let r = 0; r < ROUNDS; r++) {
  results.upstream.push(await once(upstream, 4500 + 2 * r));
  results.ours.push(await once(ours, 4501 + 2 * r));
}
const m = (who, key) => median(results[who].map((x) => x[key]));
const row = (label, key, unit) => {
  const u = m("upstream", key);
  const o = m("ours", key);
  console.log(`${label}: upstream ${u.toFixed(0)} ${unit}, ours ${o.toFixed(0)} ${unit}, ${key === "peakMb" ? `ratio ${(o / u).toFixed(2)}` : `speed-up ${(u / o).toFixed(2)}x`}`);
};
console.log(`Astro ${ASTRO}, 100k comments seeded in chunks of 1,000, median of ${ROUNDS} paired rounds`);
row("seeding", "seedMs", "ms");
row("dev launch to first seeded page", "firstPage", "ms");
row("peak RSS of the dev process", "peakMb", "MB");
