// `astro-db push` / `verify` / `shell --remote` / `execute --remote`, end to end through the bin:
// against a real `serve` on loopback (with an auth token) and against a `file:` remote (URL
// read from .env), the same schema history: empty → additive → lossless rebuild → refused
// lossy change → the deprecate-then-remove rename flow → force reset.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { authServer, project, remoteProbe } from "./cli.project.mjs";

let server;
let token;
let auth;

before(async () => {
  auth = await authServer("astro-db-cli-serve-");
  ({ server, token } = auth);
});
after(() => auth?.close());

const id = "column.number({ primaryKey: true })";
const V1 = { User: `{ id: ${id}, name: column.text() }` };
const V2 = {
  User: `{ id: ${id}, name: column.text(), email: column.text({ optional: true }) }`,
  Post: `{ id: ${id}, title: column.text(), authorId: column.number({ references: () => User.columns.id }) }`,
};
const V3 = { ...V2, User: `{ id: ${id}, name: column.text({ unique: true }), email: column.text({ optional: true }) }` };
const LOSSY = { ...V2, User: `{ id: ${id}, name: column.text({ unique: true }) }` };
const RENAME1 = {
  ...V2,
  User: `{ id: ${id}, name: column.text({ unique: true, deprecated: true }), fullName: column.text({ optional: true }), email: column.text({ optional: true }) }`,
};
const RENAME2 = { ...V2, User: `{ id: ${id}, fullName: column.text({ optional: true }), email: column.text({ optional: true }) }` };

