#!/usr/bin/env node
// Stages one release for scripts/publish: the platform packages built so far and the main
// package, all at one version, in publish order (platforms first, so the main package never
// names a platform package the registry does not have yet). Prints that order, one folder a line.
//
//   node scripts/stage-release.mjs <out-dir> <version>
//
// The main package is what `npm pack` of the checkout gives, minus the host binary: a local pack
// keeps `*.node` (tests install such tarballs), the published one gets its binary from the
// platform package npm picks by os/cpu/libc. The checkout itself is left untouched.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packPlatforms } from "./pack-platforms.mjs";

const root = new URL("..", import.meta.url).pathname;
const [out, version] = process.argv.slice(2);
if (!out || !version) {
  console.error("usage: node scripts/stage-release.mjs <out-dir> <version>");
  process.exit(2);
}
const log = (line) => console.error(line);
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const writeJson = (file, value) => writeFileSync(file, JSON.stringify(value, null, 2) + "\n");

const manifest = readJson(join(root, "package.json"));
for (const needed of ["binding.js", "dist/index.js", "dist/native/preflight.js"]) {
  try {
    readFileSync(join(root, needed));
  } catch {
    console.error(`${needed} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}

log("Platform packages:");
const filled = packPlatforms({ log });
const platforms = Object.keys(filled).sort();
if (platforms.length === 0) {
  console.error("No platform binary built: run `npm run build` (host) or scripts/cross-build first.");
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const order = [];
const optionalDependencies = {};
for (const platform of platforms) {
  const dir = join(out, platform);
  cpSync(join(root, "npm", platform), dir, { recursive: true });
  const pkg = readJson(join(dir, "package.json"));
  writeJson(join(dir, "package.json"), { ...pkg, version });
  optionalDependencies[pkg.name] = version;
  order.push(dir);
}

// The main package: npm's own file selection (package.json `files`), unpacked, then edited.
const packed = join(out, "pack");
mkdirSync(packed);
execFileSync("npm", ["pack", "--silent", "--pack-destination", packed], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
const tarball = readdirSync(packed).find((f) => f.endsWith(".tgz"));
const main = join(out, "main");
mkdirSync(main);
execFileSync("tar", ["xzf", join(packed, tarball), "-C", main, "--strip-components=1"]);
rmSync(packed, { recursive: true, force: true });
for (const f of readdirSync(main)) if (f.endsWith(".node")) rmSync(join(main, f));
writeJson(join(main, "package.json"), {
  ...readJson(join(main, "package.json")),
  version,
  files: manifest.files.filter((f) => f !== "*.node"),
  // Only what this release publishes: npm would try (and fail) to fetch the others, and the
  // preflight lists these as the platforms that have a binary.
  optionalDependencies,
});
// The generated loader compares a platform package's version with the version it was built at
// (when NAPI_RS_ENFORCE_VERSION_CHECK is set): it must be the version published.
const loaderFile = join(main, "binding.js");
const loader = readFileSync(loaderFile, "utf8");
const quoted = new RegExp(`(!== ')${manifest.version.replace(/\./g, "\\.")}(')|(expected )${manifest.version.replace(/\./g, "\\.")}( but)`, "g");
if (!quoted.test(loader)) throw new Error(`binding.js does not carry version ${manifest.version}: rebuild it`);
writeFileSync(loaderFile, loader.replace(quoted, (_m, a, b, c, d) => (a ? `${a}${version}${b}` : `${c}${version}${d}`)));
order.push(main);

log(`Main package: ${manifest.name}@${version} with ${platforms.map((p) => `${manifest.name}-${p}`).join(", ")}`);
const missing = manifest.napi.targets.length - platforms.length;
if (missing > 0) log(`(${missing} of the ${manifest.napi.targets.length} targets in package.json are not built and not published)`);
console.log(order.join("\n"));
