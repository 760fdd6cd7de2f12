// Remote mode on Astro 7: `astro dev --remote` and `astro build --remote` against a real
// libSQL server (`serve` on loopback, optionally with JWT auth): no reset and no seeding,
// static pages hold the server's rows, a server build reads URL and token from its run-time
// environment and never contains the token, `mode: 'web'` runs without native code, and
// every misconfiguration stops with an error naming what to fix.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ASTRO6, ASTRO7, Server, fixture, freePort, start, workspace } from "./harness.mjs";
import { createAuthToken, generateKeyPair, serve } from "../../dist/server/index.js";
import { createClient } from "../../dist/client/index.js";
import { checkWebClient, resolveRemote } from "../../dist/integration/remote.js";

const DDL = 'CREATE TABLE "Item" ("id" integer PRIMARY KEY, "name" text NOT NULL, "tags" text)';
const tmp = mkdtempSync(join(tmpdir(), "astro-db-remote-"));
const servers = [];

async function libsqlServer({ auth = false, tables = true, rows = ["alpha", "beta"] } = {}) {
  const keys = auth ? generateKeyPair() : undefined;
  const srv = await serve({ db: join(tmp, `db-${servers.length}.db`), port: 0, authJwtKey: keys?.publicKey, log: () => {}, handleSignals: false });
  servers.push(srv);
  const token = keys ? createAuthToken({ privateKey: keys.privateKey }) : undefined;
  const client = createClient({ url: srv.url, authToken: token });
  if (tables) {
    await client.execute(DDL);
    for (const [i, name] of rows.entries()) await client.execute({ sql: "INSERT INTO Item (id, name) VALUES (?, ?)", args: [i + 1, name] });
  }
  client.close();
  const badToken = keys ? createAuthToken({ privateKey: generateKeyPair().privateKey }) : undefined;
  return { url: srv.url, token, badToken, client: () => createClient({ url: srv.url, authToken: token }) };
}

after(async () => {
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
});

let ws;
before(async () => {
  ws = await workspace(ASTRO7);
});

const astro = (p, args, env) => p.astro(args, { env });

/** A project without the on-demand endpoint (static output has no adapter for it). */
function staticProject(as) {
  const p = fixture(ws, "remote", { as });
  p.remove("src/pages/api");
  return p;
}

/** Every file under `dir` that contains `needle`. */
function filesContaining(dir, needle) {
  const hits = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const f = join(d, name);
      if (statSync(f).isDirectory()) walk(f);
      else if (readFileSync(f).includes(needle)) hits.push(f);
    }
  };
  walk(dir);
  return hits;
}

test("--remote without ASTRO_DB_REMOTE_URL, or with a malformed one, stops at startup", { timeout: 120_000 }, async () => {
  const p = staticProject("remote-missing");
  const missing = await astro(p, ["build", "--remote"]);
  assert.notEqual(missing.code, 0, missing.output);
  assert.match(missing.output, /ASTRO_DB_REMOTE_URL/);
  assert.doesNotMatch(missing.output, /TypeError|Invalid URL|seed ran|New local database/);

  const malformed = await astro(p, ["build", "--remote"], { ASTRO_DB_REMOTE_URL: "libsql://", ASTRO_DB_APP_TOKEN: "sekret-token-123" });
  assert.notEqual(malformed.code, 0, malformed.output);
  assert.match(malformed.output, /ASTRO_DB_REMOTE_URL is not a usable database URL/);
  assert.doesNotMatch(malformed.output, /TypeError|Invalid URL|sekret-token-123/);

  const unreachable = await astro(p, ["build", "--remote"], { ASTRO_DB_REMOTE_URL: `http://127.0.0.1:${await freePort()}` });
  assert.notEqual(unreachable.code, 0, unreachable.output);
  assert.match(unreachable.output, /Could not reach the remote database at http:\/\/127\.0\.0\.1/);
});

test("astro build --remote: static pages hold the server's rows; no reset, no seed", { timeout: 120_000 }, async () => {
  const db = await libsqlServer();
  const p = staticProject("remote-static");
  const r = await astro(p, ["build", "--remote"], { ASTRO_DB_REMOTE_URL: db.url });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Connected to remote database\. \(http:\/\/127\.0\.0\.1:\d+\)/);
  assert.doesNotMatch(r.output, /seed ran|New local database|Seeded/);
  const html = p.read("dist/index.html");
  assert.match(html, /<li class="item">alpha<\/li>\s*<li class="item">beta<\/li>/);
  assert.ok(!p.exists(".astro/content.db"), "no local database");
  // The server's rows are untouched (no reset).
  const c = db.client();
  assert.equal((await c.execute("SELECT count(*) AS n FROM Item")).rows[0].n, 2);
  c.close();
  // .env works as well as the environment.
  p.write(".env", `ASTRO_DB_REMOTE_URL=${db.url}\n`);
  const fromFile = await astro(p, ["build", "--remote"]);
  assert.equal(fromFile.code, 0, fromFile.output);
  assert.match(p.read("dist/index.html"), /alpha/);
});

