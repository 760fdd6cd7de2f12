// The CLI's edges: credentials (accepted, rejected, never printed), unreachable and missing
// URLs, memory: remotes, conflicts the data decides, the local database for shell/execute,
// the retired Studio commands, and --help everywhere.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { authServer, project } from "./cli.project.mjs";

let server;
let token;
let wrongToken;
let auth;

before(async () => {
  auth = await authServer("astro-db-cli-auth-");
  ({ server, token, wrongToken } = auth);
});
after(() => auth?.close());

const id = "column.number({ primaryKey: true })";
const V1 = { User: `{ id: ${id}, name: column.text() }` };

test("tokens: a bad or missing token is a clear 401 error and never printed; the flag wins over the env", { timeout: 60_000 }, async (t) => {
  const p = project(t, V1);
  const env = { ASTRO_DB_REMOTE_URL: server.url };
  for (const extra of [{ ASTRO_DB_APP_TOKEN: wrongToken }, {}]) {
    const r = await p.run(["push"], { ...env, ...extra });
    assert.equal(r.code, 1, r.all);
    assert.match(r.stderr, /refused the credentials \(401 Unauthorized\): [^\n]*\n {2}Hint: [^\n]*check ASTRO_DB_APP_TOKEN \(or --db-app-token\)/);
    assert.ok(!r.all.includes(wrongToken));
  }
  const r = await p.run(["push", "--db-app-token", token], { ...env, ASTRO_DB_APP_TOKEN: wrongToken });
  assert.equal(r.code, 0, r.all);
  assert.ok(!r.all.includes(token) && !r.all.includes(wrongToken));
  const v = await p.run(["verify"], { ...env, ASTRO_DB_APP_TOKEN: token });
  assert.match(v.stdout, /^MATCH$/m);
  // A token in the URL is redacted when the target is shown.
  const inUrl = await p.run(["verify"], { ASTRO_DB_REMOTE_URL: `${server.url}?authToken=${token}` });
  assert.match(inUrl.stdout, /authToken=\*\*\*/);
  assert.ok(!inUrl.all.includes(token), inUrl.all);
});

test("unreachable server, missing and malformed URLs, Studio token", async (t) => {
  const p = project(t, V1);
  let r = await p.run(["push"], { ASTRO_DB_REMOTE_URL: "http://127.0.0.1:9" });
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /Could not reach the database at http:\/\/127\.0\.0\.1:9/);
  r = await p.run(["push"], {});
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ASTRO_DB_REMOTE_URL is not set/);
  r = await p.run(["verify"], { ASTRO_DB_REMOTE_URL: "not a url" });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ASTRO_DB_REMOTE_URL/);
  assert.doesNotMatch(r.stderr, /TypeError/);
  r = await p.run(["push"], { ASTRO_DB_REMOTE_URL: "memory:", ASTRO_STUDIO_APP_TOKEN: "studio-secret" });
  assert.equal(r.code, 0, r.all);
  assert.match(r.stderr, /ASTRO_STUDIO_APP_TOKEN is set but Astro Studio is retired/);
  assert.match(r.stdout, /Pushed 1 statement/);
  assert.ok(!r.all.includes("studio-secret"));
});

test("conflicts the data decides: a unique over duplicates is refused, over distinct values applied", { timeout: 60_000 }, async (t) => {
  const p = project(t, V1);
  const env = { ASTRO_DB_REMOTE_URL: "file:remote.db" };
  assert.equal((await p.run(["push"], env)).code, 0);
  await p.run(["shell", "--remote", "--query", "INSERT INTO User VALUES (1, 'a'), (2, 'a')"], env);
  p.setTables({ User: `{ id: ${id}, name: column.text({ unique: true }) }` });
  let r = await p.run(["push"], env);
  assert.equal(r.code, 1, r.all);
  assert.match(r.stderr, /duplicate values cannot be copied/);
  assert.match(r.stderr, /Remove duplicate values before pushing\./);
  assert.match((await p.run(["verify", "--json"], env)).stdout, /"status": "DATA_LOSS"/);
  await p.run(["shell", "--remote", "--query", "UPDATE User SET name = 'b' WHERE id = 2"], env);
  r = await p.run(["push"], env);
  assert.equal(r.code, 0, r.all);
});

