// A real registry install, as a user gets the package: a local Verdaccio (127.0.0.1, storage in
// the temp dir, its uplink the npm registry this machine uses, so Astro itself installs) receives
// every package from scripts/publish; then fresh Astro 7 and Astro 6 projects, with no cargo,
// rustc, cc or cmake on PATH, run `npm install @astrojs/db` (exactly one platform package comes
// along), `npx astro add db --yes`, and build a page that reads the seeded table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ASTRO6, ASTRO7, repoRoot, run, testsDir, workspaceLock } from "./harness.mjs";
import { startRegistry } from "./registry.mjs";

const work = join(testsDir, "registry");

/**
 * A PATH with node, npm and the usual system tools but no compiler or build tool: what a user
 * without Rust or a C toolchain has. The system folders are mirrored as symlinks minus those.
 */
function pathWithoutCompilers() {
  const noCompilers = /^(cargo.*|rust.*|cc|c\+\+|c89.*|c99.*|cpp(-\d+)?|gcc.*|g\+\+.*|clang.*|cmake|ctest|cpack|make|ld(\..+)?|as|tcc|zig.*|.*-linux-gnu.*-(gcc|g\+\+|cpp|ld|as)(-\d+)?)$/;
  const bin = join(work, "bin-without-compilers");
  rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (noCompilers.test(name) || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  // Our Node (>= 22) first; npm's shebang finds it through PATH.
  const path = `${dirname(process.execPath)}:${bin}`;
  const found = spawnSync("sh", ["-c", "command -v cargo rustc cc gcc cmake make; true"], { encoding: "utf8", env: { PATH: path } });
  assert.equal(found.stdout.trim(), "", `compilers still on PATH:\n${found.stdout}`);
  return path;
}

/** A fresh Astro project (what `npm create astro` gives, minus the template download) using `registry`. */
function freshProject(name, astroVersion, registry) {
  const root = join(work, name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, "src", "pages"), { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name, private: true, type: "module", dependencies: { astro: astroVersion } }, null, 2));
  writeFileSync(join(root, ".npmrc"), `registry=${registry}\n`);
  writeFileSync(join(root, "astro.config.mjs"), `import { defineConfig } from "astro/config";\n\nexport default defineConfig({});\n`);
  writeFileSync(join(root, "src", "pages", "index.astro"), "<h1>Hello</h1>\n");
  return root;
}

const PAGE = `---
import { db, Comment } from "astro:db";
const comments = await db.select().from(Comment);
---
<ul>{comments.map((c) => <li>{c.author}: {c.body}</li>)}</ul>
`;

/** The newest `astro` in `spec`'s range as the local registry (and its uplink cache) sees it. */
function newestAstro(spec, registry) {
  const r = spawnSync("npm", ["view", `astro@${spec.ranges.astro}`, "version", "--json", "--registry", registry], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const found = JSON.parse(r.stdout);
  return Array.isArray(found) ? found.at(-1) : found;
}

async function journey({ spec, registry, path, npmrc }) {
  const astro = newestAstro(spec, registry);
  const root = freshProject(`registry-${spec.name}`, astro, registry);
  const env = { PATH: path, NPM_CONFIG_USERCONFIG: npmrc, npm_config_registry: registry, npm_config_update_notifier: "false" };
  const sh = async (cmd, args, timeout = 240_000) => {
    const t0 = Date.now();
    const r = await run(cmd, args, { cwd: root, env, timeout });
    assert.equal(r.code, 0, `${cmd} ${args.join(" ")} failed:\n${r.output}`);
    console.log(`#   ${cmd} ${args.filter((a) => !a.startsWith("-")).join(" ")}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return r.output;
  };
  // One install brings astro (already in package.json, as `npm create astro` leaves it) and ours.
  await sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "@astrojs/db"]);
  const scope = readdirSync(join(root, "node_modules", "@astrojs"));
  const platformPackages = scope.filter((p) => p.startsWith("db-"));
  assert.deepEqual(platformPackages, ["db-linux-x64-gnu"], `@astrojs/ holds: ${scope.join(", ")}`);
  const installed = JSON.parse(readFileSync(join(root, "node_modules", "@astrojs", "db", "package.json"), "utf8"));
  assert.ok(!readdirSync(join(root, "node_modules", "@astrojs", "db")).some((f) => f.endsWith(".node")), "the main package carries no binary");
  console.log(`# ${spec.name}: astro@${astro}, @astrojs/db@${installed.version} + @astrojs/${platformPackages[0]} from the local registry`);

  const added = await sh("npx", ["--no-install", "astro", "add", "db", "--yes"]);
  const config = readFileSync(join(root, "astro.config.mjs"), "utf8");
  assert.match(config, /import db from ['"]@astrojs\/db['"]/, added);
  assert.match(config, /integrations:\s*\[db\(\)\]/);
  if (spec === ASTRO6) {
    // Astro 6's `astro add db` scaffolds db/ itself (an empty schema), as it did for upstream.
    assert.match(readFileSync(join(root, "db", "config.ts"), "utf8"), /defineDb\(/);
    rmSync(join(root, "db"), { recursive: true });
  } else {
    // Astro 7's does not: our `astro-db init` (and the first `astro dev`) does.
    assert.ok(!existsSync(join(root, "db")), "Astro 7's astro add does not scaffold db/");
  }
  assert.match(await sh("npx", ["--no-install", "astro-db", "init"]), /Created db\/config\.ts and db\/seed\.ts/);
  writeFileSync(join(root, "src", "pages", "index.astro"), PAGE);

  const built = await sh("npx", ["--no-install", "astro", "build"], 300_000);
  assert.match(built, /Seeded database\./);
  assert.match(readFileSync(join(root, "dist", "index.html"), "utf8"), /<li>Astro: Welcome to Astro DB!<\/li>/);
}

test("publish to a local registry; fresh Astro 7 and 6 projects install, add and build without a compiler", { timeout: 900_000 }, async (t) => {
  await workspaceLock();
  mkdirSync(work, { recursive: true });
  const path = pathWithoutCompilers();
  const registry = await startRegistry(join(work, "verdaccio"), join(work, "verdaccio-cache"));
  t.after(() => registry.stop());

  // scripts/publish from the checkout (already built by scripts/test), as a maintainer runs it.
  const published = await run("bash", ["scripts/publish", "--registry", registry.url], {
    cwd: repoRoot,
    env: { NPM_CONFIG_USERCONFIG: registry.npmrc },
    timeout: 180_000,
  });
  assert.equal(published.code, 0, published.output);
  assert.match(published.output, /\+ @astrojs\/db-linux-x64-gnu@/);
  assert.match(published.output, /\+ @astrojs\/db@/);
  // Every platform package built so far (the host's; more after scripts/cross-build) is in the
  // registry and named by the main package; the install below must still take only the host's.
  const meta = await (await fetch(`${registry.url}/@astrojs%2fdb`)).json();
  const latest = meta.versions[meta["dist-tags"].latest];
  const platforms = Object.keys(latest.optionalDependencies);
  assert.ok(platforms.includes("@astrojs/db-linux-x64-gnu"), platforms.join(", "));
  for (const name of platforms) {
    const res = await fetch(`${registry.url}/${name.replace("/", "%2f")}`);
    assert.equal(res.status, 200, `${name} is named but not published`);
  }
  console.log(`# published: @astrojs/db@${latest.version} with ${platforms.join(", ")}`);

  for (const spec of [ASTRO7, ASTRO6]) {
    await t.test(`Astro ${spec === ASTRO7 ? 7 : 6}`, () => journey({ spec, registry: registry.url, path, npmrc: registry.npmrc }));
  }
});