test("a file: URL as the remote database (relative to the project)", { timeout: 120_000 }, async () => {
  const p = staticProject("remote-file");
  const c = createClient({ url: `file:${p.path("remote.db")}` });
  await c.execute(DDL);
  await c.execute("INSERT INTO Item (id, name) VALUES (1, 'from a file')");
  c.close();
  const r = await astro(p, ["build", "--remote"], { ASTRO_DB_REMOTE_URL: "file:remote.db" });
  assert.equal(r.code, 0, r.output);
  assert.match(p.read("dist/index.html"), /<li class="item">from a file<\/li>/);
  assert.doesNotMatch(r.output, /seed ran/);
});

test("an encrypted file: URL (encryptionKey in the query): built and served, the key never in dist/", { timeout: 240_000 }, async (t) => {
  const key = "k3y-7d1e/with?odd&chars";
  const p = fixture(ws, "remote", { as: "remote-encrypted" });
  const c = createClient({ url: `file:${p.path("secret.db")}`, encryptionKey: key });
  await c.execute(DDL);
  await c.execute("INSERT INTO Item (id, name) VALUES (1, 'ciphered')");
  c.close();
  const url = `file:secret.db?encryptionKey=${encodeURIComponent(key)}`;
  const r = await astro(p, ["build", "--remote"], { FIXTURE_OUTPUT: "server", ASTRO_DB_REMOTE_URL: url });
  assert.equal(r.code, 0, r.output);
  assert.match(p.read("dist/client/index.html"), /<li class="item">ciphered<\/li>/);
  assert.deepEqual(filesContaining(p.path("dist"), encodeURIComponent(key)), []);
  assert.deepEqual(filesContaining(p.path("dist"), key), []);
  assert.ok(!r.output.includes(key) && !r.output.includes(encodeURIComponent(key)));

  // At run time the key comes with the environment's URL; without it the error says what to check.
  let server = await p.serve(t, { env: { ASTRO_DB_REMOTE_URL: url } });
  assert.deepEqual((await server.json("/api/items.json")).body, ["ciphered"]);
  await server.stop();
  server = await p.serve(t);
  const res = await server.json("/api/items.json");
  assert.equal(res.status, 500);
  assert.match(res.body.error, /encryptionKey/);
  await server.stop();

  // A wrong key stops the build at startup, naming the option, not showing the key.
  const wrong = await astro(p, ["build", "--remote"], { FIXTURE_OUTPUT: "server", ASTRO_DB_REMOTE_URL: "file:secret.db?encryptionKey=nope-wrong" });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.output, /encryptionKey/);
  assert.ok(!wrong.output.includes("nope-wrong"), wrong.output);
});

test("an embedded replica URL (file: with syncUrl): the build reads a local copy of the server", { timeout: 120_000 }, async () => {
  const db = await libsqlServer({ auth: true, rows: ["primary row"] });
  const p = staticProject("remote-replica");
  const url = `file:replica.db?syncUrl=${encodeURIComponent(db.url)}&readYourWrites=false`;
  const r = await astro(p, ["build", "--remote"], { ASTRO_DB_REMOTE_URL: url, ASTRO_DB_APP_TOKEN: db.token });
  assert.equal(r.code, 0, r.output);
  assert.match(p.read("dist/index.html"), /<li class="item">primary row<\/li>/);
  assert.ok(statSync(p.path("replica.db")).size > 0 && statSync(p.path("replica.db-info")).size > 0);
  assert.ok(!r.output.includes(db.token));
});

test("Astro 6: astro build --remote", { timeout: 300_000 }, async () => {
  const db = await libsqlServer({ auth: true });
  const ws6 = await workspace(ASTRO6);
  const p = fixture(ws6, "remote", { as: "remote-astro6" });
  p.remove("src/pages/api");
  const r = await p.astro(["build", "--remote"], { env: { ASTRO_DB_REMOTE_URL: db.url, ASTRO_DB_APP_TOKEN: db.token } });
  assert.equal(r.code, 0, r.output);
  assert.match(p.read("dist/index.html"), /<li class="item">alpha<\/li>/);
  assert.deepEqual(filesContaining(p.path("dist"), db.token), []);
});

