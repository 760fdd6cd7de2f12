// The seeded-database cache on real Astro 7 and 6 projects: a restart or a build with
// unchanged seeds copies the cached file instead of running them, and every input of the key
// invalidates it, case by case: the seed, a file it imports, db/seed.sql, the config, an
// integration's seed. Opting out (a seed's `cache` export, an integration's `seedCache`) and a
// failing seed leave nothing cached.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ASTRO6, ASTRO7, count, fixture, workspace } from "./harness.mjs";

const COPIED = /Seeded database\. \(copied from the seed cache/;
const RAN = /\[fixture\] seed ran/g;

// The basics seed, with its authors in a file it imports.
const AUTHORS = `export const authors = [
  { id: 1, name: "Kasim" },
  { id: 2, name: "Mina" },
];
`;
const SEED = `import { Author, Comment, db } from "astro:db";
import { authors } from "./data/authors.ts";

export default async function seed() {
  console.log("[fixture] seed ran");
  await db.insert(Author).values(authors);
  await db.insert(Comment).values([{ authorId: 1, body: "Hope you like Astro DB!" }]);
}
`;

function entries(p) {
  const dir = p.path("node_modules/.astro-db/seed-cache");
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Waits for the next seeding after `mark`; says whether it was copied, and how often seeds ran. */
async function nextSeeding(dev, mark) {
  const m = await dev.waitFor(/Seeded database\.[^\n]*/, { from: mark, timeout: 60_000 });
  return { copied: COPIED.test(m[0]), ran: count(dev.output.slice(mark), RAN) };
}

async function authors(dev) {
  return (await dev.json("/api/counts.json")).body.authors;
}

test("Astro 7 dev: a restart copies the cached seed; each input invalidates it; entries stay bounded", { timeout: 420_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "seed-cache", files: { "db/seed.ts": SEED, "db/data/authors.ts": AUTHORS } });

  const first = await p.dev(t);
  assert.deepEqual(await nextSeeding(first, 0), { copied: false, ran: 1 });
  assert.equal(await authors(first), 2);
  await first.stop();
  assert.deepEqual(entries(p).filter((n) => n.endsWith(".db")).length, 1, entries(p).join(", "));

  const dev = await p.dev(t);
  assert.deepEqual(await nextSeeding(dev, 0), { copied: true, ran: 0 }, dev.output);
  assert.match((await dev.fetch("/")).text, /Kasim: Hope you like Astro DB!/);
  assert.equal(await authors(dev), 2);

  // Vite's watcher drops a second change to a file within 50 ms: pause between edits.
  const edit = async (file, content, expected, count) => {
    await sleep(300);
    const mark = dev.output.length;
    p.write(file, content);
    assert.deepEqual(await nextSeeding(dev, mark), expected, `${file}:\n${dev.output.slice(mark)}`);
    await dev.poll("/api/counts.json", (r) => JSON.parse(r.text).authors === count);
  };
  const seedWith3 = SEED.replace("await db.insert(Author).values(authors);", 'await db.insert(Author).values([...authors, { id: 3, name: "Ada" }]);');
  await edit("db/seed.ts", seedWith3, { copied: false, ran: 1 }, 3);
  // Back to a seed seen before: its entry is still there.
  await edit("db/seed.ts", SEED, { copied: true, ran: 0 }, 2);
  // A file the seed imports.
  await edit("db/data/authors.ts", AUTHORS.replace("];", '  { id: 4, name: "Lin" },\n];'), { copied: false, ran: 1 }, 3);
  await edit("db/data/authors.ts", AUTHORS, { copied: true, ran: 0 }, 2);
  // db/seed.sql's bytes are part of the key, whatever runs them.
  await edit("db/seed.sql", "-- no rows yet\n", { copied: false, ran: 1 }, 2);
  await edit("db/seed.sql", "-- still no rows\n", { copied: false, ran: 1 }, 2);

  // The config: Astro restarts with the new schema, and the seed runs against it.
  await sleep(300);
  const mark = dev.output.length;
  p.write("db/config.ts", p.read("db/config.ts").replace("name: column.text(),", 'name: column.text(),\n    nick: column.text({ default: "-" }),'));
  assert.deepEqual(await nextSeeding(dev, mark), { copied: false, ran: 1 }, dev.output.slice(mark));
  await dev.stop();

  const kept = entries(p);
  assert.equal(kept.filter((n) => n.endsWith(".db")).length, 4, `bounded to the newest 4: ${kept.join(", ")}`);
  assert.deepEqual(kept.filter((n) => !n.endsWith(".db")), [], "no temporary file or lock left behind");
});

