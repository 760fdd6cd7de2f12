// Every insert shape the fast path serves, run through our database (fast path on) and through
// plain Drizzle over @libsql/client: same returned values, same errors, same rows left behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient as createLibsqlClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { SQLiteDialect } from "drizzle-orm/sqlite-core";
import { eq, sql } from "drizzle-orm";
import { createDatabase } from "@astrojs/db/runtime";
import { Author, DDL, Post } from "./fast-insert.tables.mjs";
import { createClient } from "@astrojs/db/client";
import { describeError, tempDir } from "./helpers.mjs";

// Counts the inserts Drizzle builds (SQL text with a placeholder per value): the cost the fast path avoids.
let drizzleBuilt = 0;
const buildInsertQuery = SQLiteDialect.prototype.buildInsertQuery;
SQLiteDialect.prototype.buildInsertQuery = function (...args) {
  drizzleBuilt++;
  return buildInsertQuery.apply(this, args);
};

/** Our database (fast path) and plain Drizzle over @libsql/client, on fresh files with the same schema. */
async function pair(t) {
  const dir = tempDir(t);
  const ours = createClient({ url: `file:${join(dir, "ours.db")}` });
  const theirs = createLibsqlClient({ url: `file:${join(dir, "theirs.db")}` });
  t.after(() => {
    ours.close();
    theirs.close();
  });
  for (const c of [ours, theirs]) await c.executeMultiple(`pragma foreign_keys = on; ${DDL}`);
  return [
    { db: createDatabase(ours), client: ours },
    { db: drizzle(theirs), client: theirs },
  ];
}

// CURRENT_TIMESTAMP differs between two runs by the clock; a recent time reads as "recent".
const recent = (d) => Math.abs(d.getTime() - Date.now()) < 3_600_000;
function normalize(v) {
  if (v instanceof Date) return recent(v) ? "recent" : v.toISOString();
  if (typeof v === "bigint") return `${v}n`;
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object" && "rowsAffected" in v && "rows" in v) {
    return { rowsAffected: v.rowsAffected, lastInsertRowid: normalize(v.lastInsertRowid), columns: v.columns, rows: v.rows.map((r) => normalize({ ...r })) };
  }
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

// Drizzle's error with the client's error as its cause; a client error's own cause is the driver's internals.
function errorOf(e) {
  return { ...describeError(e), name: e?.name, cause: e?.code === undefined && e?.cause ? describeError(e.cause) : undefined };
}

async function snapshot(client) {
  const read = async (q) => (await client.execute(q)).rows.map((r) => ({ ...r }));
  return {
    authors: await read("select * from Author order by id"),
    posts: await read(`select _id, authorId, title, body, case when published >= datetime('now', '-1 hour') then 'recent' else published end published,
      typeof(published) pt, edited, meta, draft, score from Post order by _id`),
  };
}

/**
 * Runs `scenario` on both databases and compares what it returned (or threw) and what it
 * left. For ours, Drizzle must have built `built` inserts: none, but for the message of
 * each failed insert and for what the fast path hands to Drizzle.
 */
async function same(t, scenario, { built = 0 } = {}) {
  const [ours, theirs] = await pair(t);
  const run = async ({ db, client }) => {
    drizzleBuilt = 0;
    let out;
    try {
      out = { ok: normalize(await scenario(db)) };
    } catch (e) {
      out = { error: errorOf(e) };
    }
    return { out, data: await snapshot(client), built: drizzleBuilt };
  };
  const a = await run(ours);
  const b = await run(theirs);
  assert.deepStrictEqual(a.out, b.out);
  assert.deepStrictEqual(a.data, b.data);
  assert.equal(a.built, built, "inserts Drizzle built for ours");
  assert.ok(b.built > built, "the reference builds its inserts");
  return a;
}

const authors = (n, from = 1) => Array.from({ length: n }, (_, i) => ({ id: from + i, name: `author ${from + i}` }));
const posts = (n) =>
  Array.from({ length: n }, (_, i) => ({
    authorId: 1 + (i % 3),
    title: i % 2 ? "a" : "b",
    body: i % 4 === 0 ? null : i % 4 === 1 ? undefined : `body ${i}`,
    edited: i % 3 === 0 ? new Date(Date.UTC(2024, 0, 1 + i)) : undefined,
    meta: i % 5 === 0 ? undefined : { i, tags: ["x", i] },
    draft: i % 2 === 0 ? undefined : i % 3 === 0,
    ...(i % 7 === 0 ? { score: i } : {}),
    // Some rows give a publication date, others take the SQL default (NOW): different column subsets.
    ...(i % 6 === 0 ? { published: new Date(Date.UTC(2020, 1, 1 + i)) } : {}),
  }));

test("awaited chunks: defaults, NOW, JSON, dates, booleans, undefined vs null, differing column subsets", async (t) => {
  const { out } = await same(t, async (db) => [await db.insert(Author).values(authors(3)), await db.insert(Post).values(posts(40))]);
  assert.equal(out.ok[1].rowsAffected, 40);
});

