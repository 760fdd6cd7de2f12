// Runs before napi's generated loader (binding.js), which, when no binary loads, only says
// "Cannot find native binding" and guesses at npm's optional-dependency bug. Here we know
// which platform packages this release publishes (its optionalDependencies), so the user
// learns which package their platform needs, and how to get a binary when none is published.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { AstroDbError } from "../integration/errors.js";

const PACKAGE = "@astrojs/db";
const BINARY = "astro-db";
// Resolve the way binding.js does: from the package root, where it lives.
const root = new URL("../../", import.meta.url);
const requireFromRoot = createRequire(new URL("binding.js", root));

/** An error whose `code` says why no native binary could be loaded. */
export class NativeBindingError extends AstroDbError {
  declare code: "ASTRO_DB_NATIVE_MISSING" | "ASTRO_DB_NATIVE_LOAD_FAILED";
  constructor(code: NativeBindingError["code"], message: string, hint: string, cause?: unknown) {
    // The hint stays in the message too: the loader's error is printed by Node, which shows
    // `message` alone.
    super(`${message}\n${hint}`, { code, hint, cause });
  }
}

// The same order as the generated loader's isMusl(): the ldd script, then the process report.
function isMusl(): boolean {
  try {
    return readFileSync("/usr/bin/ldd", "utf8").includes("musl");
  } catch {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return !report?.header?.glibcVersionRuntime;
  }
}

/** napi-rs's name for a platform, as in `astro-db.<suffix>.node` and `@astrojs/db-<suffix>`. */
export function platformSuffix(platform: string = process.platform, arch: string = process.arch, musl?: boolean): string {
  if (platform === "linux") return `linux-${arch}-${(musl ?? isMusl()) ? "musl" : "gnu"}`;
  if (platform === "win32") return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/** The platforms this release publishes a binary package for. */
export function publishedPlatforms(): string[] {
  const manifest = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
  return Object.keys(manifest.optionalDependencies ?? {})
    .filter((name) => name.startsWith(`${PACKAGE}-`))
    .map((name) => name.slice(PACKAGE.length + 1));
}

const FROM_SOURCE =
  "To build the binary from source (Rust, cmake and a C compiler): clone the @astrojs/db repository, run " +
  "`npm install && npm run build`, and set NAPI_RS_NATIVE_LIBRARY_PATH to the astro-db.<platform>.node file it writes.";

/**
 * Finds and loads the binary the generated loader will pick: a file beside the package (a
 * build from a checkout) or the platform package. Throws a `NativeBindingError` when there is
 * none or it does not load. Loading it here is free: Node caches the addon by path, and the
 * generated loader's require() gets the same module.
 */
export function preflight(): void {
  // The user chose the binary (or WASI) themselves: the generated loader honours that.
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH || process.env.NAPI_RS_FORCE_WASI) return;
  const suffix = platformSuffix();
  const platformPackage = `${PACKAGE}-${suffix}`;
  const local = fileURLToPath(new URL(`${BINARY}.${suffix}.node`, root));
  let found: string | undefined = existsSync(local) ? local : undefined;
  if (!found) {
    try {
      found = requireFromRoot.resolve(platformPackage);
    } catch {}
  }
  if (!found) {
    const published = publishedPlatforms();
    const message = `${PACKAGE} has no native binary for this platform (${suffix}): the package ${platformPackage} is not installed.`;
    const hint = published.includes(suffix)
      ? `${platformPackage} is an optional dependency of ${PACKAGE}: install again without --omit=optional / --no-optional ` +
        "(if npm still skips it, delete node_modules and the lock file first). " + FROM_SOURCE
      : `Prebuilt binaries are published for ${published.join(", ") || "no platform in this build"}, not for ${suffix}. ` + FROM_SOURCE;
    throw new NativeBindingError("ASTRO_DB_NATIVE_MISSING", message, hint);
  }
  try {
    requireFromRoot(found);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new NativeBindingError(
      "ASTRO_DB_NATIVE_LOAD_FAILED",
      `${PACKAGE}'s native binary for ${suffix} (${found}) failed to load: ${why}`,
      `A binary built for another system (or an older glibc/musl than it needs) cannot load here. ${FROM_SOURCE}`,
      cause,
    );
  }
}

preflight();
