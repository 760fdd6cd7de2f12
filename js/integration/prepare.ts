// Getting the local database ready: the dev database is recreated and seeded fresh; a
// production file (ASTRO_DATABASE_FILE) is migrated like a remote, never losing data, and
// seeded only while it is empty. Seeds run in one transaction: all of them or nothing.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { migrateLocalDatabase, resetLocalDatabase, SchemaTarget } from "../../index.js";
import { losesData, writeBackup } from "./backup.js";
import { createClient } from "../client/index.js";
import { fileUrlOptions } from "../client/config.js";
import { SCOPE, type LocalClient } from "../client/local.js";
import { getDbError } from "../runtime/errors.js";
import { createDatabase } from "../runtime/database.js";
import { bundleFile, display, importBundle, scratchDir, sourceLocation, type BundleOrigin, type Bundled } from "./bundle.js";
import { AstroDbError } from "./errors.js";
import { DEV_DATABASE_PATH, localDatabaseUrl, withoutQuery } from "../database-url.js";
import { codeOf, explain, hide, hintFor } from "../explain.js";
import { failedInsert, showRow } from "../runtime/insert-errors.js";
import { dbDirectory, SEED_FILE_NAMES, type LoadedSchema } from "./load-config.js";
import { restoreSeeded, SEED_SQL, seedCacheEntry, seedCacheKey, storeSeeded } from "./seed-cache.js";
import { SEED_DB_KEY, seedModule } from "./virtual-module.js";
import { runSqlSeed, sqlSeedFile } from "./seed-sql.js";

export const DB_PATH = DEV_DATABASE_PATH;

export interface Target {
  /** Absolute path of the database file. */
  path: string;
  /** The file comes from ASTRO_DATABASE_FILE: migrate it, never reset it. */
  persistent: boolean;
  /** The file options of ASTRO_DATABASE_FILE's query (`?journalMode=delete`…), for every open. */
  options?: { busyTimeout: number; journalMode: "wal" | "delete" };
  /** The file's URL with its options: what `astro:db` in this process opens. */
  url: string;
}

/** The project's local database (see `localDatabaseUrl`), its options checked. */
export function localTarget(root: URL, astroDatabaseFile: string | undefined): Target {
  const { url, persistent } = localDatabaseUrl(root, astroDatabaseFile);
  const path = fileURLToPath(withoutQuery(url));
  return persistent ? { path, persistent, options: fileUrlOptions(url), url } : { path, persistent, url };
}

export interface Outcome {
  /** What happened, for the log. */
  messages: string[];
  /** Files whose change should re-run preparation (seeds and what they import). */
  watched: string[];
  /** The seed cache entry holding what the database now holds (a read-only file to copy). */
  seedCacheEntry?: string;
}

/** The seed files in the order they run: db/seed.sql, integrations' seeds, then db/seed.*. */
export function seedFiles(root: URL, schema: LoadedSchema): URL[] {
  const own = SEED_FILE_NAMES.map((n) => new URL(n, dbDirectory(root))).filter((u) => existsSync(u));
  const sql = sqlSeedFile(root);
  return [...(sql ? [sql] : []), ...schema.integrationSeeds, ...own];
}

export async function prepareDatabase(root: URL, schema: LoadedSchema, target: Target): Promise<Outcome> {
  await mkdir(dirname(target.path), { recursive: true });
  const files = seedFiles(root, schema);
  const watched: string[] = [...files, new URL(SEED_SQL, root)].map((f) => fileURLToPath(f));
  if (!target.persistent) return freshDatabase(root, schema, target, files, watched);
  const messages: string[] = [];
  const backup = await backupBeforeLoss(root, schema, target);
  if (backup) messages.push(`Backed up the database before removing deprecated data: ${backup} (restore: astro-db load ${JSON.stringify(backup)} --replace).`);
  let m;
  try {
    m = migrateLocalDatabase(target.path, schema.snapshot, target.options);
  } catch (e) {
    // The engine's code (`ASTRO_DB_DATA_LOSS`, a SQLite code…) is kept: it says why.
    const err = explain(e, `Could not update the database file ${target.path} (ASTRO_DATABASE_FILE)`, { shown: target.path });
    err.hint = err.hint ?? "Nothing was changed. Mark what you remove as `deprecated: true` first, or migrate the data by hand.";
    throw err;
  }
  if (m.adopted.length) messages.push(`Adopted existing tables ${m.adopted.join(", ")} into the schema history.`);
  if (m.applied.length) messages.push(`Updated the database schema (${m.applied.length} change${m.applied.length === 1 ? "" : "s"}).`);
  if (m.empty && files.length > 0) {
    watched.push(...(await runSeeds(root, await bundleSeeds(root, schema, target, files))));
    messages.push("Seeded database.");
  }
  return { messages, watched };
}