test("astro dev --remote reads the server live", { timeout: 120_000 }, async (t) => {
  const db = await libsqlServer({ auth: true, rows: ["one"] });
  const p = staticProject("remote-dev");
  const port = await freePort();
  const proc = start(process.execPath, [ws.astroBin, "dev", "--remote", "--port", String(port), "--host", "127.0.0.1"], {
    cwd: p.root,
    env: { ASTRO_DB_REMOTE_URL: db.url, ASTRO_DB_APP_TOKEN: db.token },
  });
  const server = new Server(proc, `http://127.0.0.1:${port}`);
  t.after(() => server.stop());
  await proc.waitFor(/ready in|Local\s+http/i, { timeout: 90_000 });
  assert.match((await server.fetch("/")).text, /<li class="item">one<\/li>/);
  const c = db.client();
  await c.execute("INSERT INTO Item (id, name) VALUES (2, 'two')");
  c.close();
  assert.match((await server.fetch("/")).text, /one<\/li>\s*<li class="item">two/);
  // The module as a browser would get it has no token (server code gets it in dev only).
  const asClient = await server.fetch("/@id/__x00__astro:db");
  assert.equal(asClient.status, 200, asClient.text);
  assert.match(asClient.text, /createRemoteDatabase/);
  assert.ok(!asClient.text.includes(db.token), "no token in the client module");
  // Editing the seed file does not seed the remote database.
  p.write("db/seed.ts", p.read("db/seed.ts") + "\n// edited\n");
  await new Promise((r) => setTimeout(r, 1500));
  assert.match(server.output, /Connected to remote database\./);
  assert.doesNotMatch(server.output, /seed ran|New local database|Seeded/);
  assert.ok(!server.output.includes(db.token), "the token is never printed");
});

test("auth: a rejected or missing token stops the build with a clear error", { timeout: 120_000 }, async () => {
  const db = await libsqlServer({ auth: true });
  const p = staticProject("remote-auth");
  const bad = await astro(p, ["build", "--remote"], { ASTRO_DB_REMOTE_URL: db.url, ASTRO_DB_APP_TOKEN: db.badToken });
  assert.notEqual(bad.code, 0, bad.output);
  assert.match(bad.output, /rejected the token/);
  assert.match(bad.output, /ASTRO_DB_APP_TOKEN/);
  assert.ok(!bad.output.includes(db.badToken));
  const none = await astro(p, ["build", "--remote"], { ASTRO_DB_REMOTE_URL: db.url });
  assert.notEqual(none.code, 0, none.output);
  assert.match(none.output, /needs a token/);
  assert.match(none.output, /ASTRO_DB_APP_TOKEN/);
});

test("missing tables: a warning at startup, and the failing query says to push", { timeout: 120_000 }, async () => {
  const db = await libsqlServer({ tables: false });
  const p = staticProject("remote-empty");
  const r = await astro(p, ["build", "--remote"], { ASTRO_DB_REMOTE_URL: db.url });
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /remote database has no table Item: push the schema/);
  assert.match(r.output, /astro-db push --remote/);
});

