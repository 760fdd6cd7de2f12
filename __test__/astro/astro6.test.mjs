// The same package on Astro 6 (astro@6, @astrojs/node@10), in its own workspace: dev,
// static build, a server build on the node adapter, and a config edit while dev runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ASTRO6, count, fixture, workspace } from "./harness.mjs";

test("Astro 6: dev", { timeout: 240_000 }, async (t) => {
  const ws = await workspace(ASTRO6);
  const p = fixture(ws, "basics");
  const dev = await p.dev(t);
  await dev.waitFor(/Seeded database\./);
  assert.match(dev.output, /astro\s+v6\./);
  const page = await dev.fetch("/");
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, /<li class="comment">Mina: Enjoy!<\/li>/);
  const comments = (await dev.json("/api/comments.json")).body;
  assert.deepEqual(comments[0].published, { date: "2024-05-01T10:20:30.000Z" });
  assert.deepEqual(comments[0].meta, { tags: ["a", "b"], n: 1 });
  assert.equal(comments[0].approved, true);
  assert.equal(comments[0]._id, 1);
  const exports = (await dev.json("/api/exports.json")).body;
  assert.equal(exports.count, 2);
  assert.ok(exports.exports.includes("notLike") && exports.exports.includes("dbUrl"));

  // A config edit restarts with the new schema.
  const mark = dev.output.length;
  p.write("src/pages/mood.astro", `---\nimport { Comment, db } from "astro:db";\nconst rows = await db.select({ mood: Comment.mood }).from(Comment);\n---\n<p>{rows.map((r) => r.mood).join(",")}</p>\n`);
  p.write("db/config.ts", p.read("db/config.ts").replace("approved: column.boolean({ default: false }),", 'approved: column.boolean({ default: false }),\n    mood: column.text({ default: "calm" }),'));
  await dev.waitFor(/Seeded database\./, { from: mark, timeout: 60_000 });
  await dev.poll("/mood", (r) => r.status === 200 && /calm,calm/.test(r.text));
  assert.match(p.read(".astro/integrations/astro_db/db.d.ts"), /mood/);
});

test("Astro 6: static build", { timeout: 180_000 }, async () => {
  const ws = await workspace(ASTRO6);
  const p = fixture(ws, "basics");
  const { output } = await p.build();
  assert.equal(count(output, /\[fixture\] seed ran/g), 1, output);
  assert.match(readFileSync(p.path("dist/index.html"), "utf8"), /<li class="comment">Kasim: Hope you like Astro DB!<\/li>/);
  assert.equal(JSON.parse(readFileSync(p.path("dist/api/counts.json"), "utf8")).comments, 2);
});

test("Astro 6: server build with ASTRO_DATABASE_FILE on the node adapter", { timeout: 180_000 }, async (t) => {
  const ws = await workspace(ASTRO6);
  const p = fixture(ws, ["basics", "production"]);
  const missing = await p.build({ expectFailure: true });
  assert.notEqual(missing.code, 0);
  assert.match(missing.output, /ASTRO_DATABASE_FILE/);

  const env = { ASTRO_DATABASE_FILE: p.path("prod.db") };
  await p.build({ env });
  const server = await p.serve(t, { env });
  const post = await server.json("/api/comments", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ authorId: 1, body: "astro 6" }) });
  assert.equal(post.status, 201, post.text);
  const fk = await server.json("/api/comments", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ authorId: 42, body: "x" }) });
  assert.equal(fk.status, 409, fk.text);
  assert.equal(fk.body.isDbError, true);
  assert.deepEqual((await server.json("/api/comments")).body.map((r) => r.body), ["Hope you like Astro DB!", "Enjoy!", "astro 6"]);
  await server.stop();

  await p.build({ env });
  const again = await p.serve(t, { env });
  assert.equal((await again.json("/api/comments")).body.length, 3, "the rebuild kept the rows");
});
