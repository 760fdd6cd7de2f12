#!/usr/bin/env node
// Fills the per-platform packages (npm/<platform>/, napi-rs layout: os, cpu, libc, main, files)
// with the binaries built so far: the host build beside package.json (`npm run build`) and any
// binary under artifacts/ (scripts/cross-build, or the release workflow's downloaded artifacts).
// Prints one line per platform package, filled or not. Binaries are ignored by git (*.node).
//
// `napi artifacts` does the artifacts/ half; the host binary in the root it would not take,
// and we want the check below that each binary sits in the package its name says.
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const binaryName = manifest.napi.binaryName;

/** Every `<binaryName>.<platform>.node` under `dir` (bounded depth: artifact folders are flat or one deep). */
function binariesIn(dir, depth = 2) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth > 0) found.push(...binariesIn(path, depth - 1));
    else if (entry.isFile() && entry.name.startsWith(`${binaryName}.`) && entry.name.endsWith(".node")) found.push(path);
  }
  return found;
}

/** Fills npm/<platform>/ from the build outputs; returns `{ platform: binaryPath }` for the filled ones. */
export function packPlatforms({ log = console.log } = {}) {
  const platforms = readdirSync(join(root, "npm")).filter((p) => existsSync(join(root, "npm", p, "package.json")));
  // artifacts/ first, the root build last: a fresh host build wins over an old downloaded one.
  const sources = [...binariesIn(join(root, "artifacts")), ...binariesIn(root, 0)];
  const filled = {};
  for (const platform of platforms) {
    const dir = join(root, "npm", platform);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = `${binaryName}.${platform}.node`;
    if (pkg.main !== file || !pkg.files?.includes(file)) throw new Error(`npm/${platform}/package.json: main and files must name ${file}`);
    const source = sources.filter((s) => s.endsWith(`/${file}`)).at(-1);
    rmSync(join(dir, file), { force: true });
    if (!source) {
      log(`  ${pkg.name.padEnd(28)} not built`);
      continue;
    }
    copyFileSync(source, join(dir, file));
    filled[platform] = join(dir, file);
    log(`  ${pkg.name.padEnd(28)} ${(statSync(source).size / 1048576).toFixed(1)} MB from ${source.slice(root.length)}`);
  }
  return filled;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const filled = packPlatforms();
  if (Object.keys(filled).length === 0) {
    console.error("No binary found: run `npm run build` (host) or scripts/cross-build first.");
    process.exit(1);
  }
}
