// Remote differential: our client and @libsql/client, both over HTTP against `astro-db serve`,
// run the shared corpus on fresh databases; results, row shapes and errors must match.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient as reference } from "@libsql/client";
import { createClient as ours } from "@astrojs/db/client";
import { serve } from "../dist/server/index.js";
import { corpus, intModeCorpus } from "./client.corpus.mjs";
import { outcome, tempDir } from "./helpers.mjs";

const quiet = { log: () => {}, handleSignals: false };

/** Where the two clients differ on purpose over HTTP, each with the reason. */
const remoteDeviations = {
  // @libsql/client reports a closed HTTP client with a vaguer code; ours says CLIENT_CLOSED, as locally.
  "closed client": (expected) => ({ error: { ...expected.error, code: "CLIENT_CLOSED", message: "CLIENT_CLOSED: The client is closed" } }),
};

// A server's close() waits (up to its 5 s drain) for clients' idle keep-alive connections,
// so servers are closed together once every case has run.
const servers = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** Runs `run` with a client made by `make` against a fresh server, and describes what happened. */
async function onFreshServer(dir, name, make, run) {
  const server = await serve({ db: join(dir, `${name}.db`), port: 0, ...quiet });
  servers.push(server);
  const client = make(server.url);
  try {
    return await outcome(() => run(client));
  } finally {
    client.close();
  }
}

/**
 * A libSQL server reports base codes only; our client also names the constraint's kind
 * (`extendedCode`, read from SQLite's wording). That addition is the one difference allowed.
 */
function withoutAddedCode(actual, expected) {
  if (!actual?.error || !expected?.error || expected.error.extendedCode !== undefined) return actual;
  if (!/^SQLITE_CONSTRAINT_/.test(actual.error.extendedCode ?? "")) return actual;
  return { ...actual, error: { ...actual.error, extendedCode: undefined } };
}

test("remote differential corpus (http)", async (t) => {
  const dir = tempDir(t, "astro-db-remote-diff-");
  for (const [i, [name, run]] of corpus.entries()) {
    const observed = await onFreshServer(dir, `ref-${i}`, (url) => reference({ url }), run);
    const expected = remoteDeviations[name] ? remoteDeviations[name](observed) : observed;
    const actual = await onFreshServer(dir, `ours-${i}`, (url) => ours({ url }), run);
    assert.deepStrictEqual(withoutAddedCode(actual, expected), expected, `case "${name}" differs`);
  }
});

test("remote differential corpus across intModes", async (t) => {
  const dir = tempDir(t, "astro-db-remote-diff-");
  for (const [i, [name, intMode, run]] of intModeCorpus.entries()) {
    const expected = await onFreshServer(dir, `ref-${i}`, (url) => reference({ url, intMode }), run);
    const actual = await onFreshServer(dir, `ours-${i}`, (url) => ours({ url, intMode }), run);
    assert.deepStrictEqual(actual, expected, `case "${name}" differs`);
  }
});

test("ws: and libsql: URLs reach the same server over HTTP and report protocol like @libsql/client", async (t) => {
  const dir = tempDir(t, "astro-db-remote-diff-");
  const server = await serve({ db: join(dir, "ws.db"), port: 0, ...quiet });
  servers.push(server);
  const port = new URL(server.url).port;
  for (const url of [server.url.replace(/^http/, "ws"), `libsql://127.0.0.1:${port}?tls=0`, `http://127.0.0.1:${port}?tls=0`]) {
    const mine = ours({ url });
    const theirs = reference({ url });
    assert.equal(mine.protocol, theirs.protocol, url);
    assert.deepStrictEqual(
      await outcome(() => mine.execute("select 1 as one, 'x' as x")),
      await outcome(() => theirs.execute("select 1 as one, 'x' as x")),
      url,
    );
    mine.close();
    theirs.close();
  }
});
