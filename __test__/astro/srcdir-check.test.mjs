// `srcDir: '.'` (db/ inside the source directory), and the types: `astro sync` writes them,
// `astro check` passes on a typed fixture (Astro 7).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ASTRO7, fixture, workspace } from "./harness.mjs";

test("srcDir '.': dev and build", { timeout: 180_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "src-dot");
  const dev = await p.dev(t);
  await dev.waitFor(/Seeded database\./);
  const page = await dev.fetch("/");
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, /<li class="note">1:srcDir is the root<\/li>/);
  await dev.stop();

  await p.build();
  assert.match(readFileSync(p.path("dist/index.html"), "utf8"), /<li class="note">1:srcDir is the root<\/li>/);
});

test("astro sync writes the types; astro check passes on typed queries", { timeout: 240_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, ["basics", "typed"]);
  const sync = await p.astro(["sync"]);
  assert.equal(sync.code, 0, sync.output);
  const types = p.read(".astro/integrations/astro_db/db.d.ts");
  assert.match(types, /declare module 'astro:db'/);
  assert.match(types, /Table<\s*"Comment"/);
  assert.match(p.read(".astro/types.d.ts"), /integrations\/astro_db\/db\.d\.ts/);
  assert.ok(!p.exists(".astro/content.db"), "sync does not create the database");

  const check = await p.astro(["check"], { timeout: 200_000 });
  assert.equal(check.code, 0, check.output);
  assert.match(check.output, /0 errors/);
});
