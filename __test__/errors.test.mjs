// One error model: every class of failure (constraints by kind, syntax, missing table, auth,
// network, wrong encryption key, bad URL option) gets the same code, hint and cause chain from
// a local file and from a real `astro-db serve`, whether the user meets it through `explain`,
// through `astro:db`'s Drizzle errors at run time or through the CLI.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createClient } from "@astrojs/db/client";
import { AstroDbError, UsageError, RemoteDbError, causes, withHint } from "../dist/errors.js";
import { explain, failureKind, hintFor, ENCRYPTED_HINT, URL_HINT } from "../dist/explain.js";
import { remoteTargetSettings } from "../dist/runtime/remote-url.js";
import { createRemoteDatabase } from "../dist/runtime/remote.js";
import { authServer, project } from "./cli.project.mjs";

const dir = mkdtempSync(join(tmpdir(), "astro-db-errors-"));
let auth;
before(async () => {
  auth = await authServer("astro-db-errors-serve-");
});
after(async () => {
  await auth?.close();
  rmSync(dir, { recursive: true, force: true });
});

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS Author (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0))",
  "CREATE TABLE IF NOT EXISTS Post (id INTEGER PRIMARY KEY, author INTEGER NOT NULL REFERENCES Author(id))",
  "DELETE FROM Post",
  "DELETE FROM Author",
  "INSERT INTO Author (id, name, age) VALUES (1, 'Ada', 36)",
];

/** Each class: the statement, the code `explain` keeps, and the kind that chooses the hint. */
const SQL_CLASSES = [
  ["unique", "INSERT INTO Author (id, name) VALUES (2, 'Ada')", "SQLITE_CONSTRAINT_UNIQUE"],
  ["primary key", "INSERT INTO Author (id, name) VALUES (1, 'Bob')", "SQLITE_CONSTRAINT_PRIMARYKEY"],
  ["not null", "INSERT INTO Author (id, name) VALUES (3, NULL)", "SQLITE_CONSTRAINT_NOTNULL"],
  ["check", "INSERT INTO Author (id, name, age) VALUES (4, 'Cy', -1)", "SQLITE_CONSTRAINT_CHECK"],
  ["foreign key", "INSERT INTO Post (id, author) VALUES (1, 99)", "SQLITE_CONSTRAINT_FOREIGNKEY"],
  ["missing table", "SELECT * FROM Nope", "MISSING_TABLE"],
  ["syntax", "SELEC 1", "SYNTAX"],
];

async function failure(client, statement) {
  try {
    await client.execute(statement);
  } catch (e) {
    return e;
  }
  assert.fail(`${statement} did not fail`);
}

function targets() {
  return {
    local: () => createClient({ url: `file:${join(dir, "local.db")}` }),
    remote: () => createClient({ url: auth.server.url, authToken: auth.token }),
  };
}

for (const [where, make] of Object.entries(targets())) {
  test(`${where}: each SQL failure has its code, its hint and the database's error as cause`, async () => {
    const client = make();
    try {
      for (const s of SCHEMA) await client.execute(s);
      if (where === "local") await client.execute("PRAGMA foreign_keys = ON");
      const hints = new Map();
      for (const [name, statement, kind] of SQL_CLASSES) {
        const e = await failure(client, statement);
        assert.equal(failureKind(e), where === "remote" && kind === "SQLITE_CONSTRAINT_PRIMARYKEY" ? "SQLITE_CONSTRAINT_UNIQUE" : kind, `${name}: ${e.message}`);
        const err = explain(e, `shell failed`, { shown: "the db", remote: where === "remote" });
        assert.ok(err instanceof AstroDbError, name);
        assert.equal(err.cause, e, `${name}: the database's error is the cause`);
        // The chain: ours, the client's LibsqlError, the native error (the code all the way down).
        const chain = causes(err);
        assert.equal(chain[1], e);
        assert.ok(chain.slice(1).every((c) => c.code === e.code), name);
        // The code is the database's, as precise as it knows it (extended when it has one).
        // Over Hrana the constraint's kind comes from SQLite's wording, which calls an INTEGER
        // PRIMARY KEY collision a UNIQUE failure (same hint).
        const remotePk = where === "remote" && kind === "SQLITE_CONSTRAINT_PRIMARYKEY";
        const expected = remotePk ? "SQLITE_CONSTRAINT_UNIQUE" : kind.startsWith("SQLITE_CONSTRAINT") ? kind : e.code;
        assert.equal(err.code, expected, name);
        assert.equal(err.hint, hintFor(e, { shown: "the db", remote: where === "remote" }), name);
        assert.ok(err.hint, `${name} has a hint`);
        assert.ok(!err.message.includes(err.hint), `${name}: the hint is not folded into the message`);
        assert.equal(withHint(err), `${err.message}\n  Hint: ${err.hint}`);
        hints.set(name, err.hint);
      }
      // The hints tell the kinds apart (a primary key is a unique value).
      assert.equal(hints.get("primary key"), hints.get("unique"));
      hints.delete("primary key");
      assert.equal(new Set(hints.values()).size, hints.size, JSON.stringify([...hints]));
    } finally {
      client.close();
    }
  });
}

