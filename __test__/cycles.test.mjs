// No two source files import each other, directly or in a circle (scripts/check-cycles.mjs).
// js/ has none. src/ still has the cycles listed in KNOWN_RUST (children importing their
// parent's re-exports, `impl Connection` split over files, the server's pipeline and quick
// path calling each other): none may grow or appear; remove an entry when it is broken.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const SCRIPT = new URL("../scripts/check-cycles.mjs", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

const KNOWN_RUST = [
  ["src/sqlite/busy.rs", "src/sqlite/connection.rs", "src/sqlite/mod.rs", "src/sqlite/settings.rs", "src/sqlite/wal.rs"],
  ["src/server/batch.rs", "src/server/exec.rs", "src/server/pipeline.rs", "src/server/quick.rs", "src/server/streams.rs"],
  ["src/server/cursor.rs", "src/server/http.rs", "src/server/mod.rs", "src/server/replication.rs", "src/server/ws.rs", "src/server/ws_session.rs"],
];

function run(root) {
  const r = spawnSync(process.execPath, [SCRIPT, "--json", root], { encoding: "utf8" });
  return { code: r.status, cycles: JSON.parse(r.stdout) };
}

test("js/ has no import cycle; src/ has no cycle beyond the known ones", () => {
  const { cycles } = run(ROOT);
  const js = cycles.filter((c) => c[0].startsWith("js/"));
  assert.deepEqual(js, [], "cycles in js/");
  const rust = cycles.filter((c) => c[0].startsWith("src/"));
  for (const c of rust) {
    assert.ok(
      KNOWN_RUST.some((k) => c.every((f) => k.includes(f))),
      `a new import cycle (or a file joined one): ${c.join(" <-> ")}`,
    );
  }
});

test("the checker finds cycles, type-only and through Rust paths, and nothing else", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "astro-db-cycles-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = {
    "js/a.ts": 'import { b } from "./b.js";\nexport const a = 1;\n',
    "js/b.ts": 'import type { C } from "./sub/c.js";\nexport const b = 2;\n',
    "js/sub/c.ts": 'export type C = 1;\nexport { a } from "../a.js";\n',
    "js/free.ts": '// import { a } from "./a.js";\nimport { b } from "./b.js";\n',
    "src/lib.rs": "mod x;\nmod y;\npub(crate) fn f() {}\n",
    "src/x.rs": "use crate::y::Y;\npub(crate) struct X;\n",
    "src/y/mod.rs": "mod z;\npub use z::Z;\npub struct Y;\n",
    "src/y/z.rs": "use super::super::x::X;\npub struct Z;\n#[cfg(test)]\nmod tests { use crate::y::Y; }\n",
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const { code, cycles } = run(dir);
  assert.equal(code, 1);
  assert.deepEqual(cycles, [
    ["js/a.ts", "js/b.ts", "js/sub/c.ts"],
    ["src/x.rs", "src/y/mod.rs", "src/y/z.rs"],
  ]);
  // Broken, the same tree passes.
  writeFileSync(join(dir, "js/sub/c.ts"), "export type C = 1;\n");
  writeFileSync(join(dir, "src/y/z.rs"), "pub struct Z;\n");
  assert.deepEqual(run(dir), { code: 0, cycles: [] });
  assert.match(execFileSync(process.execPath, [SCRIPT, dir], { encoding: "utf8" }), /No import cycles/);
});