test("a loop of single-row inserts", async (t) => {
  await same(t, async (db) => {
    const results = [];
    for (const a of authors(3)) results.push(await db.insert(Author).values(a));
    for (const p of posts(25)) results.push(await db.insert(Post).values(p));
    return results;
  });
});

test("inserts inside db.batch, mixed with other statements, in order", async (t) => {
  const { out } = await same(t, async (db) =>
    db.batch([
      db.insert(Author).values(authors(3)),
      db.select().from(Author),
      db.insert(Post).values(posts(30)),
      db.update(Post).set({ title: "b" }).where(eq(Post.authorId, 2)),
      db.insert(Post).values(posts(5)).returning({ id: Post._id, title: Post.title }),
      db.insert(Author).values({ id: 9, name: "nine" }),
      db.select({ n: sql`count(*)` }).from(Post),
    ]),
  );
  assert.equal(out.ok[1].length, 3);
  assert.equal(out.ok[4].length, 5);
});

test("a failing insert inside db.batch fails the batch at its index and leaves nothing", async (t) => {
  const { out } = await same(t, async (db) => {
    await db.insert(Author).values(authors(3));
    return db.batch([db.insert(Post).values(posts(6)), db.select().from(Author), db.insert(Post).values([...posts(3), { authorId: 99, title: "a" }])]);
  });
  assert.equal(out.error.statementIndex, 2);
});

test("inserts inside db.transaction, nested transactions, a caught failure, a rollback", async (t) => {
  await same(t, async (db) => {
    const committed = await db.transaction(async (tx) => {
      await tx.insert(Author).values(authors(3));
      const r = await tx.insert(Post).values(posts(20));
      const inner = await tx.transaction(async (tx2) => tx2.insert(Post).values(posts(4)).returning());
      // A failing multi-row insert is all-or-nothing inside the transaction, which goes on.
      const failed = await tx
        .insert(Post)
        .values([{ authorId: 1, title: "a" }, { authorId: 42, title: "b" }])
        .then(() => null, errorOf);
      const count = await tx.select({ n: sql`count(*)` }).from(Post);
      return { r, inner, failed, count };
    });
    const rolledBack = await db
      .transaction(async (tx) => {
        await tx.insert(Post).values(posts(10));
        tx.rollback();
      })
      .then(() => null, (e) => e.name);
    return { committed, rolledBack };
  }, { built: 1 });
});

test("onConflictDoNothing and onConflictDoUpdate, with and without targets", async (t) => {
  await same(t, async (db) => {
    await db.insert(Author).values(authors(3));
    const dup = [...authors(2, 2), { id: 8, name: "author 1" }];
    return [
      await db.insert(Author).values(dup).onConflictDoNothing(),
      await db.insert(Author).values([...authors(2, 2), { id: 10, name: "ten" }]).onConflictDoNothing({ target: Author.id }).returning(),
      await db
        .insert(Author)
        .values(authors(4, 2))
        .onConflictDoUpdate({ target: Author.id, set: { name: sql`excluded.name || ' (again)'` } }),
      await db
        .insert(Author)
        .values([{ id: 1, name: "x" }, { id: 20, name: "twenty" }])
        .onConflictDoUpdate({ target: Author.id, set: { name: "renamed" }, setWhere: sql`${Author.id} < ${5}` })
        .returning({ id: Author.id, name: Author.name }),
      await db.insert(Author).values({ id: 1, name: "author 2" }).onConflictDoNothing({ target: Author.id }),
    ];
  });
});

test("returning() on awaited inserts maps rows as Drizzle does", async (t) => {
  await same(t, async (db) => {
    await db.insert(Author).values(authors(3));
    return [await db.insert(Post).values(posts(12)).returning(), await db.insert(Post).values(posts(1)[0]).returning({ meta: Post.meta, draft: Post.draft })];
  });
});

test("errors: the database's error as the cause of Drizzle's, nothing stored", async (t) => {
  await same(t, async (db) => {
    await db.insert(Author).values(authors(3));
    const failures = [];
    for (const attempt of [
      () => db.insert(Post).values([...posts(4), { authorId: 77, title: "a" }]),
      () => db.insert(Author).values([{ id: 5, name: "five" }, { id: 5, name: "again" }]),
      () => db.insert(Author).values({ id: 6, name: null }),
      () => db.insert(Post).values({ authorId: 1, title: "a", meta: null }),
    ]) {
      failures.push(await attempt().then(() => null, errorOf));
    }
    return failures;
  }, { built: 4 });
});

for (const [name, body, built] of [
  ["SQL values with parameters go through Drizzle", sql`${"bound"} || '!'`, 1],
  ["SQL values without parameters stay on the fast path", sql`'literal'`, 0],
]) {
  test(name, async (t) => {
    await same(
      t,
      async (db) => {
        await db.insert(Author).values(authors(2));
        return db.insert(Post).values([
          { authorId: 1, title: "a", published: sql`'2020-01-01 00:00:00'` },
          { authorId: 2, title: "b", body },
          { authorId: 1, title: "b" },
        ]);
      },
      { built },
    );
  });
}