test("server build --remote: URL and token read at run time, never in dist/", { timeout: 240_000 }, async (t) => {
  const db = await libsqlServer({ auth: true });
  const p = fixture(ws, "remote", { as: "remote-server" });
  // --db-app-token wins over a wrong ASTRO_DB_APP_TOKEN.
  await p.astro(["build", "--remote", "--db-app-token", db.token], {
    env: { FIXTURE_OUTPUT: "server", ASTRO_DB_REMOTE_URL: db.url, ASTRO_DB_APP_TOKEN: db.badToken },
  }).then((r) => assert.equal(r.code, 0, r.output));
  assert.match(p.read("dist/client/index.html"), /<li class="item">alpha<\/li>/);
  assert.deepEqual(filesContaining(p.path("dist"), db.token), []);
  assert.deepEqual(filesContaining(p.path("dist"), db.badToken), []);

  // Without a token at run time: a clear error naming the variable, from the first query.
  let server = await p.serve(t);
  let r = await server.json("/api/items.json");
  assert.equal(r.status, 500);
  assert.match(r.body.error, /ASTRO_DB_APP_TOKEN/);
  await server.stop();

  // With the token in the run-time environment (the URL falls back to the build's).
  server = await p.serve(t, { env: { ASTRO_DB_APP_TOKEN: db.token } });
  r = await server.json("/api/items.json");
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, ["alpha", "beta"]);
  const posted = await server.fetch("/api/items.json", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id: 3, name: "gamma" }) });
  assert.equal(posted.status, 201, posted.text);
  await server.stop();

  // An unreachable run-time URL: the failing query says which variable to check.
  server = await p.serve(t, { env: { ASTRO_DB_REMOTE_URL: `http://127.0.0.1:${await freePort()}` } });
  r = await server.json("/api/items.json");
  assert.equal(r.status, 500);
  assert.match(r.body.error, /Could not reach the remote database at http:\/\/127\.0\.0\.1:\d+: check ASTRO_DB_REMOTE_URL/);
  await server.stop();

  // The run-time URL wins: the same build against another server.
  const other = await libsqlServer({ rows: ["elsewhere"] });
  server = await p.serve(t, { env: { ASTRO_DB_REMOTE_URL: other.url } });
  assert.deepEqual((await server.json("/api/items.json")).body, ["elsewhere"]);
  await server.stop();
  const c = db.client();
  assert.deepEqual((await c.execute("SELECT name FROM Item ORDER BY id")).rows.map((x) => x.name), ["alpha", "beta", "gamma"]);
  c.close();
});

test("mode: 'web': no native code in the server; ws: URLs are a clear error", { timeout: 240_000 }, async (t) => {
  const db = await libsqlServer({ auth: true });
  const p = fixture(ws, "remote", { as: "remote-web" });
  const env = { FIXTURE_OUTPUT: "server", FIXTURE_DB_MODE: "web", ASTRO_DB_REMOTE_URL: db.url, ASTRO_DB_APP_TOKEN: db.token };

  // (A missing @libsql/client cannot be shown here: the repository's own node_modules,
  // an ancestor of the workspace, has it.)
  const inst = spawnSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", "@libsql/client@0.18.0"], { cwd: p.root, encoding: "utf8" });
  assert.equal(inst.status, 0, inst.stderr);

  const wsUrl = await p.astro(["build", "--remote"], { env: { ...env, ASTRO_DB_REMOTE_URL: db.url.replace(/^http/, "ws") } });
  assert.notEqual(wsUrl.code, 0, wsUrl.output);
  assert.match(wsUrl.output, /accepts only libsql:, https: and http: URLs/);

  const built = await p.astro(["build", "--remote"], { env });
  assert.equal(built.code, 0, built.output);
  assert.match(p.read("dist/client/index.html"), /<li class="item">alpha<\/li>/);
  assert.deepEqual(filesContaining(p.path("dist"), db.token), []);

  // astro dev --remote in web mode (the dev server itself runs on Node).
  const port = await freePort();
  const proc = start(process.execPath, [ws.astroBin, "dev", "--remote", "--port", String(port), "--host", "127.0.0.1"], { cwd: p.root, env });
  const dev = new Server(proc, `http://127.0.0.1:${port}`);
  t.after(() => dev.stop());
  await proc.waitFor(/ready in|Local\s+http/i, { timeout: 90_000 });
  assert.deepEqual((await dev.json("/api/items.json")).body, ["alpha", "beta"]);
  await dev.stop();

  // Native addons cannot load at all in this server process.
  const server = await p.serve(t, { env: { NODE_OPTIONS: "--no-addons", ASTRO_DB_APP_TOKEN: db.token } });
  const r = await server.json("/api/items.json");
  assert.equal(r.status, 200, r.text + server.output);
  assert.deepEqual(r.body, ["alpha", "beta"]);
  await server.stop();

  // Bad token and unreachable server through @libsql/client/web: the same hints.
  const bad = await p.serve(t, { env: { NODE_OPTIONS: "--no-addons", ASTRO_DB_APP_TOKEN: db.badToken } });
  assert.match((await bad.json("/api/items.json")).body.error, /rejected the credentials: check ASTRO_DB_APP_TOKEN/);
  await bad.stop();
  const down = await p.serve(t, { env: { NODE_OPTIONS: "--no-addons", ASTRO_DB_REMOTE_URL: `http://127.0.0.1:${await freePort()}` } });
  assert.match((await down.json("/api/items.json")).body.error, /Could not reach the remote database/);
  await down.stop();

  // A libsql: URL at run time (over plain HTTP with tls=0, as @libsql/client/web reads it).
  const other = await libsqlServer({ rows: ["via libsql:"] });
  const libsqlUrl = other.url.replace(/^http:/, "libsql:") + "?tls=0";
  const server2 = await p.serve(t, { env: { NODE_OPTIONS: "--no-addons", ASTRO_DB_REMOTE_URL: libsqlUrl } });
  assert.deepEqual((await server2.json("/api/items.json")).body, ["via libsql:"]);
  await server2.stop();
});

