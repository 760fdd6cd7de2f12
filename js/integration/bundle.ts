// Evaluates a project file (db/config.ts, a seed, an `execute` script, astro.config.*)
// outside Vite: esbuild bundles it, `astro:db` maps to a module we choose, and the result is
// imported from a temporary file inside the project so that its packages resolve as the
// user's code would.
//
// esbuild is our own dependency, never the project's: Astro 7 (Vite 8, Rolldown) no longer
// installs it, and strict layouts (pnpm, Yarn PnP) hide a project's transitive packages. It
// is imported lazily so that nothing at run time (a built server) ever loads it.
import { mkdir, unlink, writeFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AstroDbError } from "./errors.js";

export interface Evaluated {
  mod: Record<string, unknown>;
  /** Absolute paths of the files the bundle read. */
  dependencies: string[];
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
  return { mod: await importBundle(root, code), dependencies };
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
    throw new AstroDbError(`Could not load ${display(root, file)}:\n${detail ?? String(e)}`);
  }
  const dependencies = Object.keys(result.metafile.inputs).map((p: string) => fileURLToPath(new URL(p, root)));
  const code = result.outputFiles[0].text;
  const exports = Object.values(result.metafile.outputs)[0]?.exports ?? [];
  return { code, dependencies, exports, readsEnv: options.env !== undefined && code.includes(ENV_GLOBAL) };
}

/** Runs a module `bundleFile` made, from a temporary file inside the project. */
export async function importBundle(root: URL, code: string): Promise<Record<string, unknown>> {
  const dir = scratchDir(root);
  await mkdir(dir, { recursive: true });
  const tmp = new URL(`eval-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.mjs`, dir);
  await writeFile(tmp, code);
  try {
    return await import(tmp.href);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** A project file as the user knows it: relative to the root. */
export function display(root: URL, file: URL): string {
  return file.href.startsWith(root.href) ? decodeURIComponent(file.href.slice(root.href.length)) : fileURLToPath(file);
}