/** A backup of ASTRO_DATABASE_FILE when its migration removes data the schema marked `deprecated`. */
async function backupBeforeLoss(root: URL, schema: LoadedSchema, target: Target): Promise<string | undefined> {
  if (!existsSync(target.path)) return undefined;
  const native = SchemaTarget.local(target.path);
  const plan = await native.push(schema.snapshot, { apply: false });
  // A plan that fails is reported by the migration itself, just after.
  if (plan instanceof Error || !losesData(plan, false)) return undefined;
  try {
    return await writeBackup(root, native, "local");
  } catch (e) {
    throw new AstroDbError(`Could not write a backup of ${target.path} (ASTRO_DATABASE_FILE) before removing deprecated data: ${(e as Error).message}`, "Nothing was changed. Free disk space or make .astro/backups/ writable.");
  }
}

/**
 * The dev database (and a static build's): recreated, then seeded, or copied from the seed
 * cache when nothing the seeds depend on changed (see seed-cache.ts).
 */
async function freshDatabase(root: URL, schema: LoadedSchema, target: Target, files: URL[], watched: string[]): Promise<Outcome> {
  const created = "New local database created.";
  let seeds: Seeds | undefined;
  try {
    if (files.length > 0) seeds = await bundleSeeds(root, schema, target, files);
  } catch (e) {
    // A seed that does not even load leaves the tables empty, as one that throws does.
    resetLocalDatabase(target.path, schema.snapshot);
    throw e;
  }
  if (!seeds) {
    resetLocalDatabase(target.path, schema.snapshot);
    return { messages: [created], watched };
  }
  watched.push(...seeds.dependencies);
  if (seeds.key && (await restoreSeeded(root, seeds.key, target.path, target.options))) {
    const seeded = "Seeded database. (copied from the seed cache: the seeds and what they read are unchanged)";
    return { messages: [created, seeded], watched, seedCacheEntry: seedCacheEntry(root, seeds.key) };
  }
  resetLocalDatabase(target.path, schema.snapshot);
  await runSeeds(root, seeds);
  // Only a seed run that committed gets here: a failing seed is never cached.
  const stored = seeds.key !== undefined && (await storeSeeded(root, seeds.key, target.path));
  return { messages: [created, "Seeded database."], watched, seedCacheEntry: stored ? seedCacheEntry(root, seeds.key!) : undefined };
}

const seedClients = new Map<string, LocalClient>();

/** One client per database file for the whole process: seed modules keep a reference to it. */
function seedClient(path: string, options: Target["options"]): LocalClient {
  let client = seedClients.get(path);
  if (!client || client.closed) {
    client = createClient({ url: pathToFileURL(path).href, ...options }) as LocalClient;
    seedClients.set(path, client);
  }
  return client;
}

interface Seeds {
  client: LocalClient;
  /** SQL seeds (`db/seed.sql`) have no bundle; a module seed imported early keeps its module. */
  files: Array<{ file: URL; bundle?: Bundled; loaded?: { mod: Record<string, unknown>; origin: BundleOrigin } }>;
  /** Absolute paths of every file the seeds read. */
  dependencies: string[];
  /** The seed cache key; undefined when a seed opted out. */
  key?: string;
}

/**
 * Bundles every seed (without running it) and works out the cache key. A seed opts out with
 * `export const cache = false`, an integration's seed with `extendDb({ seedCache: false })`.
 */
