// The SQL builder of the databases we construct (js/runtime/fast-sql.ts) must give exactly
// what Drizzle's own gives (text, parameters, typings) for every query, taking its fast
// path for the common shapes and handing the rest back to Drizzle.
import { test } from "node:test";
import assert from "node:assert/strict";
import { drizzle } from "drizzle-orm/libsql";
import {
  and, asc, avg, between, count, desc, eq, gt, gte, inArray, isNotNull, isNull, like, lt, ne, not, notInArray, or, sql, sum,
} from "drizzle-orm";
import { SQLiteAsyncDialect, alias, blob, integer, sqliteTable, sqliteView, text } from "drizzle-orm/sqlite-core";
import { asDrizzleTable, createDatabase } from "@astrojs/db/runtime";
import { createClient } from "@astrojs/db/client";
import { enableFastSql } from "../dist/runtime/fast-sql.js";

const NOW = { __serializedSQL: true, sql: "CURRENT_TIMESTAMP" };
const Author = asDrizzleTable("Author", { columns: { id: { type: "number", schema: { primaryKey: true } }, name: { type: "text", schema: { unique: true } } } });
const Post = asDrizzleTable("Post", {
  columns: {
    authorId: { type: "number", schema: { references: { type: "number", schema: { name: "id", collection: "Author" } } } },
    title: { type: "text", schema: {} },
    published: { type: "date", schema: { default: NOW } },
    meta: { type: "json", schema: { default: { tags: [] } } },
    draft: { type: "boolean", schema: { default: true } },
  },
});
// A plain Drizzle table too: other column kinds, a schema-less custom name, a blob.
const Item = sqliteTable("item \"q\"", {
  id: integer("id").primaryKey(),
  label: text("label").notNull(),
  on: integer("on", { mode: "boolean" }),
  at: integer("at", { mode: "timestamp_ms" }),
  data: blob("data", { mode: "buffer" }),
  big: blob("big", { mode: "bigint" }),
});
const DDL = `
  create table Author (id integer primary key, name text not null unique);
  create table Post (_id integer primary key, authorId integer not null references Author(id), title text not null,
    published text not null default CURRENT_TIMESTAMP, meta text not null, draft integer not null);
  create table "item ""q""" (id integer primary key, label text not null, "on" integer, at integer, data blob, big blob);`;

/** A dialect with the fast builder, counting the trees it hands back to Drizzle. */
function counted() {
  const dialect = new SQLiteAsyncDialect();
  let fallbacks = 0;
  const drizzles = dialect.sqlToQuery;
  dialect.sqlToQuery = function (...args) {
    fallbacks++;
    return drizzles.apply(this, args);
  };
  enableFastSql(dialect);
  return { dialect, fallbacks: () => fallbacks };
}

const db = drizzle(createClient({ url: ":memory:" }));
const A2 = alias(Author, "a2");
const recent = db.$with("recent").as(db.select().from(Post).where(gt(Post.published, new Date(0))));
const sub = db.select({ authorId: Post.authorId, n: count().as("n") }).from(Post).groupBy(Post.authorId).as("sub");
const View = sqliteView("author_names").as((qb) => qb.select({ name: Author.name }).from(Author));

