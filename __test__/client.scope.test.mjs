// The seed scope: everything a seed does runs in one transaction that commits or rolls
// back as a whole, while batches and transactions inside it still behave.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/libsql";
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
import { count } from "drizzle-orm";
import { createClient } from "@astrojs/db/client";
import { tempDir } from "./helpers.mjs";

const SCOPE = Symbol.for("@astrojs/db:scope");
const T = sqliteTable("t", { id: integer("id").primaryKey(), v: text("v").notNull().unique() });

async function setup(t) {
  const client = createClient({ url: `file:${join(tempDir(t), "scope.db")}` });
  t.after(() => client.close());
  await client.execute("create table t (id integer primary key, v text not null unique)");
  return { client, db: drizzle(client) };
}

const total = async (db) => (await db.select({ n: count() }).from(T))[0].n;

test("a scope that fails leaves nothing behind, even after inner batches and transactions", async (t) => {
  const { client, db } = await setup(t);
  client[SCOPE].begin();
  await db.insert(T).values({ v: "a" });
  await db.batch([db.insert(T).values({ v: "b" }), db.insert(T).values({ v: "c" })]);
  await db.transaction(async (tx) => {
    await tx.insert(T).values({ v: "d" });
  });
  assert.equal(await total(db), 4);
  client[SCOPE].end(false);
  assert.equal(await total(db), 0);
});

test("inside a scope, a failing batch or transaction undoes only itself", async (t) => {
  const { client, db } = await setup(t);
  client[SCOPE].begin();
  await db.insert(T).values({ v: "keep" });
  await assert.rejects(db.batch([db.insert(T).values({ v: "x" }), db.insert(T).values({ v: "keep" })]));
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.insert(T).values({ v: "y" });
      throw new Error("nope");
    }),
    /nope/,
  );
  await db.transaction(async (tx) => {
    await tx.insert(T).values({ v: "z" });
  });
  client[SCOPE].end(true);
  const rows = (await db.select({ v: T.v }).from(T)).map((r) => r.v).sort();
  assert.deepStrictEqual(rows, ["keep", "z"]);
});