test("remote missing table: the push hint, remote only", async () => {
  const local = await failure(createClient({ url: ":memory:" }), "SELECT * FROM Nope");
  assert.match(hintFor(local, { remote: false }), /is it in db\/config\.ts/);
  assert.match(hintFor(local, { remote: true, shown: "http://h" }), /^The remote database at http:\/\/h lacks this table: push the schema first with `npx astro-db push --remote`/);
});

test("auth, network, wrong encryption key and bad URL option: code, hint, cause", async () => {
  const bad = createClient({ url: auth.server.url, authToken: auth.wrongToken });
  const e401 = await failure(bad, "SELECT 1");
  bad.close();
  assert.equal(e401.code, "SERVER_ERROR");
  assert.equal(e401.status, 401);
  const auth401 = explain(e401, "probe", { shown: "S", remote: true, secrets: [auth.wrongToken] });
  assert.equal(auth401.code, "SERVER_ERROR");
  assert.equal(auth401.hint, "The remote database at S rejected the credentials: check ASTRO_DB_APP_TOKEN (or --db-app-token): it must be a token the server accepts.");
  assert.equal(auth401.cause, e401);
  assert.ok(!auth401.message.includes(auth.wrongToken));

  const down = createClient({ url: "http://127.0.0.1:9" });
  const eNet = await failure(down, "SELECT 1");
  down.close();
  const net = explain(eNet, "probe", { shown: "http://127.0.0.1:9", remote: true });
  assert.equal(net.code, "SERVER_UNREACHABLE");
  assert.equal(net.hint, "Could not reach the remote database at http://127.0.0.1:9: check ASTRO_DB_REMOTE_URL and that the server is running and reachable from here.");
  assert.equal(net.cause, eNet);

  // `fetch failed` (the web client's network error) keeps the reason in `.cause.code`.
  const fetchFailed = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
  assert.equal(failureKind(fetchFailed), "NETWORK");
  assert.equal(explain(fetchFailed, undefined).code, "ECONNREFUSED");

  const file = join(dir, "enc.db");
  const keyed = createClient({ url: `file:${file}`, encryptionKey: "right key" });
  await keyed.execute("CREATE TABLE t (x)");
  keyed.close();
  const wrong = createClient({ url: `file:${file}`, encryptionKey: "wrong key" });
  const eKey = await failure(wrong, "SELECT * FROM t");
  wrong.close();
  const key = explain(eKey, "open", { secrets: ["wrong key"] });
  assert.equal(key.code, "SQLITE_NOTADB");
  assert.equal(key.hint, ENCRYPTED_HINT);
  assert.equal(key.cause, eKey);

  let option;
  try {
    remoteTargetSettings({ ASTRO_DB_REMOTE_URL: "file:x.db?encryptionkey=s3cret" });
  } catch (e) {
    option = e;
  }
  assert.ok(option instanceof AstroDbError && option instanceof RemoteDbError);
  assert.equal(option.code, "ASTRO_DB_URL_OPTION");
  assert.equal(option.hint, "Options are case-sensitive: did you mean encryptionKey?");
  assert.ok(!option.message.includes("s3cret"), option.message);
  assert.ok(!option.message.includes("Hint"), "the hint is not in the message");

  let url;
  try {
    createClient({ url: "libsql://" });
  } catch (e) {
    url = e;
  }
  assert.equal(explain(url, "ASTRO_DB_REMOTE_URL").code, "URL_INVALID");
  assert.equal(explain(url, "ASTRO_DB_REMOTE_URL").hint, URL_HINT);
  assert.ok(new UsageError("x") instanceof AstroDbError);
  assert.equal(new UsageError("x").code, "ASTRO_DB_USAGE");
});

test("astro:db at run time (remote): the Drizzle error's message carries the cause and the hint; codes stay found", async () => {
  const key = Symbol.for("@astrojs/db:remote");
  globalThis[key] = { url: auth.server.url, token: auth.token };
  try {
    const db = createRemoteDatabase();
    let e;
    try {
      await db.run(sql`SELECT * FROM NoSuchTable`);
    } catch (err) {
      e = err;
    }
    assert.ok(e, "the query failed");
    assert.match(e.message, /cause: SQLITE_UNKNOWN: SQLite error: no such table: NoSuchTable/);
    assert.match(e.message, /\n {2}Hint: The remote database at http:\/\/127\.0\.0\.1:\d+ lacks this table: push the schema first/);
    const db0 = causes(e).find((c) => c?.libsqlError);
    assert.equal(db0.code, "SQLITE_UNKNOWN");
    assert.match(db0.hint, /lacks this table/);
    assert.doesNotMatch(db0.message, /Hint/, "the database's own message is unchanged");

    globalThis[key] = { url: auth.server.url, token: auth.wrongToken };
    try {
      await createRemoteDatabase().run(sql`SELECT 1`);
    } catch (err) {
      e = err;
    }
    assert.match(e.message, /Hint: The remote database at http:\/\/127\.0\.0\.1:\d+ rejected the credentials/);
    assert.ok(!e.message.includes(auth.wrongToken));
  } finally {
    delete globalThis[key];
  }
});

