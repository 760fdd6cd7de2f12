// Astro projects for benchmarks, installed in $TMPDIR/astro-db-bench (outside the repository,
// so a project resolves only what its own install gives it) and reused while their
// dependencies stay the same.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repo = new URL("..", import.meta.url).pathname;
export const work = join(tmpdir(), "astro-db-bench");
/** The Astro 6 release the benchmarks compare on (upstream 0.21.3 supports Astro 6). */
export const ASTRO = "6.4.8";

export function npm(args, cwd) {
  execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, stdio: ["ignore", "ignore", "inherit"] });
}

/** `$TMPDIR/astro-db-bench/<name>` with `dependencies` installed (only when they changed). */
export function workspace(name, dependencies) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const pkg = JSON.stringify({ name: `bench-${name}`, private: true, type: "module", dependencies }, null, 2);
  const pkgFile = join(dir, "package.json");
  if (!existsSync(pkgFile) || readFileSync(pkgFile, "utf8").trim() !== pkg || !existsSync(join(dir, "node_modules/astro"))) {
    writeFileSync(pkgFile, pkg);
    npm(["install"], dir);
  }
  return dir;
}

/**
 * This package packed (needs `npm run build` first), as a `file:` dependency spec; `from`
 * packs another built checkout of it instead (a baseline), under `name`.
 */
export function packOurs(from = repo, name = "astrojs-db.tgz") {
  const dest = join(work, "pack");
  mkdirSync(dest, { recursive: true });
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", dest], { cwd: from, encoding: "utf8" }).trim().split("\n").pop();
  renameSync(join(dest, out), join(dest, name));
  return `file:${join(dest, name)}`;
}

/**
 * Reinstalls the packed tarball in `dir`: it changes with every build under the same name.
 * Named explicitly: a bare `npm install` trusts the lockfile's integrity and can reinstall
 * the previous tarball's contents from its cache.
 */
export function refreshOurs(dir, spec) {
  rmSync(join(dir, "node_modules/@astrojs/db"), { recursive: true, force: true });
  npm(["install", spec], dir);
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
