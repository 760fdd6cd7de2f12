// A user's whole journey on each Astro we claim — the newest 7.x and 6.x the registry serves
// today and the lowest 7.0.0 and 6.0.0 — in a project outside this repository with the packed
// tarball installed: sync, check, dev, a static build, a server build on ASTRO_DATABASE_FILE,
// and every `astro-db` command (and `astro db` where Astro still has it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ASTRO6, ASTRO6_MIN, ASTRO7, ASTRO7_MIN, fixture, run, workspace } from "./harness.mjs";

const SPECS = [ASTRO7, ASTRO6, ASTRO7_MIN, ASTRO6_MIN];

const SCRIPT = `import { db, Author, Comment, eq } from "astro:db";
export default async function () {
  await db.insert(Author).values({ id: 3, name: "Ren" });
  await db.insert(Comment).values({ authorId: 3, body: "from execute" });
  const [row] = await db.select().from(Comment).where(eq(Comment.authorId, 3));
  console.log("inserted", row.body, row.approved);
}
`;

for (const spec of SPECS) {
  test(`journey on ${spec.name}`, { timeout: 600_000 }, async (t) => {
    const ws = await workspace(spec);
    const astro7 = /^astro@7\./.test(ws.installed.find((v) => v.startsWith("astro@")));
    const p = fixture(ws, ["basics", "typed"], { as: `journey-${spec.name}` });

    // Types without a database.
    const sync = await p.astro(["sync"]);
    assert.equal(sync.code, 0, sync.output);
    assert.match(p.read(".astro/integrations/astro_db/db.d.ts"), /Table<\s*"Comment"/);
    assert.ok(!p.exists(".astro/content.db"), "sync does not create the database");
    if ("@astrojs/check" in spec.ranges) {
      const check = await p.astro(["check"], { timeout: 240_000 });
      assert.equal(check.code, 0, check.output);
      assert.match(check.output, /0 errors/);
    }

    // The typed page exists for the checker: it inserts invalid rows on purpose.
    p.remove("src/pages/typed.astro");

    // Dev on the embedded database, seeded.
    const dev = await p.dev(t);
    await dev.waitFor(/Seeded database\./);
    const page = await dev.fetch("/");
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /<li class="comment">Mina: Enjoy!<\/li>/);
    await dev.stop();

    // Static build: seeded once, pages hold the rows.
    const built = await p.build();
    assert.match(readFileSync(p.path("dist/index.html"), "utf8"), /Kasim: Hope you like Astro DB!/, built.output);

    // The CLI on the dev database, then against a file: remote.
    const bin = (args, env = {}) => run(process.execPath, [ws.dbBin, ...args], { cwd: p.root, env, timeout: 120_000 });
    p.write("scripts/add.ts", SCRIPT);
    let r = await bin(["execute", "scripts/add.ts"]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /inserted from execute false/);
    r = await bin(["shell", "--json", "--query", "SELECT count(*) AS n FROM Comment"]);
    assert.equal(JSON.parse(r.output.slice(r.output.indexOf("[")))[0].n, 3, r.output);

    const remote = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
    r = await bin(["verify", "--json"], remote);
    assert.equal(JSON.parse(r.output.slice(r.output.indexOf("{"))).code, "NO_MATCH", r.output);
    r = await bin(["push"], remote);
    assert.equal(r.code, 0, r.output);
    r = await bin(["execute", "scripts/add.ts", "--remote"], remote);
    assert.equal(r.code, 0, r.output);
    r = await bin(["verify", "--json"], remote);
    assert.equal(JSON.parse(r.output.slice(r.output.indexOf("{"))).code, "MATCH", r.output);

    // A schema change that would lose data is refused by push, and the process says so.
    const config = p.read("db/config.ts");
    p.write("db/config.ts", config.replace("    name: column.text(),\n", ""));
    r = await bin(["push"], remote);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /Author\.name/);
    if (!astro7) {
      // Astro 6 still has `astro db`: it exits non-zero on the same refusal, and on success 0.
      r = await p.astro(["db", "push"], { env: remote });
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /Author\.name/);
      r = await p.astro(["db", "verify", "--json"], { env: remote });
      assert.equal(r.code, 1, r.output);
      assert.equal(JSON.parse(r.output.slice(r.output.indexOf("{"), r.output.lastIndexOf("}") + 1)).code, "DATA_LOSS");
      p.write("db/config.ts", config);
      r = await p.astro(["db", "shell", "--remote", "--query", "SELECT name FROM Author WHERE id = 3"], { env: remote });
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /Ren/);
    }
    p.write("db/config.ts", config);

    // A server build on ASTRO_DATABASE_FILE, served by the node adapter.
    const server = fixture(ws, ["basics", "production"], { as: `journey-${spec.name}-server` });
    const env = { ASTRO_DATABASE_FILE: server.path("prod.db") };
    await server.build({ env });
    const app = await server.serve(t, { env });
    const post = await app.json("/api/comments", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ authorId: 1, body: spec.name }) });
    assert.equal(post.status, 201, post.text);
    assert.deepEqual((await app.json("/api/comments")).body.map((c) => c.body).at(-1), spec.name);
  });
}
