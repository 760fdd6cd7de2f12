// The seed cache's own rules, on real database files: what the key covers, that an entry is a
// whole copy (WAL frames included, no WAL beside it), that restoring reaches a connection
// already open on the dev database, and that two processes storing and restoring at once
// never see a partial entry nor leave litter behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "@astrojs/db/client";
import { tempDir } from "./helpers.mjs";

const cacheModule = new URL("../dist/integration/seed-cache.js", import.meta.url).href;
const { KEEP_ENTRIES, restoreSeeded, seedCacheDir, seedCacheKey, storeSeeded } = await import(cacheModule);

const bundle = (code, readsEnv = false) => ({ code, dependencies: [], exports: ["default"], readsEnv });

function project(t) {
  const dir = tempDir(t, "astro-db-seed-cache-");
  return { dir, root: pathToFileURL(dir + "/") };
}

async function seededFile(path, rows) {
  const c = createClient({ url: pathToFileURL(path).href });
  await c.execute("CREATE TABLE t (x INTEGER)");
  await c.execute({ sql: "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < ?) INSERT INTO t SELECT v FROM s", args: [rows] });
  return c;
}

test("the key changes with each input, and only with them", async (t) => {
  const { dir, root } = project(t);
  const seed = new URL("db/seed.ts", root);
  const base = { snapshot: '{"schema":{}}', seeds: [{ file: seed, bundle: bundle("run()") }], env: { PUBLIC_X: "1" } };
  const k0 = seedCacheKey(root, base);
  assert.match(k0, /^[0-9a-f]{32}$/);
  assert.equal(seedCacheKey(root, { ...base, seeds: [{ file: new URL(seed.href), bundle: bundle("run()") }] }), k0, "same inputs, same key");
  const changed = new Set([k0]);
  const add = (label, key) => {
    assert.ok(!changed.has(key), `${label} changes the key`);
    changed.add(key);
  };
  add("the schema", seedCacheKey(root, { ...base, snapshot: '{"schema":{"A":{}}}' }));
  add("the bundled code", seedCacheKey(root, { ...base, seeds: [{ file: seed, bundle: bundle("run(1)") }] }));
  add("the seed's path", seedCacheKey(root, { ...base, seeds: [{ file: new URL("db/seed.js", root), bundle: bundle("run()") }] }));
  add("another seed", seedCacheKey(root, { ...base, seeds: [...base.seeds, { file: new URL("x/seed.ts", root), bundle: bundle("") }] }));
  // import.meta.env counts only for a seed that reads it.
  assert.equal(seedCacheKey(root, { ...base, env: { PUBLIC_X: "2" } }), k0);
  const reads = { ...base, seeds: [{ file: seed, bundle: bundle("run()", true) }] };
  add("reading import.meta.env", seedCacheKey(root, reads));
  add("the env it reads", seedCacheKey(root, { ...reads, env: { PUBLIC_X: "2" } }));

  mkdirSync(join(dir, "db"));
  writeFileSync(join(dir, "db/seed.sql"), "INSERT INTO t VALUES (1);");
  add("db/seed.sql", seedCacheKey(root, base));
  writeFileSync(join(dir, "db/seed.sql"), "INSERT INTO t VALUES (2);");
  add("db/seed.sql's bytes", seedCacheKey(root, base));
  writeFileSync(join(dir, "package-lock.json"), '{"lockfileVersion":3}');
  add("the lockfile", seedCacheKey(root, base));
  writeFileSync(join(dir, "package-lock.json"), '{"lockfileVersion":3,"packages":{}}');
  add("the lockfile's bytes", seedCacheKey(root, base));
});

test("an entry is a whole rollback-journal copy; restoring reaches a connection already open", async (t) => {
  const { dir, root } = project(t);
  const source = join(dir, "seeded.db");
  const writer = await seededFile(source, 5000);
  assert.ok(existsSync(source + "-wal"), "the rows are (partly) in the WAL");
  assert.equal(await storeSeeded(root, "k1", source), true);
  writer.close();
  const entry = join(seedCacheDir(root), "k1.db");
  const header = readFileSync(entry).subarray(18, 20);
  assert.deepEqual([...header], [1, 1], "no WAL needed to read the entry");
  assert.deepEqual(readdirSync(seedCacheDir(root)), ["k1.db"]);

  const target = join(dir, "content.db");
  const reader = createClient({ url: pathToFileURL(target).href });
  await reader.execute("CREATE TABLE stale (y)");
  assert.equal(await restoreSeeded(root, "k1", target), true);
  const rows = await reader.execute("SELECT count(*) AS n, sum(x) AS s FROM t");
  assert.deepEqual([rows.rows[0].n, rows.rows[0].s], [5000, (5000 * 5001) / 2]);
  await assert.rejects(reader.execute("SELECT * FROM stale"), /no such table/);
  reader.close();

  assert.equal(await restoreSeeded(root, "missing", target), false, "a miss is not an error");
});

