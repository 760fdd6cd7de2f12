// Schema changes that keep data, end to end through the installed bin, over `astro-db serve`
// and over a `file:` database alike: renames (flag, declared, asked on a terminal), backfills,
// per-change consent with row counts, drift made by hand, --dry-run and --json; and the same
// flags through Astro 6's `cli({ flags })`, where repeated flags arrive as arrays.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { authServer, callCli, hasScript, onTerminal, project, remoteProbe, tablesSource } from "./cli.project.mjs";

let auth;
before(async () => {
  auth = await authServer("astro-db-schema-changes-");
});
after(() => auth?.close());

const id = "column.number({ primaryKey: true })";


async function flow(p, env) {
  const { ok, rows, snapshots } = remoteProbe(p, env);
  const setConfig = (tables) => p.write("db/config.ts", tablesSource(tables));

  setConfig({ Comment: `{ columns: { id: ${id}, body: column.text() } }` });
  ok(await p.run(["push"], env));
  ok(await p.run(["shell", "--remote", "--query", "INSERT INTO Comment VALUES (1, 'hi'), (2, 'there')"], env));

  // A column renamed without a hint: refused without a terminal, naming the exact flag.
  setConfig({ Comment: `{ columns: { id: ${id}, text: column.text() } }` });
  let r = await p.run(["push"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /Column Comment\.body is removed, with its values\. \(2 rows\)/);
  assert.match(r.stderr, /--rename Comment\.body=text/);
  assert.match(r.stderr, /Nothing was changed/);
  assert.equal(await snapshots(), 1);
  // The dry run prints the plan in words and the SQL, the rename included.
  r = await p.run(["push", "--dry-run", "--rename", "Comment.body=text"], env);
  ok(r);
  assert.match(r.stdout, /Column Comment\.body is renamed to text; its values, indexes and references are kept\./);
  assert.match(r.stdout, /ALTER TABLE "Comment" RENAME COLUMN "body" TO "text";/);
  r = await p.run(["push", "--rename", "Comment.body=text"], env);
  ok(r);
  assert.deepEqual(await rows("SELECT id, text FROM Comment ORDER BY id"), [{ id: 1, text: "hi" }, { id: 2, text: "there" }]);
  assert.match((await p.run(["push", "--rename", "Comment.body=text"], env)).stdout, /Database schema is up to date\./);

  // A table renamed by declaration: rows kept, a no-op afterwards; both names present is an error.
  setConfig({ Note: `{ renamedFrom: "Comment", columns: { id: ${id}, text: column.text() } }` });
  ok(await p.run(["push"], env));
  assert.deepEqual(await rows("SELECT text FROM Note ORDER BY id"), [{ text: "hi" }, { text: "there" }]);
  assert.match((await p.run(["push"], env)).stdout, /Database schema is up to date\./);
  ok(await p.run(["shell", "--remote", "--query", "CREATE TABLE Comment (x)"], env));
  r = await p.run(["push", "--rename", "Comment=Note"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /both table Comment and table Note/);
  ok(await p.run(["shell", "--remote", "--query", "DROP TABLE Comment"], env));

  // A new required column on a table with rows: refused naming --backfill, then filled.
  setConfig({ Note: `{ renamedFrom: "Comment", columns: { id: ${id}, text: column.text(), rating: column.number() } }` });
  r = await p.run(["push"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /New required column Note\.rating has no default value, so existing rows cannot be kept\. \(2 rows\)/);
  assert.match(r.stderr, /--backfill Note\.rating=<SQL expression>/);
  r = await p.run(["push", "--backfill", "Note.rating=length(text)"], env);
  ok(r);
  assert.deepEqual(await rows("SELECT id, rating FROM Note ORDER BY id"), [{ id: 1, rating: 2 }, { id: 2, rating: 5 }]);

  // Per-change consent: two losses, one accepted; the refusal lists the other with its flag.
  setConfig({ Note: `{ columns: { id: ${id} } }` });
  r = await p.run(["push", "--accept-data-loss", "Note.text"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /Column Note\.rating is removed, with its values\. \(2 rows\)\n.*\n    To accept this loss: --accept-data-loss Note\.rating/);
  assert.doesNotMatch(r.stderr, /Column Note\.text is removed/);
  assert.deepEqual(await rows("SELECT text FROM Note WHERE id = 1"), [{ text: "hi" }]);
  // A declared rename and an accepted loss in one push: the data checks see the new names.
  setConfig({ Note: `{ columns: { id: ${id}, score: column.number({ renamedFrom: "rating" }) } }` });
  ok(await p.run(["push", "--accept-data-loss", "Note.text"], env));
  assert.deepEqual(await rows("SELECT id, score FROM Note ORDER BY id"), [{ id: 1, score: 2 }, { id: 2, score: 5 }]);
  // --json for CI: the same decision as data.
  setConfig({ Note: `{ columns: { id: ${id} } }` });
  r = await p.run(["push", "--json"], env);
  assert.equal(r.code, 1, r.all);
  const refused = JSON.parse(r.stdout);
  assert.equal(refused.status, "blocked");
  assert.deepEqual(refused.steps.filter((s) => s.blocking).map((s) => [s.column, s.rows, s.flag]), [["score", 2, "--accept-data-loss Note.score"]]);
  r = await p.run(["push", "--json", "--accept-data-loss", "Note.score"], env);
  ok(r);
  assert.equal(JSON.parse(r.stdout).status, "applied");
  assert.deepEqual(await rows("SELECT * FROM Note ORDER BY id"), [{ id: 1 }, { id: 2 }]);

  // Drift: a column added by hand is reported by verify, and blocks a rebuild naming it.
  ok(await p.run(["shell", "--remote", "--query", "ALTER TABLE Note ADD COLUMN extra TEXT"], env));
  r = await p.run(["verify", "--json"], env);
  ok(r);
  const verdict = JSON.parse(r.stdout);
  assert.equal(verdict.code, "DRIFT");
  assert.ok(verdict.drift.some((d) => d.what === "extraColumn" && d.name === "extra"), r.stdout);
  assert.equal((await p.run(["verify", "--strict"], env)).code, 1);
  setConfig({ Note: `{ columns: { id: ${id}, tag: column.text({ unique: true, optional: true }) } }` });
  r = await p.run(["push"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /The column extra of table Note exists in the database but not in the stored schema snapshot/);
}

test("over serve: renames, backfills, consent, drift", { timeout: 180_000 }, async (t) => {
  const p = project(t);
  await flow(p, { ASTRO_DB_REMOTE_URL: auth.server.url, ASTRO_DB_APP_TOKEN: auth.token });
});

test("over a file: database: renames, backfills, consent, drift", { timeout: 180_000 }, async (t) => {
  const p = project(t);
  await flow(p, { ASTRO_DB_REMOTE_URL: "file:remote.db" });
});

test("on a terminal: a suspected rename, a backfill and a loss are asked", { skip: !hasScript && "no `script` here", timeout: 60_000 }, async (t) => {
  const p = project(t, { Comment: `{ id: ${id}, body: column.text() }` });
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  assert.equal((await p.run(["push"], env)).code, 0);
  await p.run(["shell", "--remote", "--query", "INSERT INTO Comment VALUES (1, 'kept')"], env);
  p.setTables({ Comment: `{ id: ${id}, text: column.text() }` });
  let r = await onTerminal(p.dir, ["push"], env, { "Did you rename Comment.body to Comment.text?": "y" });
  assert.equal(r.code, 0, r.out);
  const rows = async (sql) => JSON.parse((await p.run(["shell", "--remote", "--json", "--query", sql], env)).stdout);
  assert.deepEqual(await rows("SELECT text FROM Comment"), [{ text: "kept" }]);
  // A new required column: the backfill expression is asked.
  p.setTables({ Comment: `{ id: ${id}, text: column.text(), rating: column.number() }` });
  r = await onTerminal(p.dir, ["push"], env, { "SQL expression to fill them": "length(text)" });
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(await rows("SELECT text, rating FROM Comment"), [{ text: "kept", rating: 4 }]);
  // A loss: asked, and a no refuses with nothing changed.
  p.setTables({ Comment: `{ id: ${id}, text: column.text() }` });
  r = await onTerminal(p.dir, ["push"], env, { "Accept this loss?": "n" });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /--accept-data-loss Comment\.rating/);
  assert.deepEqual(await rows("SELECT rating FROM Comment"), [{ rating: 4 }]);
});

test("Astro 6: cli({ flags }) passes repeated flags (arrays) and camelCased names through", { timeout: 90_000 }, async (t) => {
  const p = project(t, { Comment: `{ id: ${id}, a: column.text(), b: column.text() }` });
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  const _ = ["", "astro", "db", "push"];
  assert.equal(callCli(p, { _ }, { env }).status, 0);
  await p.run(["shell", "--remote", "--query", "INSERT INTO Comment VALUES (1, 'x', 'y')"], env);
  p.setTables({ Comment: `{ id: ${id} }` });
  let r = callCli(p, { _, "accept-data-loss": "Comment.a", acceptDataLoss: "Comment.a" }, { env });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /--accept-data-loss Comment\.b/);
  r = callCli(p, { _, "accept-data-loss": ["Comment.a", "Comment.b"], acceptDataLoss: ["Comment.a", "Comment.b"] }, { env });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const rows = await p.run(["shell", "--remote", "--json", "--query", "SELECT * FROM Comment"], env);
  assert.deepEqual(JSON.parse(rows.stdout), [{ id: 1 }]);
});
