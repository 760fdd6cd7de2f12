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
