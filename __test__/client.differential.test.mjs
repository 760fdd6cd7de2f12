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

// The array rows Drizzle's selects read from our client (`EXECUTE_ROWS`, see
// js/runtime/fast-rows.ts) hold what @libsql/client's rows hold at each position, in every
// int mode, and fail the same way.
test("rows as arrays match @libsql/client's rows read by position", async () => {
  const EXECUTE_ROWS = Symbol.for("@astrojs/db:execute-rows");
  const reads = [
    ["select 1 as n, -0.0 r, 1e300 big, 'héllo 🌍' t, null z", []],
    ["select x'00ff10' as b, zeroblob(3) z, x'' as empty", []],
    ["select 1 as a, 2 as a, 5 as \"0\"", []],
    ["select 9007199254740991 as ok, -9007199254740991 as low", []],
    ["select 9223372036854775807 as m", []],
    ["select ? a, ? b, ? c, ? d, ? e", [1, "two", null, 5n, new Uint8Array([1, 2])]],
    ["select :a as a, :b as b", { a: 1, b: "x" }],
    ["select * from person order by id", []],
    ["select * from person where id = ?", [99]],
    ["select p.name, q.kind from person p left join pet q on q.owner = p.id order by p.id", []],
    ["select nope()", []],
    ["select ?", [undefined]],
  ];
  for (const intMode of ["number", "bigint", "string"]) {
    const theirs = reference({ url: ":memory:", intMode });
    const mine = ours({ url: ":memory:", intMode });
    for (const c of [theirs, mine]) {
      await c.executeMultiple(`
        create table person(id integer primary key, name text not null, score real, data blob);
        create table pet(id integer primary key, owner integer, kind text);
        insert into person(name, score, data) values ('ann', 1.5, x'0102'), ('bob', null, null);
        insert into pet(owner, kind) values (1, 'cat');`);
    }
    for (const [sql, args] of reads) {
      const expected = await outcome(async () => (await theirs.execute({ sql, args })).rows.map((row) => Array.prototype.slice.call(row)));
      const actual = await outcome(() => mine[EXECUTE_ROWS](sql, args));
      assert.deepStrictEqual(actual, expected, `${intMode}: ${sql}`);
    }
    theirs.close();
    mine.close();
  }
});