async function flow(t, p, env, where) {
  const { ok, rows, snapshots } = remoteProbe(p, env);

  // Empty database: verify says NO_MATCH (exit 0; 1 with --strict), push creates the table.
  let r = await p.run(["verify"], env);
  ok(r);
  assert.match(r.stdout, /^NO_MATCH$/m);
  assert.match(r.stdout, new RegExp(`Verifying ${where}`));
  assert.equal((await p.run(["verify", "--strict"], env)).code, 1);
  r = await p.run(["push"], env);
  ok(r);
  assert.match(r.stdout, new RegExp(`Pushing to ${where}`));
  assert.match(r.stdout, /Pushed 1 statement/);
  r = await p.run(["verify", "--json"], env);
  ok(r);
  // Upstream's object (exitCode, message, code), ours (status, queries, steps) beside it.
  assert.deepEqual(JSON.parse(r.stdout), { exitCode: 0, message: "The database schema matches db/config.ts.", code: "MATCH", status: "MATCH", queries: [], steps: [] });
  r = await p.run(["push"], env);
  ok(r);
  assert.match(r.stdout, /Database schema is up to date\./);
  assert.equal(await snapshots(), 1);

  // Rows, through shell.
  ok(await p.run(["shell", "--remote", "--query", "INSERT INTO User (id, name) VALUES (1, 'Ada'), (2, 'Grace')"], env));
  r = await p.run(["shell", "--remote", "--query", "SELECT id, name FROM User ORDER BY id"], env);
  ok(r);
  assert.match(r.stdout, /^id \| name\s*\n---\+------?\n1  \| Ada\s*\n2  \| Grace\n\(2 rows\)\n$/);

  // Additive: a dry run prints the SQL and changes nothing; then the push applies it.
  p.setTables(V2);
  r = await p.run(["push", "--dry-run"], env);
  ok(r);
  assert.match(r.stdout, /ALTER TABLE "User" ADD COLUMN "email" text;/);
  assert.match(r.stdout, /CREATE TABLE "Post"/);
  assert.match(r.stdout, /Dry run: nothing was changed\./);
  assert.equal(await snapshots(), 1);
  assert.equal((await p.run(["verify"], env)).stdout.includes("NO_MATCH"), true);
  ok(await p.run(["push"], env));
  ok(await p.run(["shell", "--remote", "--query", "UPDATE User SET email = 'ada@example.com' WHERE id = 1"], env));

  // Lossless rebuild (a unique added to a column without duplicates): rows survive.
  p.setTables(V3);
  r = await p.run(["push"], env);
  ok(r);
  assert.deepEqual(await rows("SELECT id, name, email FROM User ORDER BY id"), [
    { id: 1, name: "Ada", email: "ada@example.com" },
    { id: 2, name: "Grace", email: null },
  ]);
  assert.match((await rows("SELECT sql FROM sqlite_master WHERE name = 'User'"))[0].sql, /UNIQUE/);

  // Lossy: removing a column that holds data is refused by push and reported by verify.
  p.setTables(LOSSY);
  r = await p.run(["verify"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stdout, /^DATA_LOSS$/m);
  r = await p.run(["verify", "--json"], env);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.status, "DATA_LOSS");
  assert.equal(report.code, "DATA_LOSS");
  assert.equal(report.exitCode, 1);
  assert.ok(report.data.some((m) => /User\.email/.test(m)), report.data);
  assert.ok(report.steps.some((s) => s.kind === "dropColumn" && s.column === "email"));
  const before = await snapshots();
  r = await p.run(["push"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /Column User\.email is removed, with its values\./);
  assert.match(r.stderr, /deprecated: true/);
  assert.match(r.stderr, /Nothing was changed/);
  assert.equal(await snapshots(), before);
  assert.deepEqual(await rows("SELECT email FROM User WHERE id = 1"), [{ email: "ada@example.com" }]);

  // The rename flow: add the new column and deprecate the old one, copy the data with
  // execute, then remove the deprecated column.
  p.setTables(RENAME1);
  r = await p.run(["push"], env);
  ok(r);
  p.write(
    "copy.ts",
    `import { db, User, sql } from 'astro:db';\nexport default async function () {\n  await db.update(User).set({ fullName: sql\`\${User.name} || '!'\` });\n}\n`,
  );
  r = await p.run(["execute", "copy.ts", "--remote"], env);
  ok(r);
  assert.match(r.stdout, new RegExp(`against ${where}`));
  p.setTables(RENAME2);
  r = await p.run(["push"], env);
  ok(r);
  assert.deepEqual(await rows("SELECT * FROM User ORDER BY id"), [
    { id: 1, fullName: "Ada!", email: "ada@example.com" },
    { id: 2, fullName: "Grace!", email: null },
  ]);
  r = await p.run(["verify"], env);
  assert.match(r.stdout, /^MATCH$/m);

  // --force-reset: refused without a terminal and without --yes; done with --yes.
  r = await p.run(["push", "--force-reset"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /pass --yes/);
  assert.equal((await rows("SELECT count(*) AS n FROM User"))[0].n, 2);
  r = await p.run(["push", "--force-reset", "--yes"], env);
  ok(r);
  assert.equal((await rows("SELECT count(*) AS n FROM User"))[0].n, 0);
  assert.match((await p.run(["verify"], env)).stdout, /^MATCH$/m);
}

test("serve on loopback with a token: the whole push history", { timeout: 120_000 }, async (t) => {
  const p = project(t, V1);
  const env = { ASTRO_DB_REMOTE_URL: server.url };
  await flow(t, p, { ...env, ASTRO_DB_APP_TOKEN: token }, server.url.replace(/[.]/g, "\\."));
});

test("file: remote read from .env, relative to the project", { timeout: 120_000 }, async (t) => {
  const p = project(t, V1);
  p.write(".env", "ASTRO_DB_REMOTE_URL=file:remote.db\n");
  await flow(t, p, {}, "file:remote\\.db");
});

test("an encrypted file: remote (encryptionKey in the URL): push, shell, verify; a wrong key is named, never shown", { timeout: 120_000 }, async (t) => {
  const { createClient } = await import("../dist/client/index.js");
  const p = project(t, V1);
  const env = { ASTRO_DB_REMOTE_URL: "file:vault.db?encryptionKey=open%20sesame" };
  const pushed = await p.run(["push"], env);
  assert.equal(pushed.code, 0, pushed.all);
  assert.ok(!pushed.all.includes("open sesame") && !pushed.all.includes("open%20sesame"), pushed.all);
  const inserted = await p.run(["shell", "--remote", "--query", "INSERT INTO User (id, name) VALUES (1, 'Ada')"], env);
  assert.equal(inserted.code, 0, inserted.all);
  const shown = await p.run(["shell", "--remote", "--query", "SELECT name FROM User"], env);
  assert.match(shown.stdout, /Ada/);
  assert.match((await p.run(["verify"], env)).stdout, /MATCH/);

  // The file is ciphered: another client needs the same key.
  const c = createClient({ url: `file:${p.dir}/vault.db`, encryptionKey: "open sesame" });
  assert.deepEqual((await c.execute("SELECT name FROM User")).rows.map((r) => r.name), ["Ada"]);
  c.close();
  for (const url of ["file:vault.db", "file:vault.db?encryptionKey=guess-123"]) {
    const r = await p.run(["shell", "--remote", "--query", "SELECT name FROM User"], { ASTRO_DB_REMOTE_URL: url });
    assert.equal(r.code, 1, r.all);
    assert.match(r.stderr, /encryptionKey/);
    assert.ok(!r.all.includes("guess-123"), r.all);
  }
  const typo = await p.run(["verify"], { ASTRO_DB_REMOTE_URL: "file:vault.db?encryptionkey=open%20sesame" });
  assert.equal(typo.code, 1, typo.all);
  assert.match(typo.stderr, /Unknown option "encryptionkey".*did you mean encryptionKey/s);
  assert.ok(!typo.all.includes("open sesame") && !typo.all.includes("open%20sesame"), typo.all);
});