test("CLI: the message, then the hint on its own line; exit code 1; nothing secret", { timeout: 120_000 }, async (t) => {
  const p = project(t, { Author: "{ id: column.number({ primaryKey: true }), name: column.text() }" });
  const remote = { ASTRO_DB_REMOTE_URL: auth.server.url, ASTRO_DB_APP_TOKEN: auth.token };
  const cases = [
    // [args, env, message, hint]
    [["shell", "--remote", "--query", "SELECT * FROM Nope"], remote, /no such table: Nope/, /^ {2}Hint: The remote database at http:\/\/127\.0\.0\.1:\d+\/? lacks this table: push the schema first/m],
    [["shell", "--remote", "--query", "SELEC 1"], remote, /SQL_PARSE_ERROR/, /^ {2}Hint: The SQL does not parse/m],
    [["shell", "--remote", "--query", "SELECT 1"], { ...remote, ASTRO_DB_APP_TOKEN: auth.wrongToken }, /refused the credentials \(401 Unauthorized\)/, /^ {2}Hint: The remote database at .* rejected the credentials: check ASTRO_DB_APP_TOKEN/m],
    [["shell", "--remote", "--query", "SELECT 1"], { ASTRO_DB_REMOTE_URL: "http://127.0.0.1:9" }, /^Could not reach the database at http:\/\/127\.0\.0\.1:9/m, /^ {2}Hint: Could not reach the remote database at http:\/\/127\.0\.0\.1:9: check ASTRO_DB_REMOTE_URL/m],
    [["shell", "--remote", "--query", "SELECT 1"], { ASTRO_DB_REMOTE_URL: "file:x.db?encryptionkey=s3cret" }, /Unknown option "encryptionkey"/, /^ {2}Hint: Options are case-sensitive: did you mean encryptionKey\?$/m],
  ];
  for (const [args, env, message, hint] of cases) {
    const r = await p.run(args, env);
    assert.equal(r.code, 1, r.all);
    assert.match(r.stderr, message, r.stderr);
    assert.match(r.stderr, hint, r.stderr);
    assert.equal(r.stderr.match(/Hint:/g).length, 1, `one hint: ${r.stderr}`);
    for (const s of [auth.token, auth.wrongToken, "s3cret"]) assert.ok(!r.all.includes(s), r.all);
  }
  // A local file.
  const file = { ASTRO_DB_REMOTE_URL: "file:local.db" };
  const made = await p.run(["shell", "--remote", "--query", "CREATE TABLE Author (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"], file);
  assert.equal(made.code, 0, made.all);
  const nn = await p.run(["shell", "--remote", "--query", "INSERT INTO Author (id) VALUES (1)"], file);
  assert.equal(nn.code, 1, nn.all);
  assert.match(nn.stderr, /NOT NULL constraint failed: Author\.name/);
  assert.match(nn.stderr, /^ {2}Hint: A required column got no value/m);
});

test("a seed's failing row as shown: secrets hidden by column name, long values cut", async () => {
  const { showRow } = await import("../dist/runtime/insert-errors.js");
  const long = "y".repeat(100);
  assert.equal(
    showRow({ id: 1, authorId: 2, authToken: "t0k", password: "pw", api_key: "k", apiKey: "k", secretary: "Ann", note: long, when: new Date(0), blob: new Uint8Array(3), big: 5n, nothing: null }),
    `{ id: 1, authorId: 2, authToken: ***, password: ***, api_key: ***, apiKey: ***, secretary: "Ann", note: "${"y".repeat(60)}…" (100 chars), when: 1970-01-01T00:00:00.000Z, blob: <3 bytes>, big: 5n, nothing: null }`,
  );
});

test("@libsql/client's shape (mode: 'web'): the HTTP status on the cause is enough", () => {
  const http = Object.assign(new Error("Server returned HTTP status 401"), { status: 401 });
  const outer = Object.assign(new Error("SERVER_ERROR: Server returned HTTP status 401", { cause: http }), { code: "SERVER_ERROR" });
  assert.equal(failureKind(outer), "AUTH");
  assert.match(hintFor(outer, { shown: "S", remote: true }), /^The remote database at S rejected the credentials/);
});
