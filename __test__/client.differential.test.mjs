// Our client and @libsql/client run the same corpus on fresh databases: results,
// row shapes and errors must match.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createClient as reference } from "@libsql/client";
import { createClient as ours } from "@astrojs/db/client";
import { corpus, deviations, intModeCorpus } from "./client.corpus.mjs";
import { outcome, tempDir } from "./helpers.mjs";

test("corpus has at least 60 cases", () => {
  assert.ok(corpus.length + intModeCorpus.length >= 60, `only ${corpus.length} cases`);
});

for (const [storage, urlFor] of [
  ["file", (dir, who, i) => `file:${join(dir, `${who}-${i}.db`)}`],
  ["memory", () => ":memory:"],
]) {
  test(`differential corpus on ${storage} databases`, async (t) => {
    const dir = tempDir(t);
    for (const [i, [name, run]] of corpus.entries()) {
      const theirs = reference({ url: urlFor(dir, "ref", i) });
      const mine = ours({ url: urlFor(dir, "ours", i) });
      const observed = await outcome(() => run(theirs));
      const expected = deviations[name] ? deviations[name](observed) : observed;
      const actual = await outcome(() => run(mine));
      theirs.close();
      mine.close();
      assert.deepStrictEqual(actual, expected, `case "${name}" differs`);
    }
  });
}

test("differential corpus across intModes", async () => {
  for (const [name, intMode, run] of intModeCorpus) {
    const theirs = reference({ url: ":memory:", intMode });
    const mine = ours({ url: ":memory:", intMode });
    assert.deepStrictEqual(await outcome(() => run(mine)), await outcome(() => run(theirs)), `case "${name}" differs`);
    theirs.close();
    mine.close();
  }
});
