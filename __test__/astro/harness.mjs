// Fixture workspace and real `astro` CLI helpers for the integration tests.
//
// Workspaces live in the OS temp directory, outside this repository, so that nothing resolves
// from the repository's node_modules: a project sees exactly what `npm install` of our packed
// tarball gives a user. A workspace holds one npm install of astro, the node adapter (and for
// Astro 7 @astrojs/check and typescript) at the versions the npm registry serves today for
// each range (the newest 6.x and 7.x, and the lowest versions we claim), plus the freshly
// packed @astrojs/db; it is reused between runs while those versions stay the same, and only
// the packed tarball is reinstalled when it changed. Fixture projects are copied fresh from
// `__test__/fixtures/<name>/` into sub-folders of the workspace, so they resolve its
// node_modules.
//
// Every process started here runs in its own process group and is killed (group-wide) when
// the test ends or the test process exits. Test files take a workspace-wide lock, so at most
// one astro process tree runs at a time even when the test runner runs files in parallel.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const repoRoot = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const sharedDir = join(tmpdir(), "astro-db-tests");
/**
 * Outside the repository, so module resolution from here never reaches its node_modules; one
 * folder per checkout, so that two checkouts testing at once (CI beside a developer) never
 * reinstall each other's package under a running test.
 */
export const testsDir = join(sharedDir, createHash("sha256").update(repoRoot).digest("hex").slice(0, 12));
const fixturesSrc = join(repoRoot, "__test__", "fixtures");

// Ranges resolved against the registry when a workspace is first used (see `versions`).
export const ASTRO7 = {
  name: "astro7",
  ranges: { astro: "7", "@astrojs/node": "11", "@astrojs/check": "0.9", typescript: "5" },
};
export const ASTRO6 = {
  name: "astro6",
  ranges: { astro: "6", "@astrojs/node": "10", "@astrojs/check": "0.9", typescript: "5" },
};
/** The lowest versions we claim (package.json's peer range starts at astro 6.0.0). */
export const ASTRO7_MIN = {
  name: "astro7-min",
  ranges: { astro: "7.0.0", "@astrojs/node": "11.0.0" },
};
export const ASTRO6_MIN = {
  name: "astro6-min",
  ranges: { astro: "6.0.0", "@astrojs/node": "10.0.0" },
};
/** No Astro at all: the `astro-db` bin and the client as a plain npm install gives them. */
export const PLAIN = { name: "plain", ranges: {} };

const TARBALL = "astrojs-db.tgz";

// ---------------------------------------------------------------------------------------
// Process bookkeeping

const live = new Set();

function killGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {}
}

process.on("exit", () => {
  for (const child of live) killGroup(child);
  releaseLock();
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    for (const child of live) killGroup(child);
    releaseLock();
    process.exit(130);
  });
}

// The inherited environment, without the variables the tests set themselves.
const inherited = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(ASTRO_DATABASE_FILE|ASTRO_DB_|ASTRO_STUDIO_|HOST$|PORT$)/.test(k)));

const baseEnv = () => ({
  ...inherited(),
  ASTRO_TELEMETRY_DISABLED: "1",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
  CI: "1",
  npm_config_update_notifier: "false",
});

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, "");

/**
 * Starts a process in its own group, collecting its output. `exited` resolves with
 * `{ code, signal }`; `stop()` kills the whole group and waits for the exit.
 */
