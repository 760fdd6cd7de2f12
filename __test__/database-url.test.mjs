// The URL and path rules (js/database-url.ts), tested once, table-driven: where each form of
// ASTRO_DATABASE_FILE and of a `file:` ASTRO_DB_REMOTE_URL lands (relative ones: the project
// root), the options a remote URL takes, and what of a URL may be shown or built in. The
// integration's and the CLI's local database are the same function, so they cannot disagree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import {
  DEV_DATABASE_PATH,
  databaseFileUrl,
  localDatabaseUrl,
  projectFileUrl,
  publicRemoteUrl,
  redact,
  remoteClientConfig,
  remoteTargetSettings,
  withoutQuery,
} from "../dist/database-url.js";
import { localTarget } from "../dist/integration/prepare.js";
import { normalizeDatabaseUrl } from "../dist/runtime/index.js";

const ROOT = "file:///home/me/site/";

test("ASTRO_DATABASE_FILE: every form, relative ones from the project root", () => {
  const cases = [
    // [value, file URL]
    ["prod.db", `${ROOT}prod.db`],
    ["./data/prod.db", `${ROOT}data/prod.db`],
    ["../shared/prod.db", "file:///home/me/shared/prod.db"],
    ["file:prod.db", `${ROOT}prod.db`],
    ["file:data/my%20db.db", `${ROOT}data/my%20db.db`],
    ["data/my db.db", `${ROOT}data/my%20db.db`],
    ["data/100%.db", `${ROOT}data/100%25.db`],
    ["/var/db/prod.db", "file:///var/db/prod.db"],
    ["file:/var/db/prod.db", "file:///var/db/prod.db"],
    ["file:///var/db/prod.db", "file:///var/db/prod.db"],
    ["C:\\data\\prod.db", "file:///C:/data/prod.db"],
    ["prod.db?journalMode=delete&busyTimeout=250", `${ROOT}prod.db?journalMode=delete&busyTimeout=250`],
    ["file:///var/db/prod.db?journalMode=delete", "file:///var/db/prod.db?journalMode=delete"],
    ["  prod.db  ", `${ROOT}prod.db`],
  ];
  for (const [value, expected] of cases) {
    assert.equal(databaseFileUrl(value, ROOT), expected, value);
    assert.equal(databaseFileUrl(value, new URL(ROOT)), expected, `${value} (URL base)`);
    assert.equal(databaseFileUrl(value, ROOT.slice(0, -1)), expected, `${value} (base without a slash)`);
  }
});

test("the local database of a project: dev file or ASTRO_DATABASE_FILE; integration and CLI share it", () => {
  assert.deepEqual(localDatabaseUrl(ROOT, undefined), { url: `${ROOT}${DEV_DATABASE_PATH}`, persistent: false });
  assert.deepEqual(localDatabaseUrl(ROOT, ""), { url: `${ROOT}${DEV_DATABASE_PATH}`, persistent: false });
  assert.deepEqual(localDatabaseUrl(ROOT, "prod.db?journalMode=delete"), { url: `${ROOT}prod.db?journalMode=delete`, persistent: true });
  const root = pathToFileURL("/tmp/project/");
  const t = localTarget(root, "data/prod.db?journalMode=delete");
  assert.deepEqual(t, { path: "/tmp/project/data/prod.db", persistent: true, options: { busyTimeout: 5000, journalMode: "delete" }, url: "file:///tmp/project/data/prod.db?journalMode=delete" });
  assert.equal(localTarget(root, undefined).path, "/tmp/project/.astro/content.db");
  // Not the working directory: the project root.
  assert.notEqual(process.cwd(), "/tmp/project");
  assert.equal(localTarget(root, "file:x.db").path, "/tmp/project/x.db");
  assert.throws(() => localTarget(root, "x.db?journalMode=memory"), (e) => e.code === "URL_INVALID" && /journalMode "memory"/.test(e.message));
});