async function bundleSeeds(root: URL, schema: LoadedSchema, target: Target, files: URL[]): Promise<Seeds> {
  const client = seedClient(target.path, target.options);
  (globalThis as any)[Symbol.for(SEED_DB_KEY)] = createDatabase(client, { callSites: true });
  const dir = scratchDir(root);
  await mkdir(dir, { recursive: true });
  const virtual = fileURLToPath(new URL(`seed-virtual-${schema.hash}.mjs`, dir));
  await writeFile(virtual, seedModule(schema.tables, pathToFileURL(target.path).href));
  const env = importMetaEnv();
  const seeds: Seeds = { client, files: [], dependencies: [] };
  let cacheable = true;
  for (const file of files) {
    if (file.pathname.endsWith(".sql")) {
      seeds.files.push({ file });
      continue;
    }
    const bundle = await bundleFile(root, file, virtual, { env });
    seeds.dependencies.push(...bundle.dependencies);
    const entry: Seeds["files"][number] = { file, bundle };
    if (bundle.exports.includes("cache")) {
      const loaded = await importBundle(root, bundle.code).catch((e) => Promise.reject(seedFailure(root, file, undefined, e)));
      if (loaded.mod.cache === false) cacheable = false;
      entry.loaded = loaded;
    }
    if (schema.uncachedSeeds.includes(file.href)) cacheable = false;
    seeds.files.push(entry);
  }
  if (cacheable) seeds.key = seedCacheKey(root, { snapshot: schema.snapshot, seeds: seeds.files, env });
  return seeds;
}

async function runSeeds(root: URL, seeds: Seeds): Promise<string[]> {
  const { client } = seeds;
  client[SCOPE].begin();
  let current: URL | undefined;
  let origin: BundleOrigin | undefined;
  try {
    for (const { file, bundle, loaded: imported } of seeds.files) {
      current = file;
      origin = undefined;
      if (!bundle) {
        await runSqlSeed(client, file);
        continue;
      }
      const loaded = imported ?? (await importBundle(root, bundle.code));
      origin = loaded.origin;
      const mod = loaded.mod;
      if (typeof mod.default !== "function") {
        throw new AstroDbError(`${display(root, file)} must export a default function that seeds the database.`, {
          code: "ASTRO_DB_SEED_NO_DEFAULT",
          hint: "export default async function seed() { await db.insert(…).values(…) }",
        });
      }
      await (mod.default as () => unknown)();
    }
    client[SCOPE].end(true);
  } catch (e) {
    client[SCOPE].end(false);
    throw seedFailure(root, current, origin, e);
  }
  return seeds.dependencies;
}

function importMetaEnv(): Record<string, unknown> {
  const env: Record<string, unknown> = { DEV: true, PROD: false, MODE: "development", SSR: true };
  for (const [k, v] of Object.entries(process.env)) if (/^(ASTRO|PUBLIC)_/.test(k)) env[k] = v;
  return env;
}

/**
 * A seed's failure as the user needs it: the file and line, the database's error, and for an
 * insert the table and the row at fault (its index in `values()` and its values, secrets and
 * long text shortened); the hint is chosen by the database's extended code.
 */
function seedFailure(root: URL, file: URL | undefined, origin: BundleOrigin | undefined, e: unknown): Error {
  if (e instanceof AstroDbError) return e;
  const insert = failedInsert(e);
  const at = origin && sourceLocation(origin, root, insert?.site?.stack ?? (e as Error)?.stack, file);
  const seed = file ? display(root, file) : "a seed file";
  const line = at && `${display(root, at.file)}:${at.line}`;
  const where = !line ? seed : file && at.file.href === file.href ? line : `${seed} (at ${line})`;
  const dbError = getDbError(e);
  const lines = [`Failed to seed the database with ${where}:`, dbError ? dbError.message : e instanceof Error ? e.message : String(e)];
  if (insert) {
    const { table, rows, rowIndex } = insert;
    const count = `${rows.length} row${rows.length === 1 ? "" : "s"}`;
    lines.push(
      rowIndex === undefined || rowIndex >= rows.length
        ? `  inserting ${count} into ${table} (the database does not say which row)`
        : `  table ${table}, row ${rowIndex} of values() (${count}): ${hide(showRow(rows[rowIndex]), [process.env.ASTRO_DB_APP_TOKEN])}`,
    );
  }
  return new AstroDbError(lines.join("\n"), {
    code: codeOf(dbError) ?? "ASTRO_DB_SEED_FAILED",
    hint: hintFor(e) ?? "Fix the seed file; the database was left with its tables and no seed data, and seeding runs again when the file changes.",
    // An insert's rows are shown above, shortened: Drizzle's wrapper around the database's
    // error would print every value again, in full (secrets and long text included).
    cause: insert && dbError ? dbError : e,
  });
}