export function start(command, args, { cwd, env = {}, timeout } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: Object.fromEntries(Object.entries({ ...baseEnv(), ...env }).filter(([, v]) => v !== undefined)),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let output = "";
  const listeners = new Set();
  const onData = (chunk) => {
    output += stripAnsi(chunk.toString());
    for (const l of listeners) l();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise((resolve) => {
    child.on("close", (code, signal) => {
      live.delete(child);
      for (const l of listeners) l();
      resolve({ code, signal });
    });
    child.on("error", (error) => {
      live.delete(child);
      output += `\n[spawn error] ${error.message}\n`;
      resolve({ code: -1, signal: null });
    });
  });
  let timer;
  if (timeout) {
    timer = setTimeout(() => {
      output += `\n[harness] killed after ${timeout} ms\n`;
      killGroup(child);
    }, timeout);
    timer.unref();
    exited.then(() => clearTimeout(timer));
  }
  const proc = {
    child,
    exited,
    get output() {
      return output;
    },
    /** The output written after `mark` (a previous `output.length`). */
    since(mark) {
      return output.slice(mark);
    },
    /** Waits until `pattern` matches the output (from `from` on); rejects on exit or timeout. */
    waitFor(pattern, { timeout = 60_000, from = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = output.slice(from).match(pattern);
          if (m) return done(() => resolve(m));
          if (child.exitCode !== null || child.signalCode !== null || !live.has(child)) {
            return done(() => reject(new Error(`process exited before ${pattern}:\n${tail(output)}`)));
          }
        };
        const t = setTimeout(() => done(() => reject(new Error(`timed out after ${timeout} ms waiting for ${pattern}:\n${tail(output)}`))), timeout);
        const done = (f) => {
          clearTimeout(t);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      killGroup(child);
      await exited;
    },
  };
  return proc;
}

export function tail(s, n = 4000) {
  return s.length > n ? "…" + s.slice(-n) : s;
}

/** Runs a command to completion (with a timeout); resolves with `{ code, output }`. */
export async function run(command, args, opts = {}) {
  const p = start(command, args, { timeout: 180_000, ...opts });
  const { code, signal } = await p.exited;
  return { code, signal, output: p.output };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------
// Lock: one astro process tree at a time across test files.

// Machine-wide: one astro process tree at a time, whichever checkout starts it.
const lockDir = join(sharedDir, "astro-fixtures.lock");
const held = new Set();

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/** Takes the directory lock `dir` for this process (a lock left by a dead process is taken over). */
async function lock(dir) {
  if (held.has(dir)) return;
  mkdirSync(testsDir, { recursive: true });
  mkdirSync(sharedDir, { recursive: true });
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "pid"), String(process.pid));
      held.add(dir);
      return;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(dir, "pid"), "utf8"));
      } catch {}
      if (Number.isFinite(owner) && owner > 0 && !pidAlive(owner)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      await sleep(500);
    }
  }
}

function unlock(dir) {
  if (!held.delete(dir)) return;
  rmSync(dir, { recursive: true, force: true });
}

function releaseLock() {
  for (const dir of [...held]) unlock(dir);
}

// ---------------------------------------------------------------------------------------
// Workspace

let packed;

/**
 * Packs the repository (built beforehand) once per test process; returns the tarball path.
 * ASTRO_DB_PACK_ROOT packs another (built) checkout instead, e.g. a clean worktree.
 */
export function packTarball() {
  if (packed) return packed;
  const packRoot = process.env.ASTRO_DB_PACK_ROOT || repoRoot;
  const dir = join(testsDir, `pack-${process.pid}`);
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const r = spawnSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: packRoot, encoding: "utf8", env: baseEnv() });
  const file = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (r.status !== 0 || !file) throw new Error(`npm pack failed:\n${r.stdout}\n${r.stderr}`);
  packed = join(dir, file);
  return packed;
}

