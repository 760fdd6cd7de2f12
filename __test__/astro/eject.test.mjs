// `astro-db eject` with the real drizzle-kit: drizzle-kit finds nothing to generate after
// eject, plain Drizzle over @libsql/client reads the rows our `db` wrote (dates, booleans and
// JSON as they were), and drizzle-kit's migrations continue on the database with its rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ASTRO6, fixture, run, workspace } from "./harness.mjs";
import { ASTRO7_TOOLS } from "./tools.mjs";

// Every convention the DDL has: hidden _id, text and number keys, uniques, enums, defaults of
// each kind, indexes (plain, unique, named), column and table-level references.
const CONFIG = `import { column, defineDb, defineTable, NOW } from "astro:db";
const Author = defineTable({
  columns: {
    id: column.number({ primaryKey: true }),
    name: column.text(),
    handle: column.text({ unique: true }),
    role: column.text({ enum: ["admin", "user"], default: "user" }),
  },
});
const Tag = defineTable({
  columns: { slug: column.text({ primaryKey: true }), label: column.text({ optional: true }) },
});
const Comment = defineTable({
  columns: {
    authorId: column.number({ references: () => Author.columns.id }),
    tag: column.text({ optional: true }),
    body: column.text(),
    likes: column.number({ default: 0 }),
    score: column.number({ optional: true }),
    published: column.date({ default: NOW }),
    due: column.date({ optional: true }),
    meta: column.json({ default: { tags: [] } }),
    approved: column.boolean({ default: false }),
  },
  indexes: [{ on: ["authorId"] }, { on: ["authorId", "body"], unique: true }, { name: "by_tag", on: "tag" }],
  foreignKeys: [{ columns: ["tag"], references: () => [Tag.columns.slug] }],
});
export default defineDb({ tables: { Author, Tag, Comment } });
`;

const WRITE = `import { Author, Comment, Tag, db } from "astro:db";
export default async function () {
  await db.insert(Author).values([{ id: 1, name: "Kasim", handle: "kasim" }, { id: 2, name: "Mina", handle: "mina", role: "admin" }]);
  await db.insert(Tag).values({ slug: "news" });
  await db.insert(Comment).values([
    { authorId: 1, body: "Hope you like Astro DB!", tag: "news", due: new Date("2024-05-01T10:20:30.000Z"), meta: { tags: ["a"], n: 1 }, approved: true },
    { authorId: 2, body: "Enjoy!" },
  ]);
}
`;

const READ = `import { createClient } from "@libsql/client";
import { asc } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import * as schema from "./db/schema.ts";
const db = drizzle(createClient({ url: process.env.DB_URL }), { schema });
const comments = await db.select().from(schema.Comment).orderBy(asc(schema.Comment._id));
const authors = await db.select().from(schema.Author).orderBy(asc(schema.Author.id));
// A write through the ejected schema, read back: defaults apply as they did with Astro DB.
await db.insert(schema.Comment).values({ authorId: 2, body: "written by drizzle #" + (comments.length + 1) });
const [last] = await db.select().from(schema.Comment).orderBy(asc(schema.Comment._id)).limit(1).offset(2);
console.log(JSON.stringify({ comments, authors, last, types: [typeof comments[0].approved, comments[0].due instanceof Date, comments[1].published instanceof Date] }));
`;

