// pnpm's strict layout: a project sees only its direct dependencies, so anything we import
// must be ours (a dependency) or declared (a peer). A fresh Astro 7 project installed with
// pnpm builds, seeds, and runs the `astro-db` bin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ASTRO7, packTarball, run, testsDir, versions, workspaceLock } from "./harness.mjs";

test("pnpm (strict node_modules): build, seed and the bin on the newest Astro 7", { timeout: 600_000 }, async () => {
  await workspaceLock();
  const tools = join(testsDir, "pnpm-tool");
  const pnpmBin = join(tools, "node_modules", "pnpm", "bin", "pnpm.cjs");
  if (!existsSync(pnpmBin)) {
    const r = await run("npm", ["install", "--prefix", tools, "--no-audit", "--no-fund", "--loglevel=error", "pnpm@10"], { timeout: 300_000 });
    assert.equal(r.code, 0, r.output);
  }
  const root = join(testsDir, "pnpm-project");
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(join(import.meta.dirname, "..", "fixtures", "basics"), root, { recursive: true });
  cpSync(packTarball(), join(root, "astrojs-db.tgz"));
  const { astro } = versions(ASTRO7);
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "pnpm-project", private: true, type: "module", dependencies: { astro, "@astrojs/db": "file:astrojs-db.tgz" } }, null, 2));
  // esbuild and the native addon need their install scripts.
  writeFileSync(join(root, "pnpm-workspace.yaml"), "onlyBuiltDependencies:\n  - esbuild\n  - sharp\n");
  const pnpm = (args, opts = {}) => run(process.execPath, [pnpmBin, ...args], { cwd: root, timeout: 400_000, ...opts });
  let r = await pnpm(["install", "--reporter=append-only"]);
  assert.equal(r.code, 0, r.output);
  console.log(`# pnpm ${(await pnpm(["--version"])).output.trim()}, astro@${astro}`);
  // Strict: packages our package depends on are not visible from the project root.
  assert.ok(!existsSync(join(root, "node_modules", "esbuild")), "esbuild is hoisted to the project root: the test would not show a missing dependency");
  assert.ok(!existsSync(join(root, "node_modules", "drizzle-orm")));

  r = await pnpm(["exec", "astro", "build"]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Seeded database\./);
  assert.match(readFileSync(join(root, "dist/index.html"), "utf8"), /Kasim: Hope you like Astro DB!/);

  r = await pnpm(["exec", "astro-db", "push"], { env: { ASTRO_DB_REMOTE_URL: "file:remote.db" } });
  assert.equal(r.code, 0, r.output);
  r = await pnpm(["exec", "astro-db", "verify", "--json"], { env: { ASTRO_DB_REMOTE_URL: "file:remote.db" } });
  assert.equal(JSON.parse(r.output.slice(r.output.indexOf("{"), r.output.lastIndexOf("}") + 1)).code, "MATCH", r.output);
});