function npm(args, cwd) {
  const r = spawnSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
    env: baseEnv(),
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`npm ${args.join(" ")} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
}

const sha = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");

const resolved = new Map();

/** The newest version the registry serves for `name@range` (asked once per test process). */
function newest(name, range) {
  const key = `${name}@${range}`;
  if (!resolved.has(key)) {
    const r = spawnSync("npm", ["view", key, "version", "--json"], { encoding: "utf8", env: baseEnv(), timeout: 60_000 });
    if (r.status !== 0) throw new Error(`npm view ${key} failed:\n${r.stdout}\n${r.stderr}`);
    const found = JSON.parse(r.stdout);
    resolved.set(key, Array.isArray(found) ? found.at(-1) : found);
  }
  return resolved.get(key);
}

/** `spec`'s ranges resolved to exact versions, e.g. `{ astro: "7.4.8", … }`. */
export function versions(spec) {
  return Object.fromEntries(Object.entries(spec.ranges).map(([name, range]) => [name, newest(name, range)]));
}

/** Installs (or refreshes) the workspace for `spec` in the temp directory. */
export async function install(spec) {
  const dir = join(testsDir, `fixtures-${spec.name}`);
  const installing = `${dir}.install.lock`;
  await lock(installing);
  try {
    return installLocked(spec, dir);
  } finally {
    unlock(installing);
  }
}

function installLocked(spec, dir) {
  const tarball = packTarball();
  const manifest = {
    name: `fixtures-${spec.name}`,
    private: true,
    type: "module",
    dependencies: { ...versions(spec), "@astrojs/db": `file:${TARBALL}` },
  };
  const stampFile = join(dir, ".stamp.json");
  const stamp = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, "utf8")) : {};
  const deps = JSON.stringify(manifest.dependencies);
  const hash = sha(tarball);
  if (stamp.deps !== deps || !existsSync(join(dir, "node_modules", "@astrojs", "db", "package.json"))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(tarball, join(dir, TARBALL));
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
    npm(["install"], dir);
    writeFileSync(stampFile, JSON.stringify({ deps, tarball: hash }));
  } else if (stamp.tarball !== hash) {
    cpSync(tarball, join(dir, TARBALL));
    npm(["install", `./${TARBALL}`], dir);
    writeFileSync(stampFile, JSON.stringify({ deps, tarball: hash }));
  }
  const installed = Object.keys(manifest.dependencies).map((name) => `${name}@${JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version}`);
  // Recorded in the test output: which versions this run really tested.
  if (!reported.has(spec.name)) {
    reported.add(spec.name);
    console.log(`# workspace ${spec.name}: ${installed.join(", ")} (node ${process.version}) in ${dir}`);
  }
  return {
    dir,
    name: spec.name,
    installed,
    astroBin: join(dir, "node_modules", "astro", "bin", "astro.mjs"),
    dbBin: join(dir, "node_modules", "@astrojs", "db", "bin", "astro-db.js"),
  };
}
const reported = new Set();

/**
 * The workspace for `spec` (ASTRO7 / ASTRO6 / …), installed and with the current package.
 * Takes the cross-file lock for the rest of this process.
 */
export async function workspace(spec) {
  await workspaceLock();
  return install(spec);
}

/** The cross-file lock (one astro process tree at a time), held for the rest of this process. */
export function workspaceLock() {
  return lock(lockDir);
}

// ---------------------------------------------------------------------------------------
// Fixtures

/**
 * A fresh copy of `__test__/fixtures/<name>` inside the workspace (as `<as ?? name>`); with an
 * array of names, the fixtures are copied over each other in order.
 * `files` adds or overrides files ({ "db/seed.ts": "…" }).
 */
export function fixture(ws, name, { as, files = {} } = {}) {
  // An array layers fixtures: later ones add or replace files of earlier ones.
  const layers = Array.isArray(name) ? name : [name];
  const root = join(ws.dir, as ?? layers.at(-1));
  rmSync(root, { recursive: true, force: true });
  for (const layer of layers) cpSync(join(fixturesSrc, layer), root, { recursive: true });
  const project = new Project(ws, root);
  for (const [file, content] of Object.entries(files)) project.write(file, content);
  return project;
}

