// Getting the local database ready: the dev database is recreated and seeded fresh; a
// production file (ASTRO_DATABASE_FILE) is migrated like a remote, never losing data, and
// seeded only while it is empty. Seeds run in one transaction: all of them or nothing.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { migrateLocalDatabase, resetLocalDatabase } from "../../index.js";
import { createClient } from "../client/index.js";
import { fileUrlOptions } from "../client/config.js";
import { SCOPE, type LocalClient } from "../client/local.js";
import { getDbError } from "../runtime/errors.js";
import { createDatabase } from "../runtime/database.js";
import { normalizeDatabaseUrl } from "../runtime/index.js";
import { bundleFile, display, importBundle, scratchDir, type Bundled } from "./bundle.js";
import { AstroDbError } from "./errors.js";
import { dbDirectory, SEED_FILE_NAMES, type LoadedSchema } from "./load-config.js";
import { restoreSeeded, SEED_SQL, seedCacheEntry, seedCacheKey, storeSeeded } from "./seed-cache.js";
import { SEED_DB_KEY, seedModule } from "./virtual-module.js";

export const DB_PATH = ".astro/content.db";

export interface Target {
  /** Absolute path of the database file. */
  path: string;
  /** The file comes from ASTRO_DATABASE_FILE: migrate it, never reset it. */
  persistent: boolean;
  /** The file options of ASTRO_DATABASE_FILE's query (`?journalMode=delete`…), for every open. */
  options?: { busyTimeout: number; journalMode: "wal" | "delete" };
}

export function localTarget(root: URL, astroDatabaseFile: string | undefined): Target {
  if (!astroDatabaseFile) return { path: fileURLToPath(new URL(DB_PATH, root)), persistent: false };
  const url = normalizeDatabaseUrl(astroDatabaseFile, "");
  return { path: fileURLToPath(url), persistent: true, options: fileUrlOptions(url) };
}

export interface Outcome {
  /** What happened, for the log. */
  messages: string[];
  /** Files whose change should re-run preparation (seeds and what they import). */
  watched: string[];
  /** The seed cache entry holding what the database now holds (a read-only file to copy). */
  seedCacheEntry?: string;
}

/** The seed files in the order they run: integrations' first, then db/seed.*. */
export function seedFiles(root: URL, schema: LoadedSchema): URL[] {
  const own = SEED_FILE_NAMES.map((n) => new URL(n, dbDirectory(root))).filter((u) => existsSync(u));
  return [...schema.integrationSeeds, ...own];
}

export async function prepareDatabase(root: URL, schema: LoadedSchema, target: Target): Promise<Outcome> {
  await mkdir(dirname(target.path), { recursive: true });
  const files = seedFiles(root, schema);
  const watched: string[] = [...files, new URL(SEED_SQL, root)].map((f) => fileURLToPath(f));
  if (!target.persistent) return freshDatabase(root, schema, target, files, watched);
  const messages: string[] = [];
  let m;
  try {
    m = migrateLocalDatabase(target.path, schema.snapshot, target.options);
  } catch (e) {
    throw new AstroDbError(
      `Could not update the database file ${target.path} (ASTRO_DATABASE_FILE): ${(e as Error).message}`,
      "Nothing was changed. Mark what you remove as `deprecated: true` first, or migrate the data by hand.",
    );
  }
  if (m.adopted.length) messages.push(`Adopted existing tables ${m.adopted.join(", ")} into the schema history.`);
  if (m.applied.length) messages.push(`Updated the database schema (${m.applied.length} change${m.applied.length === 1 ? "" : "s"}).`);
  if (m.empty && files.length > 0) {
    watched.push(...(await runSeeds(root, await bundleSeeds(root, schema, target, files))));
    messages.push("Seeded database.");
  }
  return { messages, watched };
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
  files: Array<{ file: URL; bundle: Bundled; mod?: Record<string, unknown> }>;
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
  (globalThis as any)[Symbol.for(SEED_DB_KEY)] = createDatabase(client);
  const dir = scratchDir(root);
  await mkdir(dir, { recursive: true });
  const virtual = fileURLToPath(new URL(`seed-virtual-${schema.hash}.mjs`, dir));
  await writeFile(virtual, seedModule(schema.tables, pathToFileURL(target.path).href));
  const env = importMetaEnv();
  const seeds: Seeds = { client, files: [], dependencies: [] };
  let cacheable = true;
  for (const file of files) {
    const bundle = await bundleFile(root, file, virtual, { env });
    seeds.dependencies.push(...bundle.dependencies);
    const entry: Seeds["files"][number] = { file, bundle };
    if (bundle.exports.includes("cache")) {
      const mod = await importBundle(root, bundle.code).catch((e) => Promise.reject(seedFailure(root, file, e)));
      if (mod.cache === false) cacheable = false;
      entry.mod = mod;
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
  try {
    for (const { file, bundle, mod: imported } of seeds.files) {
      current = file;
      const mod = imported ?? (await importBundle(root, bundle.code));
      if (typeof mod.default !== "function") {
        throw new AstroDbError(`${display(root, file)} must export a default function that seeds the database.`, "export default async function seed() { await db.insert(…).values(…) }");
      }
      await (mod.default as () => unknown)();
    }
    client[SCOPE].end(true);
  } catch (e) {
    client[SCOPE].end(false);
    throw seedFailure(root, current, e);
  }
  return seeds.dependencies;
}

function importMetaEnv(): Record<string, unknown> {
  const env: Record<string, unknown> = { DEV: true, PROD: false, MODE: "development", SSR: true };
  for (const [k, v] of Object.entries(process.env)) if (/^(ASTRO|PUBLIC)_/.test(k)) env[k] = v;
  return env;
}

function seedFailure(root: URL, file: URL | undefined, e: unknown): Error {
  if (e instanceof AstroDbError) return e;
  const where = file ? display(root, file) : "a seed file";
  const dbError = getDbError(e);
  const cause = dbError ? dbError.message : e instanceof Error ? e.message : String(e);
  const hint = dbError?.code === "SQLITE_CONSTRAINT"
    ? "A constraint failed: check that referenced rows are inserted first and that unique values do not repeat."
    : "Fix the seed file; the database was left with its tables and no seed data, and seeding runs again when the file changes.";
  const err = new AstroDbError(`Failed to seed the database with ${where}:\n${cause}`, hint);
  (err as Error).cause = e;
  return err;
}
