// `push` of a 50-table schema to a libSQL server on loopback (`astro-db serve`): this
// package's `astro-db push` against upstream @astrojs/db 0.21.3's `astro db push`, both on
// Astro 6, fresh database each round. Prints the HTTP round trips each push makes (counted
// by a proxy in front of the server) and the command's wall time, medians of paired rounds.
// Run: node bench/push.mjs [rounds]   (after `npm run build`; installs into $TMPDIR/astro-db-bench, outside the repository)
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROUNDS = Number(process.argv[2] ?? 3);
const TABLES = 50;
const repo = new URL("..", import.meta.url).pathname;
// Outside the repository, so the projects resolve only what their own install gives them.
const work = join(tmpdir(), "astro-db-bench");

function npm(args, cwd) {
  execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, stdio: ["ignore", "ignore", "inherit"] });
}

function workspace(name, dbSpec) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const pkg = JSON.stringify({ name: `bench-${name}`, private: true, type: "module", dependencies: { astro: "6.4.8", "@astrojs/db": dbSpec } }, null, 2);
  if (!existsSync(join(dir, "package.json")) || readFileSync(join(dir, "package.json"), "utf8") !== pkg || !existsSync(join(dir, "node_modules/astro"))) {
    writeFileSync(join(dir, "package.json"), pkg);
    npm(["install"], dir);
  }
  return dir;
}

function site(ws) {
  const dir = join(ws, "push-site");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "db"), { recursive: true });
  writeFileSync(join(dir, "astro.config.mjs"), `import db from "@astrojs/db";\nexport default { integrations: [db()], telemetry: false };\n`);
  const tables = Array.from({ length: TABLES }, (_, i) => `  T${i}: defineTable({ columns: { id: column.number({ primaryKey: true }), name: column.text(), score: column.number({ default: 0 }), at: column.date({ optional: true }) }, indexes: [{ on: ["name"] }] }),`);
  writeFileSync(join(dir, "db/config.ts"), `import { column, defineDb, defineTable } from "astro:db";\nexport default defineDb({ tables: {\n${tables.join("\n")}\n} });\n`);
  return dir;
}

/** `astro-db serve` behind a proxy that counts the requests it forwards. */
async function server() {
  const dir = mkdtempSync(join(tmpdir(), "astro-db-push-bench-"));
  const child = spawn(process.execPath, [join(repo, "bin/astro-db.js"), "serve", "--db", join(dir, "db.sqlite"), "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const target = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (c) => reject(new Error(`serve exited ${c}`)));
  });
  let requests = 0;
  const proxy = createServer((req, res) => {
    requests++;
    const fwd = request({ host: "127.0.0.1", port: target, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    req.pipe(fwd);
  });
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${proxy.address().port}`,
    requests: () => requests,
    close: () => {
      proxy.close();
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function push(command, args, cwd) {
  const srv = await server();
  const started = performance.now();
  // Asynchronously: the counting proxy lives in this process and must keep serving.
  const child = spawn(process.execPath, [command, ...args], {
    cwd,
    env: { ...process.env, ASTRO_DB_REMOTE_URL: srv.url, ASTRO_TELEMETRY_DISABLED: "1", NO_COLOR: "1", CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const code = await new Promise((resolve) => child.on("exit", resolve));
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${args.join(" ")} failed (${code}):\n${out}`);
  const requests = srv.requests();
  srv.close();
  return { ms, requests, out };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dest = join(work, "pack");
mkdirSync(dest, { recursive: true });
const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", dest], { cwd: repo, encoding: "utf8" }).trim().split("\n").pop();
renameSync(join(dest, packed), join(dest, "astrojs-db.tgz"));
const upstreamWs = workspace("upstream-astro6", "0.21.3");
const oursWs = workspace("ours-astro6", `file:${join(dest, "astrojs-db.tgz")}`);
npm(["install", join(dest, "astrojs-db.tgz")], oursWs);

const upstreamSite = site(upstreamWs);
const oursSite = site(oursWs);
const results = { upstream: [], ours: [] };
for (let r = 0; r < ROUNDS; r++) {
  results.upstream.push(await push(join(upstreamWs, "node_modules/astro/bin/astro.mjs"), ["db", "push", "--remote"], upstreamSite));
  results.ours.push(await push(join(oursWs, "node_modules/@astrojs/db/bin/astro-db.js"), ["push"], oursSite));
}
const m = (who, key) => median(results[who].map((x) => x[key]));
console.log(`push of a ${TABLES}-table schema to a fresh database behind astro-db serve (HTTP, loopback), Astro 6.4.8, median of ${ROUNDS} paired rounds`);
console.log(`round trips: upstream ${m("upstream", "requests")}, ours ${m("ours", "requests")}`);
console.log(`wall time of the command: upstream ${m("upstream", "ms").toFixed(0)} ms, ours ${m("ours", "ms").toFixed(0)} ms, speed-up ${(m("upstream", "ms") / m("ours", "ms")).toFixed(2)}x`);