test("Astro 7 build: copies the cache dev left; an integration's seed invalidates it; seedCache: false opts out", { timeout: 420_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "db-integration", { as: "seed-cache-integration" });
  const integrationRan = /\[fixture\] integration seed ran/g;
  const pancakes = () => p.read("dist/index.html").match(/<li class="menu">Pancakes:(\d+):/)?.[1];

  let r = await p.build();
  assert.equal(count(r.output, integrationRan), 1, r.output);
  assert.doesNotMatch(r.output, COPIED);
  r = await p.build();
  assert.equal(count(r.output, integrationRan), 0, r.output);
  assert.match(r.output, COPIED);
  assert.equal(pancakes(), "10");

  p.write("integration/seed.ts", p.read("integration/seed.ts").replace('{ name: "Pancakes", price: 10 }', '{ name: "Pancakes", price: 12 }'));
  r = await p.build();
  assert.equal(count(r.output, integrationRan), 1, r.output);
  assert.equal(pancakes(), "12");

  p.write("integration/index.ts", p.read("integration/index.ts").replace('seedEntrypoint: "./integration/seed.ts",', 'seedEntrypoint: "./integration/seed.ts",\n          seedCache: false,'));
  for (let i = 0; i < 2; i++) {
    r = await p.build();
    assert.equal(count(r.output, integrationRan), 1, r.output);
    assert.doesNotMatch(r.output, COPIED);
  }
});

test("Astro 7 build: a seed exporting cache = false always runs; a failing seed is never cached", { timeout: 300_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "seed-cache-opt-out", files: { "db/seed.ts": `${SEED}\nexport const cache = false;\n`, "db/data/authors.ts": AUTHORS } });
  for (let i = 0; i < 2; i++) {
    const r = await p.build();
    assert.equal(count(r.output, RAN), 1, r.output);
    assert.doesNotMatch(r.output, COPIED);
  }
  assert.deepEqual(entries(p), []);

  p.write("db/seed.ts", SEED.replace("export default async function seed() {", 'export default async function seed() {\n  if (true) throw new Error("boom from the seed");'));
  for (let i = 0; i < 2; i++) {
    const r = await p.build({ expectFailure: true });
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /boom from the seed/);
  }
  assert.deepEqual(entries(p), []);
});

test("Astro 6: dev restarts and the static build copy the cached seed", { timeout: 300_000 }, async (t) => {
  const ws = await workspace(ASTRO6);
  const p = fixture(ws, "basics", { as: "seed-cache-astro6" });
  let dev = await p.dev(t);
  assert.deepEqual(await nextSeeding(dev, 0), { copied: false, ran: 1 });
  await dev.stop();
  dev = await p.dev(t);
  assert.deepEqual(await nextSeeding(dev, 0), { copied: true, ran: 0 }, dev.output);
  assert.match((await dev.fetch("/")).text, /<li class="comment">Mina: Enjoy!<\/li>/);
  await dev.stop();

  const r = await p.build();
  assert.match(r.output, COPIED);
  assert.equal(count(r.output, RAN), 0, r.output);
  assert.match(p.read("dist/index.html"), /<li class="comment">Kasim: Hope you like Astro DB!<\/li>/);
});
