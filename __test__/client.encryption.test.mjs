// Encryption at rest: files written by @astrojs/db/client with `encryptionKey` are ciphered on
// disk and open in `@libsql/client` with the same key (and the other way round); a wrong or
// missing key fails the first query with SQLITE_NOTADB, and the key never shows in errors.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@astrojs/db/client";
import { createClient as createLibsqlClient } from "@libsql/client";

const dir = mkdtempSync(join(tmpdir(), "astro-db-enc-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const KEY = "correct horse battery staple";
const MARKER = "plaintext-marker-7f3a";

async function write(make, file) {
  const c = make({ url: `file:${file}`, encryptionKey: KEY });
  await c.batch(["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", { sql: "INSERT INTO notes (body) VALUES (?)", args: [MARKER] }], "write");
  // A transaction runs on a connection of its own: it must be keyed too.
  const tx = await c.transaction("write");
  await tx.execute({ sql: "INSERT INTO notes (body) VALUES (?)", args: ["second"] });
  await tx.commit();
  c.close();
}

async function read(make, file, key) {
  const c = make({ url: `file:${file}`, ...(key === undefined ? {} : { encryptionKey: key }) });
  try {
    const rs = await c.execute("SELECT body FROM notes ORDER BY id");
    return rs.rows.map((r) => r.body);
  } finally {
    c.close();
  }
}

const clients = { ours: createClient, libsql: createLibsqlClient };

for (const [writer, makeWriter] of Object.entries(clients)) {
  for (const [reader, makeReader] of Object.entries(clients)) {
    test(`a file encrypted by ${writer} opens in ${reader} with the key`, async () => {
      const file = join(dir, `${writer}-${reader}.db`);
      await write(makeWriter, file);
      const bytes = readFileSync(file);
      assert.ok(!bytes.includes(Buffer.from(MARKER)), "the row is readable on disk");
      assert.ok(!bytes.subarray(0, 16).equals(Buffer.from("SQLite format 3\0")), "the header is in the clear");
      assert.deepEqual(await read(makeReader, file, KEY), [MARKER, "second"]);
    });
  }
}

test("a wrong or missing key fails the first query with SQLITE_NOTADB, like @libsql/client, without showing the key", async () => {
  const file = join(dir, "wrong.db");
  await write(createClient, file);
  for (const key of ["not the key", undefined, ""]) {
    const ours = await read(createClient, file, key).then(() => null, (e) => e);
    const theirs = await read(createLibsqlClient, file, key).then(() => null, (e) => e);
    assert.ok(ours && theirs, `key ${JSON.stringify(key)} opened the file`);
    assert.equal(ours.code, "SQLITE_NOTADB");
    assert.equal(ours.code, theirs.code);
    assert.ok(!String(ours.message).includes(KEY) && !String(ours.stack).includes(KEY));
  }
  // The data is untouched by the failed attempts.
  assert.deepEqual(await read(createClient, file, KEY), [MARKER, "second"]);
});

test("an encrypted file is not readable as plain SQLite, and a plain file is not readable with a key", async () => {
  const plain = join(dir, "plain.db");
  const c = createClient({ url: `file:${plain}` });
  await c.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
  c.close();
  assert.ok(readFileSync(plain).subarray(0, 15).equals(Buffer.from("SQLite format 3")));
  await assert.rejects(read(createClient, plain, KEY), (e) => e.code === "SQLITE_NOTADB");
  assert.deepEqual(await read(createClient, plain, undefined), []);
});

test("encryptionKey must be a string; memory databases ignore it", async () => {
  assert.throws(() => createClient({ url: `file:${join(dir, "x.db")}`, encryptionKey: 42 }), TypeError);
  const m = createClient({ url: ":memory:", encryptionKey: KEY });
  assert.equal((await m.execute("SELECT 1 AS one")).rows[0].one, 1);
  m.close();
});