test("eject: Drizzle schema, config and first migration that drizzle-kit and drizzle-orm accept", { timeout: 600_000 }, async () => {
  const ws = await workspace(ASTRO7_TOOLS);
  const p = fixture(ws, "basics", { as: "eject", files: { "db/config.ts": CONFIG, "write.ts": WRITE } });
  p.remove("db/seed.ts");
  const env = { ASTRO_DATABASE_FILE: "file:site.db" };
  const bin = (args, e = env) => run(process.execPath, [ws.dbBin, ...args], { cwd: p.root, env: e });

  // Our engine creates the database and our `db` writes the rows.
  let r = await bin(["execute", "write.ts"]);
  assert.equal(r.code, 0, r.output);

  r = await bin(["eject"]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Wrote db\/schema\.ts/);
  assert.match(r.output, /Wrote the first migration/);
  const schema = p.read("db/schema.ts");
  assert.match(schema, /_id: integer\("_id"\)\.primaryKey\(\)/);
  assert.match(schema, /published: isoDate\("published"\)\.notNull\(\)\.default\(sql`CURRENT_TIMESTAMP`\)/);
  assert.match(p.read("drizzle.config.ts"), /schema: "\.\/db\/schema\.ts"/);
  const migrations = readdirSync(p.path("db/migrations")).filter((f) => f.endsWith(".sql"));
  assert.equal(migrations.length, 1);
  assert.match(migrations[0], /^0000_astro_db_baseline\.sql$/);
  assert.match(p.read(`db/migrations/${migrations[0]}`), /CREATE TABLE `Comment`/);

  // A second eject refuses to overwrite.
  r = await bin(["eject"]);
  assert.equal(r.code, 1);
  assert.match(r.output, /already exist.*--force/);

  const kit = (args, e = env) => run(process.execPath, [join(ws.dir, "node_modules", "drizzle-kit", "bin.cjs"), ...args], { cwd: p.root, env: e, timeout: 120_000 });
  // Against its own first migration: nothing to generate.
  r = await kit(["generate"]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /No schema changes/, r.output);
  assert.equal(readdirSync(p.path("db/migrations")).filter((f) => f.endsWith(".sql")).length, 1);

  // Plain Drizzle on @libsql/client reads what our db wrote.
  p.write("read.mts", READ);
  const read = (file) => run(process.execPath, ["read.mts"], { cwd: p.root, env: { DB_URL: `file:${file}` } });
  r = await read("site.db");
  assert.equal(r.code, 0, r.output);
  const out = JSON.parse(r.output.trim().split("\n").at(-1));
  assert.deepEqual(out.types, ["boolean", true, true]);
  assert.deepEqual(
    out.comments.map((c) => [c._id, c.authorId, c.body, c.tag, c.likes, c.due, c.meta, c.approved]),
    [
      [1, 1, "Hope you like Astro DB!", "news", 0, "2024-05-01T10:20:30.000Z", { tags: ["a"], n: 1 }, true],
      [2, 2, "Enjoy!", null, 0, null, { tags: [] }, false],
    ],
  );
  assert.deepEqual(out.authors.map((a) => [a.id, a.handle, a.role]), [[1, "kasim", "user"], [2, "mina", "admin"]]);
  assert.equal(out.last.body, "written by drizzle #3");
  assert.equal(out.last._id, 3);
  assert.deepEqual(out.last.meta, { tags: [] });
  assert.equal(out.last.approved, false);
  assert.ok(Math.abs(Date.parse(out.last.published) - Date.now()) < 5 * 60_000, out.last.published);

  // Leaving for good: the baseline is recorded as applied in the database that has the
  // tables, so drizzle-kit's migrations start after it and the rows stay.
  r = await bin(["eject", "--force", "--mark-applied"]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Marked 0000_astro_db_baseline as applied in/);
  r = await kit(["migrate"]);
  assert.equal(r.code, 0, r.output);
  p.write("db/schema.ts", p.read("db/schema.ts").replace('label: text("label"),', 'label: text("label"),\n  color: text("color").default("red"),'));
  r = await kit(["generate", "--name", "tag_color"]);
  assert.equal(r.code, 0, r.output);
  r = await kit(["migrate"]);
  assert.equal(r.code, 0, r.output);
  r = await read("site.db");
  assert.equal(r.code, 0, r.output);
  const after = JSON.parse(r.output.trim().split("\n").at(-1));
  assert.deepEqual(after.comments.slice(0, 2), out.comments, "the rows written before eject are unchanged");
  assert.equal(after.comments.length, 3);
  const tags = `import { createClient } from "@libsql/client";
console.log(JSON.stringify((await createClient({ url: "file:site.db" }).execute("SELECT slug, color FROM Tag")).rows));`;
  r = await run(process.execPath, ["--input-type=module", "-e", tags], { cwd: p.root });
  assert.equal(r.code, 0, r.output);
  assert.deepEqual(JSON.parse(r.output.trim().split("\n").at(-1)), [{ slug: "news", color: "red" }]);
});

test("Astro 6: `astro db eject` writes the schema and config, and says how to get drizzle-kit", { timeout: 300_000 }, async () => {
  const ws = await workspace(ASTRO6);
  const p = fixture(ws, "basics", { as: "eject-astro6" });
  const r = await p.astro(["db", "eject"]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Wrote db\/schema\.ts/);
  assert.match(r.output, /drizzle-kit is not installed here: run `npm install -D drizzle-kit`/);
  const schema = p.read("db/schema.ts");
  assert.match(schema, /export const Comment = sqliteTable\("Comment", \{\n  _id: integer\("_id"\)\.primaryKey\(\),/);
  assert.match(schema, /authorId: integer\("authorId"\)\.notNull\(\)\.references\(\(\): AnySQLiteColumn => Author\.id\)/);
  assert.match(p.read("drizzle.config.ts"), /dialect: "sqlite"/);
  assert.ok(!p.exists("db/migrations"));
});
