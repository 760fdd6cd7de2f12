// The packed tarball installs into a fresh project and loads the native binary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers.mjs";

const root = new URL("..", import.meta.url).pathname;

test("npm pack installs into a fresh project and runs a query", { timeout: 180_000 }, (t) => {
  const work = tempDir(t, "astro-db-pack-");
  execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, "npm pack produced no tarball");
  const files = execFileSync("tar", ["tzf", join(work, tarball)], { encoding: "utf8" });
  assert.match(files, /package\/astro-db\.linux-x64-gnu\.node/);
  assert.match(files, /package\/dist\/client\/index\.js/);
  assert.match(files, /package\/dist\/testing\/vitest\.js/);
  assert.doesNotMatch(files, /package\/(src|__test__|target)\//);

  const app = join(work, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", join(work, tarball)], { cwd: app, stdio: ["ignore", "pipe", "inherit"] });
  writeFileSync(
    join(app, "main.js"),
    `import { createClient } from "@astrojs/db/client";
     const c = createClient({ url: "file:app.db" });
     await c.execute("create table t(x)");
     await c.execute({ sql: "insert into t values (?)", args: ["packed"] });
     console.log((await c.execute("select x from t")).rows[0].x);`,
  );
  const r = spawnSync(process.execPath, ["main.js"], { cwd: app, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "packed");
});
