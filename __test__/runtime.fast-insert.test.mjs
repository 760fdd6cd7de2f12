// The bulk insert path must be indistinguishable from Drizzle's own, except in speed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { drizzle } from "drizzle-orm/libsql";
import { sql } from "drizzle-orm";
import { createDatabase } from "@astrojs/db/runtime";
import { Author, DDL, Post } from "./fast-insert.tables.mjs";
import { createClient } from "@astrojs/db/client";
import { getDbError } from "@astrojs/db/dist/runtime/virtual.js";

async function both() {
  const fastClient = createClient({ url: ":memory:" });
  const plainClient = createClient({ url: ":memory:" });
  for (const c of [fastClient, plainClient]) await c.executeMultiple(DDL);
  // createDatabase enables the bulk path; drizzle() over the same kind of client does not.
  return { fast: createDatabase(fastClient), plain: drizzle(plainClient), fastClient, plainClient };
}

const rows = () => [
  { authorId: 1, title: "a", body: "x", edited: new Date("2024-05-01T10:00:00.000Z"), meta: { n: 1 }, draft: false },
  { authorId: 1, title: "b" },
  { authorId: 2, title: "a", score: 3, body: null },
];

const snapshot = async (client) =>
  (await client.execute("select _id, authorId, title, body, typeof(published) pt, edited, meta, draft, score from Post order by _id")).rows.map((r) => ({ ...r }));

test("same rows, same result shape as Drizzle's insert", async () => {
  const { fast, plain, fastClient, plainClient } = await both();
  for (const db of [fast, plain]) await db.insert(Author).values([{ id: 1, name: "Ann" }, { id: 2, name: "Bob" }]);
  const a = await fast.insert(Post).values(rows());
  const b = await plain.insert(Post).values(rows());
  assert.equal(a.rowsAffected, b.rowsAffected);
  assert.equal(a.lastInsertRowid, b.lastInsertRowid);
  assert.deepStrictEqual(await snapshot(fastClient), await snapshot(plainClient));
  const [first] = await fast.select().from(Post).limit(1);
  assert.ok(first.published instanceof Date);
  assert.deepStrictEqual(first.meta, { n: 1 });
  assert.equal(first.draft, false);
});

test("returning(), conflict clauses, batches and toSQL() answer as Drizzle's builder does", async () => {
  const { fast } = await both();
  const inserted = await fast.insert(Author).values({ id: 1, name: "Ann" }).returning();
  assert.deepStrictEqual(inserted, [{ id: 1, name: "Ann" }]);
  await fast.insert(Author).values({ id: 1, name: "Ann" }).onConflictDoNothing();
  const [r1, r2] = await fast.batch([fast.insert(Author).values({ id: 2, name: "Bob" }), fast.select().from(Author)]);
  assert.equal(r1.rowsAffected, 1);
  assert.equal(r2.length, 2);
  assert.equal(fast.insert(Author).values({ id: 9, name: "Z" }).toSQL().sql.startsWith("insert into"), true);
  assert.throws(() => fast.insert(Author).values([]));
});

test("a failing row fails the whole insert, with the database's error", async () => {
  const { fast, fastClient } = await both();
  await fast.insert(Author).values({ id: 1, name: "Ann" });
  const err = await fast
    .insert(Post)
    .values([{ authorId: 1, title: "a" }, { authorId: 99, title: "b" }])
    .then(() => null, (e) => e);
  assert.ok(err, "the insert should fail");
  assert.equal(getDbError(err)?.code, "SQLITE_CONSTRAINT");
  assert.equal(getDbError(err)?.extendedCode, "SQLITE_CONSTRAINT_FOREIGNKEY");
  assert.equal((await fastClient.execute("select count(*) n from Post")).rows[0].n, 0);
});

test("SQL values and mixed defaults", async () => {
  const { fast, fastClient } = await both();
  await fast.insert(Author).values({ id: 1, name: "Ann" });
  await fast.insert(Post).values([
    { authorId: 1, title: "a", published: sql`'2020-01-01 00:00:00'` },
    { authorId: 1, title: "b" },
  ]);
  const r = await fastClient.execute("select published from Post order by _id");
  assert.equal(r.rows[0].published, "2020-01-01 00:00:00");
  assert.match(String(r.rows[1].published), /^\d{4}-\d{2}-\d{2} /);
});

test("bulk entries: whole rows only, width matching the statement, in the seed's transaction as a savepoint", async () => {
  const { fast, fastClient } = await both();
  const insert = 'insert into "Author" ("id", "name") values (?, ?)';
  await assert.rejects(fastClient.batch([{ sql: insert, args: [1, "a", 2], width: 2 }]), RangeError);
  await assert.rejects(fastClient.batch([{ sql: insert, args: [1, "a"], width: 1 }]), RangeError);
  await assert.rejects(fastClient.batch([{ sql: insert, args: [1, "a"], width: 0 }]), RangeError);
  await assert.rejects(fastClient.batch([{ sql: insert, args: [1, "a"], width: "2" }]), RangeError);
  const [r] = await fastClient.batch([{ sql: insert, args: [1, "a", 2, "b"], width: 2 }]);
  assert.equal(r.rowsAffected, 2);
  assert.equal(r.lastInsertRowid, 2n);

  // As the integration runs seeds: everything in one transaction, each insert all-or-nothing inside it.
  const scope = fastClient[Symbol.for("@astrojs/db:scope")];
  scope.begin();
  await fast.batch([fast.insert(Author).values([{ id: 3, name: "c" }, { id: 4, name: "d" }])]);
  await assert.rejects(fast.batch([fast.insert(Author).values([{ id: 5, name: "e" }, { id: 3, name: "dup" }])]), /UNIQUE/);
  await fast.transaction(async (tx) => {
    await tx.insert(Author).values([{ id: 6, name: "f" }, { id: 7, name: "g" }]);
    await assert.rejects(tx.insert(Author).values([{ id: 8, name: "h" }, { id: 6, name: "dup" }]), /UNIQUE/);
  });
  await assert.rejects(fast.insert(Author).values([{ id: 9, name: "i" }, { id: 9, name: "dup" }]), /UNIQUE/);
  scope.end(true);
  const ids = (await fastClient.execute("select id from Author order by id")).rows.map((r) => r.id);
  assert.deepStrictEqual(ids, [1, 2, 3, 4, 6, 7]);
});