export class Project {
  constructor(ws, root) {
    this.ws = ws;
    this.root = root;
  }
  path(file) {
    return join(this.root, file);
  }
  write(file, content) {
    const p = this.path(file);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, content);
  }
  read(file) {
    return readFileSync(this.path(file), "utf8");
  }
  exists(file) {
    return existsSync(this.path(file));
  }
  remove(file) {
    rmSync(this.path(file), { recursive: true, force: true });
  }

  /** Runs `astro <args>` to completion (in the project, unless `cwd` says elsewhere). */
  astro(args, { env, timeout = 240_000, cwd = this.root } = {}) {
    return run(process.execPath, [this.ws.astroBin, ...args], { cwd, env, timeout });
  }

  /** `astro build`; throws with the output when it fails unless `expectFailure`. */
  async build({ env, expectFailure = false } = {}) {
    const r = await this.astro(["build"], { env });
    if (!expectFailure && r.code !== 0) throw new Error(`astro build failed (${r.code}):\n${tail(r.output, 8000)}`);
    return r;
  }

  /**
   * Starts `astro dev` on a free port and waits until it is ready. Registers teardown on
   * `t` (a test context) when given.
   */
  async dev(t, { env, timeout = 90_000 } = {}) {
    const port = await freePort();
    const proc = start(process.execPath, [this.ws.astroBin, "dev", "--port", String(port), "--host", "127.0.0.1"], { cwd: this.root, env });
    const server = new Server(proc, `http://127.0.0.1:${port}`);
    t?.after(() => server.stop());
    try {
      await proc.waitFor(/ready in|Local\s+http/i, { timeout });
      const m = await proc.waitFor(/Local\s+(http:\/\/\S+)/, { timeout: 10_000 }).catch(() => null);
      if (m) server.url = m[1].replace(/\/$/, "").replace("localhost", "127.0.0.1");
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  /** Starts the node adapter's standalone server of a server build. */
  async serve(t, { env, timeout = 30_000 } = {}) {
    const port = await freePort();
    const proc = start(process.execPath, [join(this.root, "dist", "server", "entry.mjs")], {
      cwd: this.root,
      env: { HOST: "127.0.0.1", PORT: String(port), ...env },
    });
    const server = new Server(proc, `http://127.0.0.1:${port}`);
    t?.after(() => server.stop());
    try {
      await server.waitUntilResponding(timeout);
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }
}

export class Server {
  constructor(proc, url) {
    this.proc = proc;
    this.url = url;
  }
  get output() {
    return this.proc.output;
  }
  waitFor(pattern, opts) {
    return this.proc.waitFor(pattern, opts);
  }
  async waitUntilResponding(timeout) {
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        await fetch(this.url + "/", { signal: AbortSignal.timeout(2000) });
        return;
      } catch (e) {
        if (this.proc.child.exitCode !== null || !live.has(this.proc.child)) throw new Error(`server exited:\n${tail(this.output)}`);
        if (Date.now() > deadline) throw new Error(`server not responding after ${timeout} ms:\n${tail(this.output)}`);
        await sleep(200);
      }
    }
  }
  /** fetch() against the server, with a timeout; resolves with `{ status, text, headers }`. */
  async fetch(path, init = {}) {
    const res = await fetch(this.url + path, { redirect: "manual", signal: AbortSignal.timeout(30_000), ...init });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  async json(path, init) {
    const r = await this.fetch(path, init);
    try {
      return { ...r, body: JSON.parse(r.text) };
    } catch {
      throw new Error(`${path} answered ${r.status} with non-JSON:\n${tail(r.text, 2000)}\n--- server output:\n${tail(this.output)}`);
    }
  }
  /** Polls `path` until `predicate(response)` holds. */
  async poll(path, predicate, { timeout = 60_000, interval = 300 } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        last = await this.fetch(path);
        if (predicate(last)) return last;
      } catch (e) {
        last = { error: String(e) };
      }
      if (Date.now() > deadline) {
        throw new Error(`poll ${path} timed out; last: ${tail(JSON.stringify(last), 2000)}\n--- server output:\n${tail(this.output)}`);
      }
      await sleep(interval);
    }
  }
  stop() {
    return this.proc.stop();
  }
}

/** Counts the matches of `pattern` (a global RegExp) in `text`. */
export function count(text, pattern) {
  return (text.match(pattern) ?? []).length;
}
