// Finds and evaluates db/config.* and the config files integrations add, then hands the
// result to the Rust schema loader. In config files `astro:db` is the config-time helpers.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadSchema } from "../../index.js";
import { evaluateFile } from "./bundle.js";
import { AstroDbError } from "./errors.js";
import { serializeConfigs, type ConfigSource, type Problem } from "./serialize.js";

export const CONFIG_FILE_NAMES = ["config.ts", "config.js", "config.mts", "config.mjs"];
export const SEED_FILE_NAMES = ["seed.ts", "seed.js", "seed.mjs", "seed.mts"];

export interface IntegrationLike {
  name: string;
  hooks: Record<string, ((options: any) => unknown) | undefined>;
}

export interface LoadedSchema {
  /** The canonical snapshot JSON (`{"version":"2024-03-12","schema":{…}}`). */
  snapshot: string;
  tables: Record<string, any>;
  hash: string;
  warnings: string[];
  /** Seed files from integrations, in registration order. */
  integrationSeeds: URL[];
  /** Hrefs of the integration seeds registered with `seedCache: false` (never cached). */
  uncachedSeeds: string[];
  /** Files the configs import (to watch in dev). */
  dependencies: string[];
  configFile: URL | undefined;
}

export function dbDirectory(root: URL): URL {
  return new URL("db/", root);
}

/** The one db/config.* file of the project, or undefined; several is an error. */
export function findConfigFile(root: URL): URL | undefined {
  const found = CONFIG_FILE_NAMES.map((n) => new URL(n, dbDirectory(root))).filter((u) => existsSync(u));
  if (found.length > 1) {
    throw new AstroDbError(
      `Found several database config files: ${found.map((u) => "db/" + u.pathname.split("/").pop()).join(", ")}.`,
      "Keep exactly one of db/config.ts, db/config.js, db/config.mts or db/config.mjs.",
    );
  }
  return found[0];
}

/** Resolves an entrypoint given by an integration: a URL, or a specifier resolved from the project root. */
export function resolveEntrypoint(root: URL, entry: string | URL): URL {
  if (entry instanceof URL) return entry;
  if (entry.startsWith("file:")) return new URL(entry);
  return pathToFileURL(createRequire(root).resolve(entry));
}

export async function loadDbSchema(root: URL, integrations: IntegrationLike[]): Promise<LoadedSchema> {
  const configFile = findConfigFile(root);
  const sources: ConfigSource[] = [];
  const dependencies = new Set<string>();
  if (configFile) {
    const { mod, deps } = await evaluateConfigFile(root, configFile);
    deps.forEach((d) => dependencies.add(d));
    sources.push({ integration: null, config: mod.default ?? {} });
  } else {
    sources.push({ integration: null, config: {} });
  }

  const integrationSeeds: URL[] = [];
  const uncachedSeeds: string[] = [];
  for (const integration of integrations) {
    const hook = integration.hooks["astro:db:setup"];
    if (!hook) continue;
    const entries: Array<{ configEntrypoint?: string | URL; seedEntrypoint?: string | URL; seedCache?: boolean }> = [];
    await hook({ extendDb: (options: (typeof entries)[number]) => entries.push(options ?? {}) });
    for (const { configEntrypoint, seedEntrypoint, seedCache } of entries) {
      if (configEntrypoint) {
        const url = resolveEntrypoint(root, configEntrypoint);
        const { mod } = await evaluateConfigFile(root, url);
        sources.push({ integration: integration.name, config: mod.default ?? {} });
      }
      if (seedEntrypoint) {
        const url = resolveEntrypoint(root, seedEntrypoint);
        integrationSeeds.push(url);
        if (seedCache === false) uncachedSeeds.push(url.href);
      }
    }
  }

  const problems: Problem[] = [];
  const input = serializeConfigs(sources, problems);
  if (problems.length > 0) throw invalidConfig(problems);
  let loaded;
  try {
    loaded = loadSchema(JSON.stringify(input));
  } catch (e) {
    throw toAstroError(e);
  }
  return {
    snapshot: loaded.snapshot,
    tables: JSON.parse(loaded.snapshot).schema,
    hash: loaded.hash,
    warnings: loaded.warnings,
    integrationSeeds,
    uncachedSeeds,
    dependencies: [...dependencies],
    configFile,
  };
}

function invalidConfig(problems: Problem[]): AstroDbError {
  const lines = problems.map((p) => `- ${p.path}: ${p.message}`);
  const err = new AstroDbError(`Invalid database config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`, {
    code: "ASTRO_DB_INVALID_CONFIG",
  });
  (err as any).problems = problems;
  return err;
}

function toAstroError(e: unknown): unknown {
  const err = e as { code?: string; problems?: Problem[] };
  if (err?.code === "ASTRO_DB_INVALID_CONFIG" && Array.isArray(err.problems)) return invalidConfig(err.problems);
  return e;
}

async function evaluateConfigFile(root: URL, file: URL): Promise<{ mod: { default?: unknown }; deps: string[] }> {
  const virtual = fileURLToPath(new URL("../runtime/virtual.js", import.meta.url));
  const define = { "import.meta.env.ASTRO_DATABASE_FILE": JSON.stringify(process.env.ASTRO_DATABASE_FILE ?? "") };
  const { mod, dependencies } = await evaluateFile(root, file, virtual, { define });
  return { mod: mod as { default?: unknown }, deps: dependencies };
}