test("startup checks without Astro: missing @libsql/client for mode: 'web', URL handling", () => {
  const root = new URL(`file://${mkdtempSync(join(tmpdir(), "no-libsql-"))}/`);
  assert.throws(() => checkWebClient(root), (e) => /@libsql\/client\/web/.test(e.message) && /npm install @libsql\/client/.test(e.hint));
  assert.throws(() => resolveRemote({}, "node", []), (e) => /ASTRO_DB_REMOTE_URL/.test(e.message) && /ASTRO_DB_APP_TOKEN/.test(e.hint));
  assert.throws(() => resolveRemote({ ASTRO_DB_REMOTE_URL: "not a url" }, "node", []), /ASTRO_DB_REMOTE_URL is not a usable database URL/);
  assert.throws(() => resolveRemote({ ASTRO_DB_REMOTE_URL: "file:x.db" }, "web", []), /mode: 'web'.*libsql:, https: and http:/s);
  // The flag wins over the variable; a token in the URL never reaches what is inlined.
  const conn = resolveRemote({ ASTRO_DB_REMOTE_URL: "libsql://db.example.com?authToken=s3cret&tls=1", ASTRO_DB_APP_TOKEN: "env" }, "node", ["build", "--db-app-token=flag"]);
  assert.equal(conn.token, "flag");
  assert.equal(conn.publicUrl, "libsql://db.example.com?tls=1");
  assert.ok(!conn.shown.includes("s3cret"));

  // Query options become client options, as with upstream; secrets stay out of the public URL.
  const site = new URL(`file://${mkdtempSync(join(tmpdir(), "astro-db-site-"))}/`);
  const file = resolveRemote({ ASTRO_DB_REMOTE_URL: "file:prod.db?encryptionKey=a%26b&concurrency=4" }, "node", [], site);
  assert.deepEqual(file.config, { url: new URL("prod.db", site).href, encryptionKey: "a&b", concurrency: 4 });
  assert.equal(file.publicUrl, "file:prod.db?concurrency=4");
  const replica = resolveRemote({ ASTRO_DB_REMOTE_URL: "memory:?syncUrl=libsql%3A%2F%2Fdb.example.com&syncInterval=60&readYourWrites=false" }, "node", []);
  assert.deepEqual(replica.config, { url: "memory:", syncUrl: "libsql://db.example.com", syncInterval: 60, readYourWrites: false });
  // A relative file is the project's (Astro may run from elsewhere with --root); a build falls back to it as given.
  const rooted = resolveRemote({ ASTRO_DB_REMOTE_URL: "file:prod.db?encryptionKey=k" }, "node", [], site);
  assert.equal(rooted.config.url, new URL("prod.db", site).href);
  assert.equal(rooted.url, `${new URL("prod.db", site).href}?encryptionKey=k`);
  assert.equal(rooted.publicUrl, "file:prod.db");
  const http = resolveRemote({ ASTRO_DB_REMOTE_URL: "libsql://db.example.com:8080?tls=0&authToken=from-url" }, "node", []);
  assert.deepEqual(http.config, { url: "libsql://db.example.com:8080", tls: false, authToken: "from-url" });
  for (const [url, pattern] of [
    ["file:x.db?encryptionkey=k", /Unknown option "encryptionkey".*did you mean encryptionKey/s],
    ["file:x.db?cipher=aes", /Unknown option "cipher".*Supported options: authToken, encryptionKey/s],
    ["libsql://h?syncInterval=soon", /syncInterval="soon".*whole number/],
    ["libsql://h?tls=maybe", /tls="maybe".*true or false/],
  ]) {
    assert.throws(() => resolveRemote({ ASTRO_DB_REMOTE_URL: url }, "node", []), (e) => pattern.test(`${e.message} ${e.hint}`), url);
  }
  assert.throws(
    () => resolveRemote({ ASTRO_DB_REMOTE_URL: "https://db.example.com?encryptionKey=k" }, "web", []),
    (e) => /encryptionKey.*mode: 'web'/.test(e.message) && !e.message.includes("=k"),
  );
});
