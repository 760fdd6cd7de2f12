// Evaluates a project file (db/config.ts, a seed, an `execute` script, astro.config.*)
// outside Vite: esbuild bundles it, `astro:db` maps to a module we choose, and the result is
// imported from a temporary file inside the project so that its packages resolve as the
// user's code would.
//
// esbuild is our own dependency, never the project's: Astro 7 (Vite 8, Rolldown) no longer
// installs it, and strict layouts (pnpm, Yarn PnP) hide a project's transitive packages. It
// is imported lazily so that nothing at run time (a built server) ever loads it.
import { mkdir, unlink, writeFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AstroDbError } from "./errors.js";

export interface Evaluated {
  mod: Record<string, unknown>;
  /** Absolute paths of the files the bundle read. */
  dependencies: string[];
  /** Where a line of the bundle came from (see `sourceLocation`). */
  origin: BundleOrigin;
}

export interface BundleOrigin {
  /** The URL the bundle was imported from: the name its frames carry in a stack. */
  url: string;
  /** The bundle's source map, parsed on first use (only a failure needs it). */
  map(): SourceMap | undefined;
}

/** A place in a project file. */
export interface SourceLocation {
  file: URL;
  line: number;
  column: number;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The first frame of `stack` that is in the bundle, as a place in the file it came from. When
 * Node already maps stacks (`astro dev` turns source maps on), the frame names `file` itself.
 */
export function sourceLocation(origin: BundleOrigin, root: URL, stack: string | undefined, file?: URL): SourceLocation | undefined {
  if (!stack) return undefined;
  const m = new RegExp(`${escape(origin.url)}:(\\d+):(\\d+)`).exec(stack);
  if (!m) {
    const mapped = file && new RegExp(`${escape(display(root, file))}:(\\d+):(\\d+)`).exec(stack);
    return mapped && file ? { file, line: Number(mapped[1]), column: Number(mapped[2]) } : undefined;
  }
  const map = origin.map();
  if (!map) return undefined;
  const entry = map.findEntry(Number(m[1]) - 1, Number(m[2]) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
  if (!entry?.originalSource || entry.originalLine === undefined) return undefined;
  // esbuild names sources relative to the working directory it was given: the root.
  const source = /^[a-z]+:/i.test(entry.originalSource) ? new URL(entry.originalSource) : new URL(entry.originalSource, root);
  return { file: source, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
}

/** The inline source map esbuild appended to `code`. */
function inlineMap(code: string): SourceMap | undefined {
  const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!m) return undefined;
  try {
    return new SourceMap(JSON.parse(Buffer.from(m[1], "base64").toString("utf8")));
  } catch {
    return undefined;
  }
}

export interface Bundled {
  /** The bundled module: the file and everything it imports except packages. */
  code: string;
  /** Absolute paths of the files the bundle read. */
  dependencies: string[];
  /** The names the module exports. */
  exports: string[];
  /** The module reads `import.meta.env`. */
  readsEnv: boolean;
}

/** A scratch directory inside the project (under node_modules, never committed). */
export function scratchDir(root: URL): URL {
  return new URL("node_modules/.astro-db/", root);
}

/** Where a bundle finds `import.meta.env`: a global, so its values never reach the file on disk. */
const ENV_GLOBAL = "__astroDbImportMetaEnv";

export interface EvaluateOptions {
  /** esbuild `define`s (JSON text) for values that are no secret, e.g. `import.meta.url`. */
  define?: Record<string, string>;
  /**
   * `import.meta.env` as the file sees it. Read from a global at run time rather than
   * inlined: it holds the app token and remote URL, and the bundle is written to disk.
   */
  env?: Record<string, unknown>;
}

export async function evaluateFile(root: URL, file: URL, astroDbModule: string, options: EvaluateOptions = {}): Promise<Evaluated> {
  const { code, dependencies } = await bundleFile(root, file, astroDbModule, options);
  return { ...(await importBundle(root, code)), dependencies };
}

/** Bundles `file` without running it (see `evaluateFile`). */
export async function bundleFile(root: URL, file: URL, astroDbModule: string, options: EvaluateOptions = {}): Promise<Bundled> {
  const define = { ...options.define };
  if (options.env) {
    (globalThis as Record<string, unknown>)[ENV_GLOBAL] = Object.freeze({ ...options.env });
    define["import.meta.env"] = ENV_GLOBAL;
  }
  const esbuild = await import("esbuild");
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: fileURLToPath(root),
      entryPoints: [fileURLToPath(file)],
      write: false,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      metafile: true,
      sourcemap: "inline",
      logLevel: "silent",
      define,
      plugins: [
        {
          name: "astro-db-virtual",
          setup(build) {
            build.onResolve({ filter: /^astro:db$/ }, () => ({ path: pathToFileURL(astroDbModule).href, external: true }));
          },
        },
      ],
    });
  } catch (e) {
    const detail = (e as { errors?: Array<{ text: string; location?: { file: string; line: number } }> }).errors
      ?.map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text))
      .join("\n");
    throw new AstroDbError(`Could not load ${display(root, file)}:\n${detail ?? String(e)}`, { code: "ASTRO_DB_LOAD_FAILED", cause: e });
  }
  const dependencies = Object.keys(result.metafile.inputs).map((p: string) => fileURLToPath(new URL(p, root)));
  const code = result.outputFiles[0].text;
  const exports = Object.values(result.metafile.outputs)[0]?.exports ?? [];
  return { code, dependencies, exports, readsEnv: options.env !== undefined && code.includes(ENV_GLOBAL) };
}

/** Runs a module `bundleFile` made, from a temporary file inside the project. */
export async function importBundle(root: URL, code: string): Promise<{ mod: Record<string, unknown>; origin: BundleOrigin }> {
  const dir = scratchDir(root);
  await mkdir(dir, { recursive: true });
  const tmp = new URL(`eval-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.mjs`, dir);
  await writeFile(tmp, code);
  try {
    let map: SourceMap | undefined | null = null;
    const origin = { url: tmp.href, map: () => (map === null ? (map = inlineMap(code)) : map) };
    return { mod: await import(tmp.href), origin };
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** A project file as the user knows it: relative to the root. */
export function display(root: URL, file: URL): string {
  return file.href.startsWith(root.href) ? decodeURIComponent(file.href.slice(root.href.length)) : fileURLToPath(file);
}