// [label, builder, takes the fast path]
const corpus = [
  ["select *", db.select().from(Author), true],
  ["partial select with join and where", db.select({ id: Post._id, t: Post.title, a: Author.name }).from(Post).innerJoin(Author, eq(Post.authorId, Author.id)).where(eq(Post._id, 7)), true],
  ["left join, order, limit, offset", db.select().from(Author).leftJoin(Post, eq(Post.authorId, Author.id)).orderBy(desc(Author.id), asc(Post.title)).limit(50).offset(100), true],
  ["and/or/not, comparisons", db.select().from(Item).where(or(and(gt(Item.id, 1), lt(Item.id, 9), ne(Item.label, "x")), not(gte(Item.id, 3)), isNull(Item.on), isNotNull(Item.at))), true],
  ["between, like, inArray, notInArray", db.select().from(Item).where(and(between(Item.id, 2, 5), like(Item.label, "a%"), inArray(Item.id, [1, 2, 3]), notInArray(Item.label, ["q", "r"]))), true],
  ["empty inArray", db.select().from(Item).where(inArray(Item.id, [])), true],
  ["custom column types as params", db.select().from(Post).where(and(eq(Post.published, new Date("2024-01-02T03:04:05.000Z")), eq(Post.meta, { a: [1] }), eq(Post.draft, false))), true],
  ["timestamp, boolean, buffer and bigint params", db.select().from(Item).where(and(eq(Item.at, new Date(5)), eq(Item.on, true), eq(Item.data, Buffer.from([1, 2])), eq(Item.big, 2n ** 40n))), true],
  ["aggregates, group by, having", db.select({ a: Post.authorId, n: count(), s: sum(Post._id), v: avg(Post._id) }).from(Post).groupBy(Post.authorId).having(gt(count(), 1)), true],
  ["sql template: values, null, identifiers, raw, join", db.select({ x: sql`coalesce(${Item.label}, ${"none"}, ${null}, ${3}, ${true})`, y: sql.raw("1 + 1"), z: sql`${sql.identifier("label")}` }).from(Item).where(sql`${Item.id} in ${[1, 2]} and ${sql.join([sql`1`, sql`${2}`], sql` + `)} > 0`), true],
  ["sql template: Date and Buffer values", db.select().from(Item).where(sql`${Item.at} > ${new Date(9)} or ${Item.data} = ${Buffer.from("hi")}`), true],
  ["inlined params", db.select().from(Item).where(sql`${Item.label} = ${"it's"} and ${Item.id} = ${4} and ${Item.on} = ${false} and ${Item.data} is ${null}`.inlineParams()), true],
  ["placeholders", db.select().from(Item).where(and(eq(Item.id, sql.placeholder("id")), eq(Item.label, sql.placeholder("label")))).limit(sql.placeholder("n")), true],
  ["insert, several rows", db.insert(Item).values([{ id: 1, label: "a", on: true }, { id: 2, label: "b", at: new Date(1) }]), true],
  ["insert with defaults and returning", db.insert(Post).values({ authorId: 1, title: "t" }).returning(), true],
  ["insert on conflict do update", db.insert(Author).values({ id: 1, name: "n" }).onConflictDoUpdate({ target: Author.id, set: { name: sql`excluded.name` } }), true],
  ["update set where returning", db.update(Item).set({ label: "z", on: null }).where(eq(Item.id, 3)).returning({ id: Item.id }), true],
  ["delete where", db.delete(Post).where(and(eq(Post.authorId, 2), eq(Post.draft, true))), true],
  ["aliased table (self join)", db.select({ a: Author.name, b: A2.name }).from(Author).innerJoin(A2, eq(A2.id, Author.id)), true],
  ["subquery in from", db.select().from(sub).where(gt(sub.n, 1)), false],
  ["CTE", db.with(recent).select().from(recent), false],
  ["view", db.select().from(View), false],
  ["aliased expression in where", db.select({ n: sql`count(*)`.as("n") }).from(Item).orderBy(sql`n`), null],
];

test("the fast builder gives Drizzle's text, params and typings for every query of the corpus", () => {
  const plain = new SQLiteAsyncDialect();
  for (const [label, builder, fast] of corpus) {
    const { dialect, fallbacks } = counted();
    const tree = builder.getSQL();
    const expected = plain.sqlToQuery(tree);
    const actual = dialect.sqlToQuery(tree);
    assert.deepStrictEqual(actual, expected, label);
    // Where params are Drizzle objects (placeholders), they are the same objects.
    expected.params.forEach((p, i) => {
      if (p?.constructor?.[Symbol.for("drizzle:entityKind")]) assert.equal(actual.params[i], p, `${label}: param ${i}`);
    });
    if (fast === true) assert.equal(fallbacks(), 0, `${label}: expected the fast path`);
    if (fast === false) assert.equal(fallbacks(), 1, `${label}: expected Drizzle's builder`);
  }
});

test("index definitions and other callers with an invokeSource go to Drizzle's builder", () => {
  const { dialect, fallbacks } = counted();
  const tree = sql`${Item.label}`;
  assert.deepStrictEqual(dialect.sqlToQuery(tree, "indexes"), new SQLiteAsyncDialect().sqlToQuery(tree, "indexes"));
  assert.equal(fallbacks(), 1);
});

