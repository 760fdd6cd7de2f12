// drizzle-orm/libsql drives our client exactly as it drives @libsql/client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/libsql";
import { sqliteTable, integer, text, blob } from "drizzle-orm/sqlite-core";
import { eq, like, desc, sql, count } from "drizzle-orm";
import { createClient } from "@astrojs/db/client";
import { tempDir } from "./helpers.mjs";

const Author = sqliteTable("Author", {
  id: integer("id").primaryKey(),
  name: text("name").notNull().unique(),
});
const Comment = sqliteTable("Comment", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  authorId: integer("authorId").references(() => Author.id).notNull(),
  body: text("body").notNull(),
  published: integer("published", { mode: "boolean" }).notNull().default(false),
  meta: text("meta", { mode: "json" }),
  raw: blob("raw", { mode: "buffer" }),
});

async function setup(t) {
  const client = createClient({ url: `file:${join(tempDir(t), "drizzle.db")}` });
  t.after(() => client.close());
  await client.executeMultiple(`
    pragma foreign_keys = on;
    create table Author (id integer primary key, name text not null unique);
    create table Comment (id integer primary key autoincrement, authorId integer not null references Author(id),
      body text not null, published integer not null default 0, meta text, raw blob);
  `);
  const db = drizzle(client);
  await db.insert(Author).values([{ id: 1, name: "Ann" }, { id: 2, name: "Bob" }]);
  return { client, db };
}

test("select with where, join, order and limit", async (t) => {
  const { db } = await setup(t);
  await db.insert(Comment).values([
    { authorId: 1, body: "first", published: true, meta: { tags: ["a"] } },
    { authorId: 2, body: "second" },
    { authorId: 1, body: "third", raw: Buffer.from([1, 2, 3]) },
  ]);
  const rows = await db
    .select({ body: Comment.body, author: Author.name, published: Comment.published, meta: Comment.meta })
    .from(Comment)
    .innerJoin(Author, eq(Comment.authorId, Author.id))
    .where(eq(Author.name, "Ann"))
    .orderBy(desc(Comment.id))
    .limit(5);
  assert.deepStrictEqual(rows, [
    { body: "third", author: "Ann", published: false, meta: null },
    { body: "first", author: "Ann", published: true, meta: { tags: ["a"] } },
  ]);
  const [withBlob] = await db.select().from(Comment).where(like(Comment.body, "thi%"));
  assert.deepStrictEqual([...withBlob.raw], [1, 2, 3]);
  const [{ n }] = await db.select({ n: count() }).from(Comment);
  assert.equal(n, 3);
});

test("insert returning, update and delete", async (t) => {
  const { db } = await setup(t);
  const inserted = await db.insert(Comment).values({ authorId: 2, body: "hi" }).returning();
  assert.equal(inserted.length, 1);
  assert.equal(inserted[0].body, "hi");
  assert.equal(inserted[0].published, false);
  const updated = await db.update(Comment).set({ body: "edited" }).where(eq(Comment.id, inserted[0].id)).returning({ body: Comment.body });
  assert.deepStrictEqual(updated, [{ body: "edited" }]);
  const res = await db.update(Comment).set({ published: true });
  assert.equal(res.rowsAffected, 1);
  await db.delete(Comment).where(eq(Comment.id, inserted[0].id));
  assert.deepStrictEqual(await db.select().from(Comment), []);
});

test("db.batch runs all or nothing", async (t) => {
  const { db } = await setup(t);
  const [ins, sel] = await db.batch([
    db.insert(Comment).values({ authorId: 1, body: "b1" }).returning({ id: Comment.id }),
    db.select({ c: count() }).from(Comment),
  ]);
  assert.equal(ins.length, 1);
  assert.deepStrictEqual(sel, [{ c: 1 }]);
  await assert.rejects(
    db.batch([db.insert(Comment).values({ authorId: 1, body: "b2" }), db.insert(Comment).values({ authorId: 99, body: "bad fk" })]),
    (e) => (e.cause ?? e).code === "SQLITE_CONSTRAINT" && (e.cause ?? e).extendedCode === "SQLITE_CONSTRAINT_FOREIGNKEY",
  );
  assert.deepStrictEqual(await db.select({ c: count() }).from(Comment), [{ c: 1 }]);
});

test("db.transaction commits, and rolls back on throw and on tx.rollback()", async (t) => {
  const { db } = await setup(t);
  await db.transaction(async (tx) => {
    await tx.insert(Comment).values({ authorId: 1, body: "kept" });
  });
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.insert(Comment).values({ authorId: 1, body: "lost" });
      throw new Error("boom");
    }),
    /boom/,
  );
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.insert(Comment).values({ authorId: 1, body: "lost too" });
      tx.rollback();
    }),
  );
  const bodies = (await db.select({ body: Comment.body }).from(Comment)).map((r) => r.body);
  assert.deepStrictEqual(bodies, ["kept"]);
});

test("nested transaction uses a savepoint", async (t) => {
  const { db } = await setup(t);
  await db.transaction(async (tx) => {
    await tx.insert(Comment).values({ authorId: 1, body: "outer" });
    await assert.rejects(
      tx.transaction(async (inner) => {
        await inner.insert(Comment).values({ authorId: 1, body: "inner" });
        throw new Error("inner fails");
      }),
    );
  });
  const bodies = (await db.select({ body: Comment.body }).from(Comment)).map((r) => r.body);
  assert.deepStrictEqual(bodies, ["outer"]);
});

