// Push against databases shaped by upstream 0.21.3 (an empty snapshot table left by a failed
// first push; a snapshot stored as a BLOB), a new reference that existing rows break, and a
// writer that slips in between push's data checks and its write.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient } from "../dist/client/index.js";
import { createServer, request } from "node:http";
import { authServer, project } from "./cli.project.mjs";

const id = "column.number({ primaryKey: true })";
const V1 = { User: `{ id: ${id}, name: column.text() }` };
const UPSTREAM_V1 =
  '{"version":"2024-03-12","schema":{"User":{"columns":{"id":{"type":"number","schema":{"unique":false,"deprecated":false,"name":"id","collection":"User","primaryKey":true}},"name":{"type":"text","schema":{"unique":false,"deprecated":false,"name":"name","collection":"User","primaryKey":false,"optional":false}}},"deprecated":false,"indexes":{}}}}';

test("an empty snapshot table (upstream's failed first push) reads as none", async (t) => {
  const p = project(t, V1);
  const db = createClient({ url: pathToFileURL(join(p.dir, "remote.db")).href });
  await db.execute('CREATE TABLE "_astro_db_snapshot" (id INTEGER PRIMARY KEY AUTOINCREMENT, version TEXT, snapshot BLOB)');
  db.close();
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  assert.match((await p.run(["verify"], env)).stdout, /^NO_MATCH$/m);
  const r = await p.run(["push"], env);
  assert.equal(r.code, 0, r.all);
  assert.match((await p.run(["verify"], env)).stdout, /^MATCH$/m);
});

test("a database pushed by upstream 0.21.3 (snapshot as a BLOB) is read as-is and pushed to", async (t) => {
  const p = project(t, V1);
  const db = createClient({ url: pathToFileURL(join(p.dir, "remote.db")).href });
  await db.batch([
    'CREATE TABLE "_astro_db_snapshot" (id INTEGER PRIMARY KEY AUTOINCREMENT, version TEXT, snapshot BLOB)',
    { sql: `INSERT INTO "_astro_db_snapshot" (version, snapshot) VALUES ('2024-03-12', ?)`, args: [new TextEncoder().encode(UPSTREAM_V1)] },
    'CREATE TABLE "User" ("id" integer PRIMARY KEY, "name" text NOT NULL)',
    "INSERT INTO User VALUES (1, 'Ada')",
  ]);
  db.close();
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  let r = await p.run(["push"], env);
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /Database schema is up to date\./);
  p.setTables({ User: `{ id: ${id}, name: column.text(), bio: column.text({ optional: true }) }` });
  r = await p.run(["push"], env);
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /Pushed 1 statement/);
  r = await p.run(["shell", "--remote", "--json", "--query", "SELECT * FROM User"], env);
  assert.deepEqual(JSON.parse(r.stdout), [{ id: 1, name: "Ada", bio: null }]);
});