test("shell and execute on the local database; execute's errors", { timeout: 60_000 }, async (t) => {
  const p = project(t, V1);
  let r = await p.run(["shell", "--query", "SELECT 1"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /No local database at .*content\.db/);
  p.write("add.ts", "import { db, User } from 'astro:db';\nexport default async function () { await db.insert(User).values([{ id: 1, name: 'Local' }]); }\n");
  r = await p.run(["execute", "add.ts"]);
  assert.equal(r.code, 0, r.all);
  assert.ok(existsSync(join(p.dir, ".astro/content.db")));
  r = await p.run(["shell", "--query", "SELECT * FROM User"]);
  assert.equal(r.code, 0, r.all);
  assert.match(r.stdout, /^id \| name\s*\n-+\+-+\n1  \| Local\n\(1 row\)\n$/);
  r = await p.run(["shell", "--json", "--query", "SELECT * FROM User"]);
  assert.deepEqual(JSON.parse(r.stdout), [{ id: 1, name: "Local" }]);
  // ASTRO_DATABASE_FILE (relative to the project) replaces .astro/content.db.
  const fileEnv = { ASTRO_DATABASE_FILE: "data/prod.db" };
  r = await p.run(["execute", "add.ts"], fileEnv);
  assert.equal(r.code, 0, r.all);
  assert.ok(existsSync(join(p.dir, "data/prod.db")));
  r = await p.run(["shell", "--json", "--query", "SELECT count(*) AS n FROM User"], fileEnv);
  assert.deepEqual(JSON.parse(r.stdout), [{ n: 1 }]);
  // Its file options are the built server's: a rollback-journal file stays one (byte 18 of
  // the header: 1 rollback journal, 2 WAL), and a bad option is named.
  const journalEnv = { ASTRO_DATABASE_FILE: "data/journal.db?journalMode=delete&busyTimeout=250" };
  r = await p.run(["execute", "add.ts"], journalEnv);
  assert.equal(r.code, 0, r.all);
  r = await p.run(["shell", "--json", "--query", "SELECT count(*) AS n FROM User"], journalEnv);
  assert.deepEqual(JSON.parse(r.stdout), [{ n: 1 }]);
  assert.equal(readFileSync(join(p.dir, "data/journal.db"))[18], 1);
  assert.ok(!existsSync(join(p.dir, "data/journal.db?journalMode=delete&busyTimeout=250")));
  r = await p.run(["shell", "--query", "SELECT 1"], { ASTRO_DATABASE_FILE: "data/journal.db?journalMode=truncate" });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ASTRO_DATABASE_FILE: .*journalMode "truncate"/);
  r = await p.run(["execute", "missing.ts"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /File not found: missing\.ts/);
  p.write("nodefault.ts", "export const x = 1;\n");
  r = await p.run(["execute", "nodefault.ts"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nodefault\.ts has no default export function/);
  p.write("throws.ts", "import { db, sql } from 'astro:db';\nexport default async function () { await db.run(sql`SELECT * FROM Nope`); }\n");
  r = await p.run(["execute", "throws.ts"]);
  assert.equal(r.code, 1);
  // The database's error first, then Drizzle's wrapper (without the cause repeated).
  assert.match(r.stderr, /throws\.ts failed: SQLITE_ERROR: no such table: Nope\n\(Failed query: /);
  assert.doesNotMatch(r.stderr, /cause: SQLITE_ERROR/);
  r = await p.run(["shell"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Missing --query/);
});

test("retired commands say what replaced them; every command has --help", async (t) => {
  const p = project(t);
  for (const [cmd, code, pattern] of [
    ["login", 1, /Astro Studio is retired/],
    ["logout", 0, /ASTRO_DB_REMOTE_URL/],
    ["link", 1, /ASTRO_DB_REMOTE_URL/],
    ["gen", 0, /no longer needed/],
    ["sync", 0, /no longer needed/],
  ]) {
    const r = await p.run([cmd]);
    assert.equal(r.code, code, `${cmd}: ${r.all}`);
    assert.match(r.all, pattern);
  }
  for (const cmd of ["push", "verify", "shell", "execute", "login", "logout", "link", "gen", "sync", "init", "serve", "token", "studio"]) {
    const r = await p.run([cmd, "--help"]);
    assert.equal(r.code, 0, `${cmd}: ${r.all}`);
    assert.match(r.stdout, new RegExp(`Usage: astro-db ${cmd}`));
  }
  const help = await p.run(["help"]);
  for (const c of ["push", "verify", "shell", "execute", "studio"]) assert.match(help.stdout, new RegExp(`^  ${c} `, "m"));
  // The studio names what is wrong before it listens.
  const port = await p.run(["studio", "--port", "http"]);
  assert.equal(port.code, 1);
  assert.match(port.stderr, /--port must be a number from 0 to 65535, not "http"/);
  const noDb = await p.run(["studio"]);
  assert.equal(noDb.code, 1);
  assert.match(noDb.stderr, /No local database at .*content\.db: run `astro dev` first, or pass --remote/);
  const bad = await p.run(["push", "--frobnicate"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Unknown option --frobnicate/);
});
