// The seeded-database cache: a copy of the dev database as the seeds left it, keyed by
// everything that decides its content, so that a dev start or a static build with unchanged
// seeds copies a file instead of running them.
//
// The key covers the schema snapshot, each seed's bundled code (the seed and every file it
// imports, as esbuild read them), db/seed.sql, the project's lockfile (the packages a seed
// imports are left out of the bundle), `import.meta.env` when a seed reads it, and this
// package's version. What a seed reads at run time from elsewhere (process.env, the clock, the
// network, a file it opens itself) is not in the key: such seeds opt out.
//
// Entries are whole database files in the rollback-journal mode, so a read-only copy never
// needs a WAL beside it. They are written under a temporary name and renamed into place (a
// reader sees a whole file or none); storing and pruning take a lock directory, and a process
// that finds it taken skips storing: the cache is an optimisation, never a requirement.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyDatabaseFile } from "../../index.js";
import { scratchDir, type Bundled } from "./bundle.js";

/** Entries kept: a few keys cover switching branches or toggling an edit back. */
export const KEEP_ENTRIES = 4;
/** A lock older than this was left by a process that died while storing. */
const STALE_LOCK_MS = 60_000;
const LOCKFILES = ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "bun.lockb", "npm-shrinkwrap.json"];

/** The SQL seed run before the module seeds, when the project has one. */
export const SEED_SQL = "db/seed.sql";

export function seedCacheDir(root: URL): string {
  return fileURLToPath(new URL("seed-cache/", scratchDir(root)));
}

export interface KeyInputs {
  /** The canonical schema snapshot. */
  snapshot: string;
  /** The seed files in the order they run, each with its bundle. */
  seeds: Array<{ file: URL; bundle?: Bundled }>;
  /** `import.meta.env` as seeds see it (hashed only when one reads it). */
  env: Record<string, unknown>;
}

let ownVersion: string | undefined;

function packageVersion(): string {
  ownVersion ??= JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version as string;
  return ownVersion;
}

/** The nearest lockfile from the root up (a workspace keeps it at its top). */
function lockfile(root: URL): string | undefined {
  let dir = fileURLToPath(root);
  for (;;) {
    for (const name of LOCKFILES) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The cache key: a hex digest of everything that decides what the seeds write. */
export function seedCacheKey(root: URL, inputs: KeyInputs): string {
  const h = createHash("sha256");
  // Every part is length-prefixed, so no two different inputs hash the same text.
  const part = (label: string, data: string | Uint8Array) => {
    h.update(`${label}:${Buffer.byteLength(data)}:`);
    h.update(data);
  };
  part("version", packageVersion());
  part("schema", inputs.snapshot);
  const sql = new URL(SEED_SQL, root);
  part("seed.sql", existsSync(sql) ? readFileSync(sql) : "");
  const lock = lockfile(root);
  part("lockfile", lock ? readFileSync(lock) : "");
  for (const { file, bundle } of inputs.seeds) {
    part("seed", file.href);
    // db/seed.sql has no bundle: its bytes are a part of their own, above.
    part("code", bundle?.code ?? "");
  }
  if (inputs.seeds.some((s) => s.bundle?.readsEnv)) part("env", JSON.stringify(Object.entries(inputs.env).sort(([a], [b]) => (a < b ? -1 : 1))));
  return h.digest("hex").slice(0, 32);
}

/** The entry for `key`, if stored. */
export function seedCacheEntry(root: URL, key: string): string | undefined {
  const file = join(seedCacheDir(root), `${key}.db`);
  return existsSync(file) ? file : undefined;
}

/**
 * Makes the database at `target` a copy of the entry for `key`; false when there is none or
 * it cannot be read (removed by another process meanwhile, damaged): then seed as usual.
 */
export async function restoreSeeded(root: URL, key: string, target: string, options?: { busyTimeout: number; journalMode: "wal" | "delete" }): Promise<boolean> {
  const entry = seedCacheEntry(root, key);
  if (!entry) return false;
  try {
    copyDatabaseFile(entry, target, options);
  } catch {
    return false;
  }
  // Recently used entries are the ones pruning keeps.
  const now = new Date();
  await utimes(entry, now, now).catch(() => {});
  return true;
}

/**
 * Stores a copy of the seeded database at `source` as the entry for `key`, then drops all but
 * the newest entries. Never throws: a failure to store only costs the next start a reseed.
 */
export async function storeSeeded(root: URL, key: string, source: string): Promise<boolean> {
  const dir = seedCacheDir(root);
  const lock = join(dir, ".lock");
  try {
    await mkdir(dir, { recursive: true });
    if (!(await takeLock(lock))) return false;
  } catch {
    return false;
  }
  const tmp = join(dir, `.${key}-${process.pid}.tmp`);
  try {
    await rm(tmp, { force: true });
    copyDatabaseFile(source, tmp, { journalMode: "delete" });
    await rename(tmp, join(dir, `${key}.db`));
    await prune(dir);
    return true;
  } catch {
    await rm(tmp, { force: true }).catch(() => {});
    return false;
  } finally {
    await rm(lock, { recursive: true, force: true }).catch(() => {});
  }
}

async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
  if (age < STALE_LOCK_MS) return false;
  await rm(lock, { recursive: true, force: true });
  try {
    await mkdir(lock);
    return true;
  } catch {
    return false;
  }
}

async function prune(dir: string): Promise<void> {
  const entries = await Promise.all(
    (await readdir(dir)).filter((n) => n.endsWith(".db")).map(async (n) => ({ n, t: (await stat(join(dir, n))).mtimeMs })),
  );
  entries.sort((a, b) => b.t - a.t);
  for (const { n } of entries.slice(KEEP_ENTRIES)) await rm(join(dir, n), { force: true });
}
