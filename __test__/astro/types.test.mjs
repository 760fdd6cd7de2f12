// `astro-db types` (Astro 6: `astro db types`) on a clean checkout: `tsc` fails without the
// declarations and passes after the command, which writes the same file as `astro sync` and
// dev, starts no server and creates no database; `astro check` passes too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ASTRO6, ASTRO7, fixture, run, workspace } from "./harness.mjs";

// Typed queries tsc itself checks (it skips .astro files): wrong types are errors.
const TYPED_TS = `import { Author, Comment, db, eq } from "astro:db";

export async function typed(): Promise<string[]> {
  const rows = await db.select().from(Comment);
  const exact: Array<{ authorId: number; body: string; published: Date; meta: unknown; approved: boolean }> = rows;
  // @ts-expect-error: body is a string
  const n: number = rows[0]!.body;
  // @ts-expect-error: body is required
  await db.insert(Comment).values({ authorId: 1 });
  const joined = await db.select({ name: Author.name }).from(Comment).innerJoin(Author, eq(Author.id, Comment.authorId));
  return [...joined.map((r) => r.name), String(exact.length), String(n)];
}
`;

const TYPES = ".astro/integrations/astro_db/db.d.ts";

for (const [spec, command] of [
  [ASTRO7, "bin"],
  [ASTRO6, "astro db"],
]) {
  test(`types without a server (${spec.name}, ${command}): tsc passes on a clean checkout`, { timeout: 300_000 }, async () => {
    const ws = await workspace(spec);
    const p = fixture(ws, ["basics", "typed"], { as: `types-${spec.name}`, files: { "src/typed.ts": TYPED_TS } });
    const tsc = () => run(process.execPath, [join(ws.dir, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "."], { cwd: p.root, timeout: 200_000 });

    const before = await tsc();
    assert.notEqual(before.code, 0, "without the declarations, astro:db is unknown");
    assert.match(before.output, /astro:db/);

    const r = command === "bin" ? await run(process.execPath, [ws.dbBin, "types"], { cwd: p.root }) : await p.astro(["db", "types"]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Wrote \.astro\/integrations\/astro_db\/db\.d\.ts \(2 tables\)/);
    assert.ok(!p.exists(".astro/content.db"), "no database is created");
    const ours = p.read(TYPES);
    assert.match(p.read(".astro/types.d.ts"), /reference path="integrations\/astro_db\/db\.d\.ts"/);

    const after = await tsc();
    assert.equal(after.code, 0, after.output);

    // The same declarations `astro sync` writes; sync keeps working after the command.
    p.remove(".astro");
    const sync = await p.astro(["sync"]);
    assert.equal(sync.code, 0, sync.output);
    assert.equal(p.read(TYPES), ours);

    const check = await p.astro(["check"], { timeout: 240_000 });
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, /0 errors/);
  });
}

test("types: --help, and a bad config names the problem", { timeout: 120_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "basics", { as: "types-errors" });
  const help = await run(process.execPath, [ws.dbBin, "types", "--help"], { cwd: p.root });
  assert.equal(help.code, 0);
  assert.match(help.output, /Usage: astro-db types/);
  p.write("db/config.ts", p.read("db/config.ts").replace("name: column.text(),", "name: column.text({ references: 42 }),"));
  const bad = await run(process.execPath, [ws.dbBin, "types"], { cwd: p.root });
  assert.equal(bad.code, 1, bad.output);
  assert.match(bad.output, /Author/);
  assert.ok(!p.exists(TYPES));
});