test("a built server: ASTRO_DATABASE_FILE from its working directory (it has no project)", () => {
  const cwd = pathToFileURL(process.cwd() + "/").href;
  assert.equal(normalizeDatabaseUrl(undefined, "file:///d.db"), "file:///d.db");
  assert.equal(normalizeDatabaseUrl("prod.db", "file:///d.db"), `${cwd}prod.db`);
  assert.equal(normalizeDatabaseUrl("file:prod.db?journalMode=delete", "x"), `${cwd}prod.db?journalMode=delete`);
  assert.equal(normalizeDatabaseUrl("/abs/prod.db", "x"), "file:///abs/prod.db");
});

test("ASTRO_DB_REMOTE_URL: relative file: URLs from the root, other schemes untouched", () => {
  const cases = [
    ["file:remote.db", `${ROOT}remote.db`],
    ["file:remote.db?encryptionKey=k", `${ROOT}remote.db?encryptionKey=k`],
    ["file:///abs/remote.db", "file:///abs/remote.db"],
    ["libsql://db.example.com?authToken=t", "libsql://db.example.com?authToken=t"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["memory:", "memory:"],
    [":memory:", ":memory:"],
  ];
  for (const [url, expected] of cases) assert.equal(projectFileUrl(url, ROOT), expected, url);
  assert.equal(withoutQuery("file:///a.db?x=1"), "file:///a.db");
});

test("remote URL options: parsed, typed, and errors that name the option", () => {
  const ok = [
    ["libsql://h?tls=0&concurrency=4", { url: "libsql://h", tls: false, concurrency: 4 }],
    ["file:x.db?encryptionKey=k&busyTimeout=100&journalMode=delete", { url: "file:x.db", encryptionKey: "k", busyTimeout: 100, journalMode: "delete" }],
    ["memory:?syncUrl=libsql%3A%2F%2Fp&offline", { url: "memory:", syncUrl: "libsql://p", offline: true }],
    ["libsql://h?authToken=inurl", { url: "libsql://h", authToken: "inurl" }],
  ];
  for (const [url, expected] of ok) assert.deepEqual(remoteClientConfig(url), expected, url);
  assert.equal(remoteClientConfig("libsql://h?authToken=inurl", "flag").authToken, "flag", "the token in force wins");
  const bad = [
    ["file:x.db?encryptionkey=s3cret", /Unknown option "encryptionkey"/, /did you mean encryptionKey/],
    ["file:x.db?nope=1", /Unknown option "nope"/, /Supported options: authToken/],
    ["libsql://h?concurrency=many", /concurrency="many" .* is not a whole number/, undefined],
    ["libsql://h?tls=maybe", /tls="maybe" .* must be true or false/, undefined],
  ];
  for (const [url, message, hint] of bad) {
    assert.throws(
      () => remoteClientConfig(url),
      (e) => e.code === "ASTRO_DB_URL_OPTION" && message.test(e.message) && (hint ? hint.test(e.hint) : e.hint === undefined) && !e.message.includes("s3cret"),
      url,
    );
  }
  assert.throws(() => remoteTargetSettings({}), (e) => e.code === "ASTRO_DB_REMOTE_URL_MISSING" && /ASTRO_DB_APP_TOKEN/.test(e.hint));
});

test("redaction: shown with secrets hidden, built in without them", () => {
  const cases = [
    // [url, shown, built in]
    ["libsql://h?authToken=t", "libsql://h?authToken=***", "libsql://h"],
    ["file:x.db?encryptionKey=k&journalMode=delete", "file:x.db?encryptionKey=***&journalMode=delete", "file:x.db?journalMode=delete"],
    ["https://user:pw@h", "https://***@h", "https://user:pw@h"],
    ["memory:?syncUrl=libsql%3A%2F%2Fh%3FauthToken%3Dt", "memory:?syncUrl=libsql%3A%2F%2Fh%3FauthToken%3D***", "memory:?syncUrl=libsql%3A%2F%2Fh"],
  ];
  for (const [url, shown, built] of cases) {
    assert.equal(redact(url), shown, url);
    if (!url.includes("@")) assert.equal(publicRemoteUrl(url), built, url);
  }
  const s = remoteTargetSettings({ ASTRO_DB_REMOTE_URL: "libsql://h?authToken=inurl", ASTRO_DB_APP_TOKEN: "env" });
  assert.deepEqual([s.token, s.shown], ["env", "libsql://h?authToken=***"]);
  assert.ok(s.secrets.includes("env") && s.secrets.includes("inurl"));
});
