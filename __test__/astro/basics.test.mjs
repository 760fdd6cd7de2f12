// Basics on Astro 7: Author/Comment with a reference, a seed, a page with a join, the
// column mappings, the hidden `_id`, every `astro:db` export; `astro dev` and a static build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ASTRO7, count, fixture, workspace } from "./harness.mjs";

const CONTRACT_EXPORTS = [
  "db", "column", "defineTable", "defineDb", "sql", "NOW", "TRUE", "FALSE", "alias", "isDbError", "getDbError",
  "and", "or", "not", "eq", "ne", "gt", "gte", "lt", "lte", "isNull", "isNotNull", "inArray", "notInArray", "exists",
  "notExists", "between", "notBetween", "like", "ilike", "notIlike", "asc", "desc", "count", "countDistinct", "avg",
  "avgDistinct", "sum", "sumDistinct", "max", "min", "notLike", "dbUrl", "Author", "Comment",
];

function checkComments(rows) {
  assert.equal(rows.length, 2);
  const [first, second] = rows;
  // Hidden `_id` primary key, present on the Drizzle table.
  assert.deepEqual(first.keys, ["_id", "approved", "authorId", "body", "meta", "published"]);
  assert.equal(first._id, 1);
  assert.equal(second._id, 2);
  // date ↔ ISO text, json ↔ text, boolean ↔ integer.
  assert.deepEqual(first.published, { date: "2024-05-01T10:20:30.000Z" });
  assert.deepEqual(first.meta, { tags: ["a", "b"], n: 1 });
  assert.equal(first.approved, true);
  assert.equal(first.approvedType, "boolean");
  // Defaults: NOW (CURRENT_TIMESTAMP, read as UTC) and false.
  assert.ok(second.publishedValid, JSON.stringify(second.published));
  const age = Date.now() - Date.parse(second.published.date);
  assert.ok(age > -120_000 && age < 3_600_000, `NOW default read as UTC: ${second.published.date}`);
  assert.equal(second.approved, false);
  assert.equal(second.meta, null);
}

function checkExports(body) {
  for (const name of CONTRACT_EXPORTS) assert.ok(body.exports.includes(name), `astro:db exports ${name}`);
  assert.equal(body.count, 2);
  assert.deepEqual(body.liked, [{ body: "Hope you like Astro DB!" }]);
  assert.deepEqual(body.notLiked, [{ body: "Enjoy!" }]);
  assert.deepEqual(body.aliased, [{ name: "Kasim" }]);
  assert.deepEqual(body.approved, [{ body: "Hope you like Astro DB!" }]);
  assert.equal(body.t, 1);
  assert.equal(body.f, 0);
  assert.match(body.now, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.deepEqual(body.agg, [{ mx: 2, mn: 1, s: "3", av: "1.5", cd: 2 }]);
  assert.deepEqual(body.misc, [{ id: 2 }, { id: 1 }]);
  assert.match(body.dbUrl, /^file:\/\/.*\/\.astro\/content\.db$/);
  assert.deepEqual(body.helpers, { getDbError: "function", isDbError: false });
}

test("basics: astro dev", { timeout: 240_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics");
  const dev = await p.dev(t);
  await dev.waitFor(/Seeded database\./);
  assert.match(dev.output, /New local database created\./);
  assert.ok(p.exists(".astro/content.db"));
  assert.match(p.read(".astro/integrations/astro_db/db.d.ts"), /Table<\s*"Comment"/);

  const page = await dev.fetch("/");
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, /<li class="comment">Mina: Enjoy!<\/li>/);
  assert.match(page.text, /<li class="comment">Kasim: Hope you like Astro DB!<\/li>/);

  checkComments((await dev.json("/api/comments.json")).body);
  checkExports((await dev.json("/api/exports.json")).body);
  assert.equal(count(dev.output, /\[fixture\] seed ran/g), 1, dev.output);
});

test("basics: static astro build queries the freshly seeded database, seeding once", { timeout: 240_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics");
  const { output } = await p.build();
  assert.equal(count(output, /\[fixture\] seed ran/g), 1, output);
  assert.equal(count(output, /Seeded database\./g), 1, output);
  const html = readFileSync(p.path("dist/index.html"), "utf8");
  assert.match(html, /<li class="comment">Mina: Enjoy!<\/li>/);
  checkComments(JSON.parse(readFileSync(p.path("dist/api/comments.json"), "utf8")));
  checkExports(JSON.parse(readFileSync(p.path("dist/api/exports.json"), "utf8")));
});
