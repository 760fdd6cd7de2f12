// The studio's data API on a real database file, without a browser: keyset pages walked forward
// and backward in every order (NULLs included) give exactly the rows of one ORDER BY; filters by
// kind; values checked against the column kind before SQLite; writes refused when read-only;
// the read-only console refused writes inside SQLite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient } from "../dist/client/index.js";
import { count, deleteRows, insertRow, page, runSql, updateCell } from "../dist/studio/api.js";
import { loadSchema, createTablesSql } from "../index.js";
import { tempDir } from "./helpers.mjs";

const CONFIG = {
  tables: {
    Author: { columns: { id: { type: "number", schema: { primaryKey: true } }, name: { type: "text", schema: { enum: ["Kasim", "Mina", "Ana"] } } } },
    Post: {
      columns: {
        id: { type: "number", schema: { primaryKey: true } },
        authorId: { type: "number", schema: { references: { table: "Author", column: "id" } } },
        score: { type: "number", schema: { optional: true } },
        title: { type: "text", schema: {} },
        live: { type: "boolean", schema: { default: false } },
        at: { type: "date", schema: { optional: true } },
        meta: { type: "json", schema: { optional: true } },
      },
    },
  },
  integrations: [],
};

async function fixture(t, writable = true) {
  const dir = tempDir(t);
  const client = createClient({ url: `file:${join(dir, "s.db")}` });
  t.after(() => client.close());
  const { snapshot } = loadSchema(JSON.stringify(CONFIG));
  await client.executeMultiple(createTablesSql(snapshot).join(";\n"));
  await client.execute("INSERT INTO Author (id, name) VALUES (1, 'Kasim'), (2, 'Mina')");
  // 257 rows: scores repeat and a fifth are NULL, so ties and NULLs cross page boundaries.
  await client.execute(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 257)
    INSERT INTO Post (id, authorId, score, title, live, at) SELECT i, 1 + i % 2, CASE WHEN i % 5 = 0 THEN NULL ELSE i % 7 END, 'post ' || i, i % 3 = 0,
    strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || i || ' days') FROM s`);
  return { client, shown: "test.db", remote: false, writable, snapshot };
}

async function walk(ctx, req, forward) {
  const ids = [];
  let p = await page(ctx, "Post", { ...req, limit: 10, ...(forward ? {} : { last: true }) });
  const at = req.sort ? p.columns.indexOf(req.sort.column) : -1;
  const key = (r) => ({ rowid: r[0], value: at >= 0 ? r[at] : undefined });
  for (;;) {
    const got = p.rows.map((r) => r[1]);
    forward ? ids.push(...got) : ids.unshift(...got);
    if (forward ? !p.moreAfter : !p.moreBefore) return ids;
    p = await page(ctx, "Post", { ...req, limit: 10, ...(forward ? { after: key(p.rows.at(-1)) } : { before: key(p.rows[0]) }) });
  }
}

test("keyset pages, forward and backward, in every order, equal one ORDER BY", async (t) => {
  const ctx = await fixture(t);
  for (const sort of [undefined, { column: "score" }, { column: "score", desc: true }, { column: "title", desc: true }]) {
    for (const filters of [[], [{ column: "live", op: "true" }], [{ column: "score", op: "null" }]]) {
      const where = filters.length ? (filters[0].op === "true" ? "WHERE live = 1" : "WHERE score IS NULL") : "";
      const dir = sort?.desc ? "DESC" : "ASC";
      const order = sort ? `"${sort.column}" ${dir}, rowid ${dir}` : "rowid";
      const want = (await ctx.client.execute(`SELECT id FROM Post ${where} ORDER BY ${order}`)).rows.map((r) => r[0]);
      const label = JSON.stringify({ sort, filters });
      assert.deepEqual(await walk(ctx, { sort, filters }, true), want, `forward ${label}`);
      assert.deepEqual(await walk(ctx, { sort, filters }, false), want, `backward ${label}`);
    }
  }
});

test("filters by kind: text contains (LIKE wildcards literal), number and date ranges", async (t) => {
  const ctx = await fixture(t);
  await ctx.client.execute("UPDATE Post SET title = '100% sure_' WHERE id = 7");
  assert.equal((await count(ctx, "Post", [{ column: "title", op: "contains", value: "0%" }])).rows, 1);
  assert.equal((await count(ctx, "Post", [{ column: "title", op: "contains", value: "_" }])).rows, 1);
  assert.equal((await count(ctx, "Post", [{ column: "score", op: "gte", value: "3" }, { column: "score", op: "lte", value: "4" }])).rows, (await ctx.client.execute("SELECT count(*) FROM Post WHERE score BETWEEN 3 AND 4")).rows[0][0]);
  // Posts are dated 2024-01-02, 01-03, …: "until" includes the instant given.
  assert.equal((await count(ctx, "Post", [{ column: "at", op: "lte", value: "2024-01-03" }])).rows, 2);
  assert.equal((await count(ctx, "Post", [{ column: "at", op: "gte", value: "2024-09-13T00:00:00Z" }])).rows, 2);
  await assert.rejects(count(ctx, "Post", [{ column: "score", op: "gte", value: "lots" }]), /score: expects a number/);
  await assert.rejects(count(ctx, "Post", [{ column: "nope", op: "eq", value: "1" }]), /nope: is not a column of Post/);
});

test("edits are checked against the column kind, stored as the runtime stores them, one transaction each", async (t) => {
  const ctx = await fixture(t);
  const row = async (id) => ({ ...(await ctx.client.execute({ sql: "SELECT * FROM Post WHERE id = ?", args: [id] })).rows[0] });
  await updateCell(ctx, "Post", 1, "at", "2024-05-01 12:00");
  assert.equal((await row(1)).at, new Date("2024-05-01 12:00").toISOString());
  await updateCell(ctx, "Post", 1, "live", "true");
  await updateCell(ctx, "Post", 1, "meta", '{ "a": [1, 2] }');
  assert.deepEqual([(await row(1)).live, (await row(1)).meta], [1, '{"a":[1,2]}']);
  await assert.rejects(updateCell(ctx, "Post", 1, "meta", "{oops"), /meta: expects JSON/);
  await assert.rejects(updateCell(ctx, "Post", 1, "title", null), /title: is required/);
  await assert.rejects(updateCell(ctx, "Author", 1, "name", "Zed"), /name: must be one of "Kasim", "Mina", "Ana"/);
  await assert.rejects(updateCell(ctx, "Post", 1, "authorId", 9), (e) => e.extendedCode === "SQLITE_CONSTRAINT_FOREIGNKEY");
  assert.equal((await row(1)).authorId, 2);
  // Changing an integer primary key (the rowid) returns the row under its new key.
  const moved = await updateCell(ctx, "Post", 2, "id", "1002");
  assert.equal(moved.row[1], 1002);

  const added = await insertRow(ctx, "Post", { authorId: "1", title: "new" });
  assert.equal(added.row[added.columns.indexOf("live")], 0, "the default applies");
  await assert.rejects(insertRow(ctx, "Post", { authorId: "1" }), /title: is required/);
  assert.equal((await deleteRows(ctx, "Post", [added.row[0]])).rowsAffected, 1);
});

test("a read-only studio refuses writes: the API, and SQLite itself in the console", async (t) => {
  const ctx = await fixture(t, false);
  await assert.rejects(updateCell(ctx, "Post", 1, "title", "x"), (e) => e.code === "ASTRO_DB_READ_ONLY");
  await assert.rejects(insertRow(ctx, "Post", { authorId: 1, title: "x" }), (e) => e.code === "ASTRO_DB_READ_ONLY");
  await assert.rejects(deleteRows(ctx, "Post", [1]), (e) => e.code === "ASTRO_DB_READ_ONLY");
  for (const sql of ["DELETE FROM Post", "CREATE TABLE x (a)", "PRAGMA user_version = 3", "WITH d AS (SELECT 1) DELETE FROM Post"]) {
    await assert.rejects(runSql(ctx, sql), (e) => e.code === "SQLITE_READONLY", sql);
  }
  assert.equal((await runSql(ctx, "SELECT count(*) AS n FROM Post")).rows[0].n, 257);
  // The connection is handed back writable: the query_only pragma never leaks.
  await ctx.client.execute("DELETE FROM Post WHERE id = 1");
  assert.equal((await ctx.client.execute("SELECT count(*) FROM Post")).rows[0][0], 256);
});
