// Where the database part of one request goes, in-process (no HTTP): the queries of
// bench/request-fixture run in a tight loop, peeled layer by layer. Each figure is µs per
// query, the median of several timed runs; differences between lines attribute the cost:
//   Drizzle building = toSQL(); row mapping = prepared query − our client.execute;
//   our JS layer = client.execute − raw native call; prepare = cold − cached native call.
//   node bench/request-breakdown.mjs [iterations]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { createClient } from "@astrojs/db/client";
import { asDrizzleTable, createDatabase } from "@astrojs/db/runtime";
import { fastExecuteFunction, NativeConnection } from "../index.js";
import { median } from "./astro-workspace.mjs";

const N = Number(process.argv[2] ?? 5_000);
const RUNS = 5;
const dir = mkdtempSync(join(tmpdir(), "astro-db-breakdown-"));
const file = join(dir, "b.db");

const Author = asDrizzleTable("Author", { columns: { id: { type: "number", schema: { primaryKey: true } }, name: { type: "text", schema: {} } } });
const Comment = asDrizzleTable("Comment", {
  columns: {
    id: { type: "number", schema: { primaryKey: true } },
    authorId: { type: "number", schema: { references: () => ({}) } },
    body: { type: "text", schema: {} },
    likes: { type: "number", schema: { default: 0 } },
  },
});

const client = createClient({ url: `file:${file}` });
await client.executeMultiple(`
  CREATE TABLE "Author" ("id" integer PRIMARY KEY, "name" text NOT NULL);
  CREATE TABLE "Comment" ("id" integer PRIMARY KEY, "authorId" integer NOT NULL REFERENCES "Author" ("id"), "body" text NOT NULL, "likes" integer NOT NULL DEFAULT 0);`);
await client.batch([
  ...Array.from({ length: 10 }, (_, i) => ({ sql: `INSERT INTO "Author" VALUES (?, ?)`, args: [i + 1, `Author ${i + 1}`] })),
  ...Array.from({ length: 1000 }, (_, i) => ({ sql: `INSERT INTO "Comment" VALUES (?, ?, ?, ?)`, args: [i + 1, (i % 10) + 1, `Comment number ${i + 1} with a little text to store`, (i + 1) % 7] })),
], "write");
const db = createDatabase(client);

// The same client under plain Drizzle: no SQL builder of ours, rows shaped like @libsql/client's.
const plainDb = drizzle(client);

const joinQuery = (id, on = db) =>
  on.select({ id: Comment.id, body: Comment.body, likes: Comment.likes, author: Author.name }).from(Comment).innerJoin(Author, eq(Comment.authorId, Author.id)).where(eq(Comment.id, id));
const listQuery = (offset, on = db) => on.select().from(Comment).orderBy(Comment.id).limit(50).offset(offset);

const drizzleDialect = new SQLiteAsyncDialect();
const native = NativeConnection.open(file, undefined, {});
native.setResultBuffer(new BigInt64Array(2));
const handle = native.handle();
const fastExecute = fastExecuteFunction();

async function time(fn) {
  for (let i = 0; i < N / 10; i++) await fn(i);
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn(i);
    runs.push(((performance.now() - t0) * 1000) / N);
  }
  return { median: median(runs), min: Math.min(...runs) };
}

// [label, query builder, its argument for iteration i, the statement's parameters for it, parameters matching no row]
const cases = [
  ["join (1 row)", joinQuery, (i) => (i % 1000) + 1, (i) => [(i % 1000) + 1], [-1]],
  ["list (50 rows)", listQuery, (i) => (i % 900) + 1, (i) => [50, (i % 900) + 1], [50, 10_000]],
];
for (const [label, build, arg, params, none] of cases) {
  const q = build(arg(0)).toSQL();
  const prepared = build(sql.placeholder("p")).prepare();
  const rows = {};
  rows["Drizzle query, awaited (what a page does)"] = await time((i) => build(arg(i)));
  rows["  the same without our shortcuts (plain Drizzle over our client)"] = await time((i) => build(arg(i), plainDb));
  rows["Drizzle building only (toSQL)"] = await time((i) => build(arg(i)).toSQL());
  rows["  the same with Drizzle's own SQL builder"] = await time((i) => drizzleDialect.sqlToQuery(build(arg(i)).getSQL()));
  rows["Drizzle prepared query (no building)"] = await time((i) => prepared.all({ p: arg(i) }));
  rows["our client.execute (JS layer + native)"] = await time((i) => client.execute({ sql: q.sql, args: params(i) }));
  rows["native call, cached statement"] = await time((i) => fastExecute(handle, q.sql, params(i), 8));
  rows["native call, cached statement, rows as arrays"] = await time((i) => fastExecute(handle, q.sql, params(i), 8 | 32));
  rows["native call, no rows (bind + step only)"] = await time(() => fastExecute(handle, q.sql, none, 8));
  rows["native call, prepared each time"] = await time((i) => fastExecute(handle, `${q.sql} /* ${i} */`, params(i), 8));
  console.log(`${label}: ${q.sql}`);
  for (const [k, v] of Object.entries(rows)) console.log(`  ${v.median.toFixed(2).padStart(7)} µs  (best ${v.min.toFixed(2).padStart(7)})  ${k}`);
}
console.log(`(${N} iterations per run, median of ${RUNS} runs, load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(" ")})`);
native.close();
client.close();
rmSync(dir, { recursive: true, force: true });