test("raw sql through db.run, db.all and db.get", async (t) => {
  const { db } = await setup(t);
  await db.run(sql`insert into Comment (authorId, body) values (${1}, ${"raw"})`);
  const all = await db.all(sql`select body from Comment`);
  assert.deepStrictEqual(all, [{ body: "raw" }]);
  const one = await db.get(sql`select count(*) as n from Comment`);
  assert.deepStrictEqual(one, { n: 1 });
  // rows are read by position here, as drizzle does for partial selects
  const values = await db.values(sql`select id, body from Comment`);
  assert.deepStrictEqual(values.map((row) => Array.from(row)), [[1, "raw"]]);
});

test("constraint errors reach the caller with their codes", async (t) => {
  const { db } = await setup(t);
  await assert.rejects(db.insert(Author).values({ id: 1, name: "Dup" }), (e) => {
    const cause = e.cause ?? e;
    return cause.code === "SQLITE_CONSTRAINT" && cause.extendedCode === "SQLITE_CONSTRAINT_PRIMARYKEY" && cause.libsqlError === true;
  });
});

// The databases we construct (createDatabase) take two shortcuts: their own SQL builder
// (js/runtime/fast-sql.ts) and rows read as arrays where Drizzle maps them by position
// (js/runtime/fast-rows.ts). Every result, error and row shape must stay Drizzle's over
// @libsql/client.
test("createDatabase's shortcuts: same results, nulls of outer joins, blobs, errors and raw rows as Drizzle over @libsql/client", async (t) => {
  const { createClient: reference } = await import("@libsql/client");
  const { createDatabase } = await import("@astrojs/db/runtime");
  const EXECUTE_ROWS = Symbol.for("@astrojs/db:execute-rows");
  const DDL = `
    create table Author (id integer primary key, name text not null unique);
    create table Comment (id integer primary key autoincrement, authorId integer not null references Author(id),
      body text not null, published integer not null default 0, meta text, raw blob);`;
  const dir = tempDir(t);
  const ours = createClient({ url: `file:${join(dir, "ours.db")}` });
  const ref = reference({ url: `file:${join(dir, "ref.db")}` });
  t.after(() => (ours.close(), ref.close()));
  // Counts the reads that took the array path.
  let arrayReads = 0;
  const executeRows = ours[EXECUTE_ROWS];
  Object.defineProperty(ours, EXECUTE_ROWS, { value: (...args) => (arrayReads++, executeRows(...args)) });
  const fast = createDatabase(ours);
  const plain = drizzle(ref);
  for (const [c, db] of [[ours, fast], [ref, plain]]) {
    await c.executeMultiple(DDL);
    await db.insert(Author).values([{ id: 1, name: "Ann" }, { id: 2, name: "Bob" }, { id: 3, name: "Cy" }]);
    await db.insert(Comment).values([
      { authorId: 1, body: "first", published: true, meta: { tags: ["a"] } },
      { authorId: 2, body: "second" },
      { authorId: 1, body: "third", raw: Buffer.from([1, 2, 3]) },
    ]);
  }
  const same = async (label, query) => {
    const [a, b] = await Promise.all([query(fast), query(plain)]);
    assert.deepStrictEqual(a, b, label);
    return a;
  };
  const before = arrayReads;
  await same("select *", (db) => db.select().from(Comment).orderBy(Comment.id));
  await same("partial select with join", (db) =>
    db.select({ body: Comment.body, author: Author.name, meta: Comment.meta }).from(Comment).innerJoin(Author, eq(Comment.authorId, Author.id)).where(eq(Author.name, "Ann")));
  const outer = await same("left join: an author without comments gets null", (db) =>
    db.select().from(Author).leftJoin(Comment, eq(Comment.authorId, Author.id)).orderBy(Author.id, Comment.id));
  assert.equal(outer.at(-1).Comment, null);
  const blob = await same("blob", (db) => db.select({ raw: Comment.raw }).from(Comment).where(like(Comment.body, "thi%")));
  assert.ok(Buffer.isBuffer(blob[0].raw));
  await same(".get(), a row and none", async (db) => [await db.select().from(Comment).where(eq(Comment.id, 2)).get(), await db.select().from(Comment).where(eq(Comment.id, 99)).get()]);
  await same("prepared with placeholders", (db) => db.select({ b: Comment.body }).from(Comment).where(eq(Comment.authorId, sql.placeholder("a"))).prepare().all({ a: 1 }));
  await same("count", (db) => db.select({ n: count() }).from(Comment));
  assert.ok(arrayReads - before >= 7, `the array path served the selects (${arrayReads - before} reads)`);

  // Raw reads keep @libsql/client's row objects: readable by name and by index.
  const reads = arrayReads;
  const [row] = await fast.values(sql`select id, body from Comment where id = 1`);
  assert.equal(Array.isArray(row), false);
  assert.deepStrictEqual([row[0], row[1], row.body, Object.keys(row)], [1, "first", "first", ["id", "body"]]);
  await same("db.all", (db) => db.all(sql`select id, body from Comment order by id`));
  // Inside a transaction, Drizzle's own path.
  await same("transaction", (db) => db.transaction((tx) => tx.select().from(Comment).orderBy(Comment.id)));
  assert.equal(arrayReads, reads);

  // Errors: the same DrizzleQueryError around the same libSQL error.
  const failure = async (db) => {
    try {
      await db.select({ x: sql`nope(${1})` }).from(Comment);
    } catch (e) {
      return { name: e.constructor.name, message: e.message, code: e.cause?.code, cause: e.cause?.message };
    }
  };
  const [fe, pe] = [await failure(fast), await failure(plain)];
  assert.equal(fe.name, "DrizzleQueryError");
  assert.deepStrictEqual(fe, pe);
});