test("a lock held by a live store is respected; one left by a dead process is taken over", async (t) => {
  const { dir, root } = project(t);
  const source = join(dir, "seeded.db");
  (await seededFile(source, 10)).close();
  const lock = join(seedCacheDir(root), ".lock");
  mkdirSync(lock, { recursive: true });
  assert.equal(await storeSeeded(root, "busy", source), false, "another process is storing: skip");
  const old = new Date(Date.now() - 10 * 60_000);
  utimesSync(lock, old, old);
  assert.equal(await storeSeeded(root, "taken", source), true);
  assert.deepEqual(readdirSync(seedCacheDir(root)), ["taken.db"]);
});

test("two processes storing and restoring at once: whole entries, bounded, nothing left behind", { timeout: 120_000 }, async (t) => {
  const { dir, root } = project(t);
  const source = join(dir, "seeded.db");
  (await seededFile(source, 20000)).close();
  const worker = `
    const { restoreSeeded, storeSeeded } = await import(${JSON.stringify(cacheModule)});
    const { createClient } = await import("@astrojs/db/client");
    const [root, source, target] = process.argv.slice(1);
    const rootUrl = new URL(root);
    let restored = 0;
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < 7; k++) {
        await storeSeeded(rootUrl, "key" + k, source);
        if (await restoreSeeded(rootUrl, "key" + ((k + 5) % 7), target)) {
          const c = createClient({ url: "file:" + target });
          const n = (await c.execute("SELECT count(*) AS n FROM t")).rows[0].n;
          c.close();
          if (n !== 20000) throw new Error("partial copy: " + n + " rows");
          restored++;
        }
      }
    }
    console.log("restored " + restored);
  `;
  const runWorker = (i) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", worker, root.href, source, join(dir, `target-${i}.db`)], { cwd: new URL("..", import.meta.url) });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`worker ${i} failed (${code}):\n${out}`))));
    });
  const outs = await Promise.all([runWorker(0), runWorker(1)]);
  // A worker that finds the lock taken skips storing and may race ahead of the other's
  // entries: what matters is that no restore was partial (a worker throws) and some happened.
  const restored = outs.reduce((n, out) => n + Number(/restored (\d+)/.exec(out)[1]), 0);
  assert.ok(restored > 0, outs.join("\n"));
  const left = readdirSync(seedCacheDir(root));
  assert.ok(left.filter((n) => n.endsWith(".db")).length <= KEEP_ENTRIES, left.join(", "));
  assert.deepEqual(left.filter((n) => !n.endsWith(".db")), [], "no temporary file or lock left");
});

test("seededDatabaseFile: the cache entry, seeded once; a scratch file reseeded when a seed opts out", async (t) => {
  const { dir, root } = project(t);
  const repo = new URL("..", import.meta.url).pathname;
  mkdirSync(join(dir, "node_modules/@astrojs"), { recursive: true });
  symlinkSync(repo, join(dir, "node_modules/@astrojs/db"));
  symlinkSync(join(repo, "node_modules/drizzle-orm"), join(dir, "node_modules/drizzle-orm"));
  mkdirSync(join(dir, "db"));
  writeFileSync(join(dir, "db/config.ts"), `import { column, defineDb, defineTable } from "astro:db";
export default defineDb({ tables: { Item: defineTable({ columns: { id: column.number({ primaryKey: true }), name: column.text() } }) } });
`);
  const seed = `import { db, Item } from "astro:db";
export default async function seed() {
  globalThis.__seedRuns = (globalThis.__seedRuns ?? 0) + 1;
  await db.insert(Item).values([{ id: 1, name: "a" }, { id: 2, name: "b" }]);
}
`;
  writeFileSync(join(dir, "db/seed.ts"), seed);
  const { loadDbSchema } = await import(new URL("../dist/integration/load-config.js", import.meta.url).href);
  const { seededDatabaseFile } = await import(new URL("../dist/integration/seeded-file.js", import.meta.url).href);
  const schema = await loadDbSchema(root, []);
  const items = async (file) => {
    const c = createClient({ url: pathToFileURL(file).href });
    const n = (await c.execute("SELECT count(*) AS n FROM Item")).rows[0].n;
    c.close();
    return n;
  };
  globalThis.__seedRuns = 0;
  const first = await seededDatabaseFile(root, schema);
  assert.ok(first.startsWith(seedCacheDir(root)), first);
  assert.equal(await items(first), 2);
  assert.equal(await seededDatabaseFile(root, schema), first);
  assert.equal(globalThis.__seedRuns, 1, "the second call copies the cache");

  writeFileSync(join(dir, "db/seed.ts"), `${seed}export const cache = false;\n`);
  const scratch = await seededDatabaseFile(root, schema);
  assert.ok(!scratch.startsWith(seedCacheDir(root)), scratch);
  assert.equal(await items(scratch), 2);
  await seededDatabaseFile(root, schema);
  assert.equal(globalThis.__seedRuns, 3);
});
