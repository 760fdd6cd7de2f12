// `@astrojs/db/testing` under real Vitest: code under test imports `astro:db` (resolved by
// `@astrojs/db/testing/vitest`), each test makes its own database from the project's schema
// and seed, and tests inserting concurrently never see each other's rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fixture, run, workspace } from "./harness.mjs";
import { ASTRO7_TOOLS } from "./tools.mjs";

const CODE_UNDER_TEST = `import { Comment, count, db, eq } from "astro:db";
export async function addComment(authorId: number, body: string) {
  await db.insert(Comment).values({ authorId, body });
}
export async function bodies(): Promise<string[]> {
  return (await db.select().from(Comment)).map((c) => c.body);
}
export async function commentsBy(authorId: number) {
  return (await db.select({ n: count() }).from(Comment).where(eq(Comment.authorId, authorId)))[0].n;
}
`;

const SEEDED = `import { expect, test } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestDb } from "@astrojs/db/testing";
import { addComment, bodies, commentsBy } from "../src/comments";

const SEED = ["Hope you like Astro DB!", "Enjoy!"];

test.concurrent.each(["a", "b", "c", "d", "e", "f"])("test %s sees the seed and only its own rows", async (name) => {
  const { db, tables } = await createTestDb({ seed: true });
  expect((await bodies()).sort()).toEqual([...SEED].sort());
  await addComment(1, "from " + name);
  // Let the other tests insert meanwhile.
  await sleep(30);
  await addComment(2, "again from " + name);
  await sleep(30);
  expect((await bodies()).sort()).toEqual([...SEED, "from " + name, "again from " + name].sort());
  expect(await commentsBy(1)).toBe(2);
  // The helper's db and tables are the ones astro:db gives the code under test.
  const direct = await db.select().from(tables.Comment);
  expect(direct.map((c) => c.body).sort()).toEqual((await bodies()).sort());
  const seeded = direct.find((c) => c.body === SEED[0]);
  expect(seeded.published).toBeInstanceOf(Date);
  expect(seeded.published.toISOString()).toBe("2024-05-01T10:20:30.000Z");
  expect(seeded.meta).toEqual({ tags: ["a", "b"], n: 1 });
  expect(seeded.approved).toBe(true);
});

test("a seeded database per test costs milliseconds once the template exists", async () => {
  await createTestDb({ seed: true });
  const times = [];
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    const { close } = await createTestDb({ seed: true });
    times.push(performance.now() - t0);
    close();
  }
  times.sort((a, b) => a - b);
  console.log("createTestDb median ms", times[12].toFixed(2));
  expect(times[12]).toBeLessThan(250);
});

test("reset puts the seeded rows back", async () => {
  const { reset, db, tables } = await createTestDb({ seed: true });
  await addComment(1, "temporary");
  await db.delete(tables.Comment);
  await db.delete(tables.Author);
  expect(await bodies()).toEqual([]);
  await reset();
  expect((await bodies()).sort()).toEqual([...SEED].sort());
  expect((await db.select().from(tables.Author)).length).toBe(2);
});
`;

const EMPTY = `import { expect, test } from "vitest";
import { createTestDb } from "@astrojs/db/testing";
import { addComment, bodies } from "../src/comments";

test("without seed the tables exist and are empty", async () => {
  const { db, tables } = await createTestDb();
  expect(await bodies()).toEqual([]);
  await db.insert(tables.Author).values({ id: 7, name: "Ana" });
  await addComment(7, "first");
  expect(await bodies()).toEqual(["first"]);
});

test("foreign keys hold in test databases", async () => {
  await createTestDb();
  await expect(addComment(99, "orphan")).rejects.toThrow(/FOREIGN KEY/);
});
`;

const VITEST_CONFIG = `import { astroDbTesting } from "@astrojs/db/testing/vitest";
export default { plugins: [astroDbTesting()], test: { include: ["tests/**/*.test.ts"] } };
`;

test("Vitest: per-test databases from the project's schema and seed, isolated under concurrency", { timeout: 600_000 }, async () => {
  const ws = await workspace(ASTRO7_TOOLS);
  const p = fixture(ws, "basics", {
    as: "testing-vitest",
    files: {
      "src/comments.ts": CODE_UNDER_TEST,
      "tests/seeded.test.ts": SEEDED,
      "tests/empty.test.ts": EMPTY,
      "vitest.config.mjs": VITEST_CONFIG,
    },
  });
  const r = await run(process.execPath, [join(ws.dir, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=verbose"], { cwd: p.root, timeout: 300_000 });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Tests\s+10 passed \(10\)/, r.output);
  assert.match(r.output, /test f sees the seed and only its own rows/);
  // Seeds ran once per test file's process (the template), not once per test.
  assert.equal(r.output.match(/\[fixture\] seed ran/g).length, 1);
  console.log(`# ${r.output.match(/createTestDb median ms [\d.]+/)[0]}`);
  // The project's own dev database was never touched: tests ran on their own databases.
  assert.ok(!p.exists(".astro/content.db"));
});
