/**
 * `@astrojs/db/testing`: isolated databases for tests of code that uses `astro:db`.
 *
 * Each `createTestDb()` opens its own in-memory database with the project's schema (from
 * `db/config.ts` and integrations' configs, loaded as the integration loads them) and, with
 * `seed: true`, the rows the project's seeds write. The seeds run once per process into a
 * template file; every test database is filled from it by SQL (`INSERT … SELECT` from the
 * attached template), which takes milliseconds and needs no JavaScript seed code per test.
 *
 * `astro:db` in code under test resolves (through `@astrojs/db/testing/vitest`) to a module
 * whose `db` stands for the database of the test that is running: the one its own
 * `createTestDb()` call made, found through the async context, so concurrent tests never
 * share rows.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createTablesSql, refillTablesSql, resetLocalDatabase } from "../../index.js";
import { dirUrl } from "../cli/target.js";
import { createClient } from "../client/index.js";
import type { Client } from "../client/types.js";
import { loadDbSchema, type IntegrationLike, type LoadedSchema } from "../integration/load-config.js";
import { prepareDatabase, seedFiles } from "../integration/prepare.js";
import { createDatabase } from "../runtime/database.js";
import { asDrizzleTable } from "../runtime/drizzle-table.js";
import type { Database } from "../runtime/index.js";

export interface CreateTestDbOptions {
  /** The project root (a path or a `file:` URL object); default: the working directory. */
  root?: string | URL;
  /** Apply the project's seeds (`db/seed.*` and integrations' seeds). Default false. */
  seed?: boolean;
  /** Integrations whose `astro:db:setup` hook adds tables or seeds (as in astro.config). */
  integrations?: IntegrationLike[];
}

export interface TestDb {
  /** The Drizzle database, the same kind `astro:db` exports. */
  db: Database;
  /** One Drizzle table per configured table, as `astro:db` exports them. */
  tables: Record<string, any>;
  /** Empties every table and, with `seed: true`, puts the seeded rows back. */
  reset(): Promise<void>;
  /** Runs `fn` with `astro:db` bound to this database (for code outside the test's own context). */
  run<T>(fn: () => T): T;
  /** Closes the database. */
  close(): void;
}

interface Slot {
  testDb?: TestDb;
}

const current = new AsyncLocalStorage<Slot>();
let latest: TestDb | undefined;

/**
 * A fresh database with the project's schema (and seed). The test that awaits it, and
 * everything it calls, sees this database through `astro:db`.
 */
export async function createTestDb(options: CreateTestDbOptions = {}): Promise<TestDb> {
  // Entered before the first await, so the caller's continuation carries the slot.
  const slot: Slot = {};
  current.enterWith(slot);
  const root = dirUrl(options.root ?? process.cwd());
  const template = await templateFor(root, options.integrations ?? [], options.seed === true);
  const client = createClient({ url: ":memory:" });
  await client.execute({ sql: "ATTACH DATABASE ? AS template", args: [template.path] });
  await client.batch(createTablesSql(template.schema.snapshot), "write");
  const refill = refillTablesSql(template.schema.snapshot, template.seeded ? "template" : undefined);
  const reset = async () => {
    await client.batch(refill, "write");
  };
  if (template.seeded) await reset();
  const testDb: TestDb = {
    db: createDatabase(client as Client),
    tables: tablesFor(template.schema.tables),
    reset,
    run: (fn) => current.run({ testDb }, fn),
    close: () => client.close(),
  };
  slot.testDb = testDb;
  latest = testDb;
  return testDb;
}

/**
 * The database of the running test: the one its `createTestDb()` made, else (for a
 * `beforeEach` outside the test's async context) the last one made in this process.
 */
export function currentTestDb(): TestDb {
  const found = current.getStore()?.testDb ?? latest;
  if (!found) {
    throw new Error("astro:db was used before any test database existed: call `await createTestDb()` from @astrojs/db/testing in the test first.");
  }
  return found;
}

/** `db` for `astro:db` under test: every property is read from the running test's database. */
export const testDb: Database = new Proxy({} as Database, {
  get(_target, key) {
    const db = currentTestDb().db as any;
    const value = db[key];
    return typeof value === "function" ? value.bind(db) : value;
  },
  has: (_target, key) => key in (currentTestDb().db as object),
});

const tableSets = new Map<string, Record<string, any>>();

/** The Drizzle tables for a schema, built once so `astro:db` and `createTestDb` share them. */
export function tablesFor(tables: Record<string, any>): Record<string, any> {
  const key = JSON.stringify(tables);
  let set = tableSets.get(key);
  if (!set) {
    set = Object.fromEntries(Object.entries(tables).map(([name, t]) => [name, asDrizzleTable(name, t)]));
    tableSets.set(key, set);
  }
  return set;
}

interface Template {
  schema: LoadedSchema;
  path: string;
  seeded: boolean;
}

const templates = new Map<string, Promise<Template>>();
let scratch: string | undefined;

/** The schema and a file holding it (seeded when asked): made once per process. */
function templateFor(root: URL, integrations: IntegrationLike[], seed: boolean): Promise<Template> {
  const key = `${root.href}\0${seed}\0${integrations.map((i) => i.name).join("\0")}`;
  let made = templates.get(key);
  if (!made) {
    made = makeTemplate(root, integrations, seed);
    templates.set(key, made);
    made.catch(() => templates.delete(key));
  }
  return made;
}

async function makeTemplate(root: URL, integrations: IntegrationLike[], seed: boolean): Promise<Template> {
  const schema = await loadDbSchema(root, integrations);
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), "astro-db-test-"));
    scratch = dir;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const path = join(scratch, `template-${templates.size}-${schema.hash}.db`);
  if (seed) {
    await prepareDatabase(root, schema, { path, persistent: false, url: pathToFileURL(path).href });
  } else {
    resetLocalDatabase(path, schema.snapshot);
  }
  return { schema, path, seeded: seed && seedFiles(root, schema).length > 0 };
}