test("errors are Drizzle's: a value inlining cannot represent, a failing custom type", () => {
  const { dialect } = counted();
  const plain = new SQLiteAsyncDialect();
  const inlineSymbol = sql`${Symbol("s")}`.inlineParams();
  assert.throws(() => dialect.sqlToQuery(inlineSymbol), (e) => {
    assert.throws(() => plain.sqlToQuery(inlineSymbol), { message: e.message });
    return true;
  });
  const cyclic = {};
  cyclic.self = cyclic;
  const bad = db.select().from(Post).where(eq(Post.meta, cyclic)).getSQL();
  assert.throws(() => dialect.sqlToQuery(bad), TypeError);
  assert.throws(() => plain.sqlToQuery(bad), TypeError);
});

test("a database we construct answers every corpus query as Drizzle over @libsql/client does", async () => {
  const { createClient: reference } = await import("@libsql/client");
  const ours = createClient({ url: ":memory:" });
  const ref = reference({ url: ":memory:" });
  for (const c of [ours, ref]) {
    await c.executeMultiple(DDL);
    await c.execute(`insert into Author values (1, 'Ann'), (2, 'Bob')`);
    await c.execute(`insert into Post (authorId, title, meta, draft) values (1, 'a', '{"tags":[]}', 1), (1, 'b', '{"a":[1]}', 0), (2, 'c', '{}', 1)`);
    await c.execute(`insert into "item ""q""" values (1, 'a%', 1, 5, x'0102', null), (2, 'b', 0, 9, null, null), (4, 'it''s', null, null, x'6869', null)`);
  }
  const fast = createDatabase(ours);
  const plain = drizzle(ref);
  const on = (target, label) => {
    const q = {
      "select *": target.select().from(Author).orderBy(Author.id),
      "partial select with join and where": target.select({ id: Post._id, t: Post.title, a: Author.name, p: Post.published, m: Post.meta, d: Post.draft }).from(Post).innerJoin(Author, eq(Post.authorId, Author.id)).where(gt(Post._id, 1)),
      "left join": target.select().from(Author).leftJoin(Post, eq(Post.authorId, Author.id)).orderBy(desc(Author.id), asc(Post.title)).limit(50),
      "in and like": target.select().from(Item).where(or(inArray(Item.id, [1, 2]), like(Item.label, "it%"))).orderBy(Item.id),
      "aggregates": target.select({ a: Post.authorId, n: count() }).from(Post).groupBy(Post.authorId).having(gt(count(), 1)),
      "inlined": target.select().from(Item).where(sql`${Item.label} = ${"it's"}`.inlineParams()),
      "subquery": target.select().from(target.select({ a: Post.authorId, n: count().as("n") }).from(Post).groupBy(Post.authorId).as("s")),
    }[label];
    return q;
  };
  for (const label of ["select *", "partial select with join and where", "left join", "in and like", "aggregates", "inlined", "subquery"]) {
    assert.deepStrictEqual(await on(fast, label), await on(plain, label), label);
    assert.deepStrictEqual(await on(fast, label).get(), await on(plain, label).get(), `${label} (get)`);
    assert.deepStrictEqual(await on(fast, label).values(), await on(plain, label).values(), `${label} (values)`);
  }
  const prepared = (target) => target.select().from(Item).where(eq(Item.id, sql.placeholder("id"))).prepare();
  assert.deepStrictEqual(await prepared(fast).all({ id: 4 }), await prepared(plain).all({ id: 4 }));
  // Writes through the fast builder leave the same data.
  for (const target of [fast, plain]) {
    await target.insert(Post).values({ authorId: 2, title: "new", published: new Date("2024-01-02T03:04:05.000Z"), meta: { k: "v" }, draft: false });
    await target.update(Item).set({ label: "z", on: true }).where(eq(Item.id, 2));
    await target.delete(Item).where(eq(Item.id, 1));
  }
  assert.deepStrictEqual(await fast.select().from(Post), await plain.select().from(Post));
  assert.deepStrictEqual(await fast.select().from(Item), await plain.select().from(Item));
  ours.close();
  ref.close();
});
