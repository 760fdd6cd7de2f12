// The package's native entry (index.js) when no binary fits: it names the platform package that
// is missing and how to build from source, instead of napi's generic "Cannot find native binding".
// Each case imports a copy of the package's entry files, as a user's install lays them out, from
// a child Node process (the addon cannot be unloaded from this one).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers.mjs";

const root = new URL("..", import.meta.url).pathname;
const host = `${process.platform}-${process.arch}`;

/** A copy of the package without any binary; `manifest` edits its package.json. */
function stage(t, manifest = (m) => m) {
  const dir = tempDir(t, "astro-db-preflight-");
  for (const f of ["index.js", "binding.js"]) cpSync(join(root, f), join(dir, f));
  cpSync(join(root, "dist"), join(dir, "dist"), { recursive: true });
  const pkg = manifest(JSON.parse(readFileSync(join(root, "package.json"), "utf8")));
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg));
  return dir;
}

/** Imports `<dir>/index.js` in a child Node; returns what it threw (or `{ ok, exports }`). */
function load(dir, { preload, env } = {}) {
  const script = `import(${JSON.stringify(join(dir, "index.js"))}).then(
    (m) => console.log(JSON.stringify({ ok: true, exports: Object.keys(m) })),
    (e) => console.log(JSON.stringify({ ok: false, code: e.code, message: e.message, hint: e.hint, cause: e.cause?.message })))`;
  const args = preload ? ["--import", `data:text/javascript,${encodeURIComponent(preload)}`] : [];
  const env_ = { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: "", ...env };
  const r = spawnSync(process.execPath, [...args, "--input-type=module", "-e", script], { encoding: "utf8", env: env_ });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
}

test("the checkout's entry loads its host binary", () => {
  const r = load(root);
  assert.ok(r.ok, r.message);
  assert.ok(r.exports.includes("NativeConnection"));
});

test("a published platform whose package is missing: names it and says to reinstall with optional deps", (t) => {
  const r = load(stage(t));
  assert.equal(r.ok, false);
  assert.equal(r.code, "ASTRO_DB_NATIVE_MISSING");
  assert.match(r.message, new RegExp(`no native binary for this platform \\(${host}[-\\w]*\\)`));
  assert.match(r.message, new RegExp(`the package @astrojs/db-${host}[-\\w]* is not installed`));
  assert.match(r.hint, /optional dependency of @astrojs\/db: install again without --omit=optional/);
  assert.match(r.hint, /npm install && npm run build/);
  assert.doesNotMatch(r.message, /Cannot find native binding/);
});

test("a platform nothing is published for: lists the published ones and how to build from source", (t) => {
  // The list comes from the release's optionalDependencies: the packages it really published.
  const dir = stage(t, (m) => ({ ...m, optionalDependencies: { "@astrojs/db-linux-x64-gnu": m.version, "@astrojs/db-darwin-arm64": m.version } }));
  // Node reads process.arch from the binary it runs; a preload stands in for a riscv64 machine.
  const r = load(dir, { preload: "Object.defineProperty(process, 'arch', { value: 'riscv64' })" });
  assert.equal(r.code, "ASTRO_DB_NATIVE_MISSING");
  assert.match(r.message, /\(linux-riscv64-(gnu|musl)\)|\(\w+-riscv64\)/);
  assert.match(r.hint, /Prebuilt binaries are published for linux-x64-gnu, darwin-arm64, not for /);
  assert.match(r.hint, /set NAPI_RS_NATIVE_LIBRARY_PATH/);
});

test("a binary that does not load: says which file and why, with the loader's error as cause", (t) => {
  const dir = stage(t);
  const suffix = process.platform === "linux" ? `${host}-gnu` : host;
  writeFileSync(join(dir, `astro-db.${suffix}.node`), "not an ELF file");
  const r = load(dir);
  assert.equal(r.code, "ASTRO_DB_NATIVE_LOAD_FAILED");
  assert.ok(r.message.includes(join(dir, `astro-db.${suffix}.node`)), r.message);
  assert.ok(r.cause, "the dlopen error is kept as cause");
});

test("NAPI_RS_NATIVE_LIBRARY_PATH still picks the binary, with no platform package installed", (t) => {
  const dir = stage(t);
  const binary = join(root, `astro-db.${process.platform === "linux" ? `${host}-gnu` : host}.node`);
  const r = load(dir, { env: { NAPI_RS_NATIVE_LIBRARY_PATH: binary } });
  assert.ok(r.ok, r.message);
});