test("a new reference that existing rows break: refused, and nothing of the push remains", async (t) => {
  const p = project(t, { User: V1.User, Post: `{ id: ${id}, authorId: column.number() }` });
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  assert.equal((await p.run(["push"], env)).code, 0);
  await p.run(["shell", "--remote", "--query", "INSERT INTO Post VALUES (1, 99)"], env);
  p.setTables({ User: V1.User, Post: `{ id: ${id}, authorId: column.number({ references: () => User.columns.id }), extra: column.text({ optional: true }) }` });
  let r = await p.run(["push"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /Post\(authorId\) now references User\(id\)/);
  r = await p.run(["shell", "--remote", "--json", "--query", "SELECT (SELECT count(*) FROM _astro_db_snapshot) AS snapshots, (SELECT count(*) FROM pragma_table_info('Post')) AS columns"], env);
  assert.deepEqual(JSON.parse(r.stdout), [{ snapshots: 1, columns: 2 }]);
  await p.run(["shell", "--remote", "--query", "INSERT INTO User VALUES (99, 'Zed')"], env);
  r = await p.run(["push"], env);
  assert.equal(r.code, 0, r.all);
});

test("a row written between push's data checks and its write is never lost (serve, a writer let in before the write)", { timeout: 60_000 }, async (t) => {
  const auth = await authServer("astro-db-concurrent-");
  t.after(() => auth.close());
  const { server, token } = auth;
  const writer = createClient({ url: server.url, authToken: token });
  t.after(() => writer.close());
  // A proxy in front of serve: before the push's write (the request that alters a table), the
  // writer runs once.
  let before = null;
  const proxy = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    if (before && /ALTER TABLE|DROP TABLE/i.test(body.toString())) {
      const run = before;
      before = null;
      await run();
    }
    const fwd = request(new URL(req.url, server.url), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    fwd.end(body);
  });
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  t.after(() => proxy.close());
  const env = { ASTRO_DB_REMOTE_URL: `http://127.0.0.1:${proxy.address().port}`, ASTRO_DB_APP_TOKEN: token };

  const p = project(t, { Comment: `{ id: ${id}, body: column.text({ optional: true }) }` });
  assert.equal((await p.run(["push"], env)).code, 0);
  await writer.execute("INSERT INTO Comment VALUES (1, NULL)");
  // Dropping `body` loses nothing while it holds no value; the writer fills one in meanwhile.
  p.setTables({ Comment: `{ id: ${id}, note: column.text({ optional: true }) }` });
  before = () => writer.execute("UPDATE Comment SET body = 'late' WHERE id = 1");
  let r = await p.run(["push"], env);
  before = null;
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /the data changed while the push was being applied, so nothing was changed/);
  assert.match(r.stderr, /Comment\.body/);
  assert.deepEqual((await writer.execute("SELECT body FROM Comment")).rows.map((row) => row.body), ["late"]);
  assert.equal((await writer.execute("SELECT count(*) AS n FROM _astro_db_snapshot")).rows[0].n, 1);
  // Pushed again, the plan sees the value and refuses, naming the flag that accepts the loss.
  r = await p.run(["push"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /Column Comment\.body is removed, with its values\. \(1 row\)/);
  assert.match(r.stderr, /--accept-data-loss Comment\.body/);
});

test("upstream's push defects: a required column on an empty table needs no consent; a referenced table rebuilds", async (t) => {
  const p = project(t, { User: V1.User, Post: `{ id: ${id}, authorId: column.number({ references: () => User.columns.id }) }` });
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  assert.equal((await p.run(["push"], env)).code, 0);
  // Required column without default: fine while Post is empty, refused once it has rows.
  p.setTables({ User: V1.User, Post: `{ id: ${id}, authorId: column.number({ references: () => User.columns.id }), title: column.text() }` });
  let r = await p.run(["push"], env);
  assert.equal(r.code, 0, r.all);
  await p.run(["shell", "--remote", "--query", "INSERT INTO User VALUES (1, 'Ada'); "], env);
  await p.run(["shell", "--remote", "--query", "INSERT INTO Post VALUES (1, 1, 'Hello')"], env);
  p.setTables({ User: V1.User, Post: `{ id: ${id}, authorId: column.number({ references: () => User.columns.id }), title: column.text(), body: column.text() }` });
  r = await p.run(["push"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /Post\.body/);
  // Rebuilding User (referenced by Post, which has rows) keeps the rows and the references.
  p.setTables({ User: `{ id: ${id}, name: column.text({ unique: true }) }`, Post: `{ id: ${id}, authorId: column.number({ references: () => User.columns.id }), title: column.text() }` });
  r = await p.run(["push"], env);
  assert.equal(r.code, 0, r.all);
  r = await p.run(["shell", "--remote", "--json", "--query", "SELECT p.title, u.name FROM Post p JOIN User u ON u.id = p.authorId"], env);
  assert.deepEqual(JSON.parse(r.stdout), [{ title: "Hello", name: "Ada" }]);
  assert.match((await p.run(["verify"], env)).stdout, /^MATCH$/m);
});
