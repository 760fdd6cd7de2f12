// What the database commands share: flag parsing, the project (root + integrations, from
// Astro's `cli()` on Astro 6 or read from astro.config.* by the bin), the target database
// (remote URL + token from the environment and `.env`, or the local dev file), the stored
// snapshot, and errors a user can act on (tokens never shown).
import { existsSync, mkdirSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SchemaTarget } from "../../index.js";
import { createClient } from "../client/index.js";
import { fileUrlOptions, resolveTarget } from "../client/config.js";
import { AstroDbError, UsageError } from "../errors.js";
import { explain as explainError, failureKind, hide } from "../explain.js";
import { projectFileUrl, remoteTargetSettings, withoutQuery, type RemoteTargetSettings } from "../database-url.js";
import type { Client } from "../client/types.js";
import { evaluateFile } from "../integration/bundle.js";
import { astroEnv } from "../integration/env.js";
import { localTarget as projectDatabase } from "../integration/prepare.js";
import type { IntegrationLike } from "../integration/load-config.js";

export { UsageError, hide };

export interface Args {
  flags: Record<string, string | true>;
  positionals: string[];
  /** Values of repeatable flags (`--rename a --rename b`), in order. */
  lists: Record<string, string[]>;
}

/** `--flag`, `--flag value` (for the names in `valued`), `--flag=value`, positionals. */
/** Astro's own options (`astro db push --root site`, or the bin's): every command takes them. */
const PROJECT_VALUED = ["root", "config", "mode", "site", "base"];
const PROJECT_BOOLEAN = ["verbose", "silent"];

export function parseArgs(argv: string[], valuedOwn: string[], knownOwn: string[], repeatable: string[] = []): Args {
  const valued = [...valuedOwn, ...repeatable, ...PROJECT_VALUED];
  const known = [...knownOwn, ...PROJECT_BOOLEAN];
  const flags: Record<string, string | true> = {};
  const positionals: string[] = [];
  const lists: Record<string, string[]> = Object.fromEntries(repeatable.map((r) => [r, []]));
  const set = (name: string, value: string) => {
    if (repeatable.includes(name)) lists[name].push(value);
    else flags[name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h") {
      flags.help = true;
      continue;
    }
    if (a === "-y" && known.includes("yes")) {
      flags.yes = true;
      continue;
    }
    if (/^-[A-Za-z]/.test(a) && !a.startsWith("--")) throw new UsageError(`Unknown option ${a}.`);
    if (!a.startsWith("--")) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!valued.includes(name) && !known.includes(name) && name !== "help") {
      throw new UsageError(`Unknown option --${name}.`);
    }
    if (eq >= 0) set(name, a.slice(eq + 1));
    else if (valued.includes(name)) {
      const v = argv[i + 1];
      if (v === undefined) throw new UsageError(`--${name} needs a value.`);
      set(name, v);
      i++;
    } else flags[name] = true;
  }
  return { flags, positionals, lists };
}

export interface Project {
  root: URL;
  integrations: IntegrationLike[];
}

let astroConfig: { root?: URL | string; integrations?: unknown[] } | undefined;

/** Astro 6's `astro db` hands us its resolved config. */
export function setAstroConfig(config: unknown): void {
  if (config && typeof config === "object") astroConfig = config as typeof astroConfig;
}

const ASTRO_CONFIG_NAMES = ["astro.config.mjs", "astro.config.js", "astro.config.ts", "astro.config.mts", "astro.config.cjs", "astro.config.cts"];

/** A directory as a URL ending in `/`; a relative path is taken from the working directory. */
export function dirUrl(p: URL | string): URL {
  const url = p instanceof URL ? p : pathToFileURL(isAbsolute(p) ? p : join(process.cwd(), p));
  return url.href.endsWith("/") ? url : new URL(url.href + "/");
}

function flattenIntegrations(list: unknown): IntegrationLike[] {
  if (!Array.isArray(list)) return [];
  return list.flat(Infinity).filter((i): i is IntegrationLike => !!i && typeof i === "object" && "hooks" in i);
}

/**
 * The project: from Astro's config when Astro called us, else from the astro.config.* in
 * `--root` (default: the current directory) or the file `--config` names.
 */
export async function loadProject(flags: Args["flags"] = {}): Promise<Project> {
  if (astroConfig) {
    return { root: dirUrl(astroConfig.root ?? process.cwd()), integrations: flattenIntegrations(astroConfig.integrations) };
  }
  const cwd = dirUrl(typeof flags.root === "string" ? flags.root : process.cwd());
  let file: URL | undefined;
  if (typeof flags.config === "string") {
    file = pathToFileURL(isAbsolute(flags.config) ? flags.config : join(process.cwd(), flags.config));
    if (!existsSync(file)) throw new UsageError(`--config: ${flags.config} does not exist.`);
  } else {
    file = ASTRO_CONFIG_NAMES.map((n) => new URL(n, cwd)).find((u) => existsSync(u));
  }
  if (!file) return { root: cwd, integrations: [] };
  const virtual = fileURLToPath(new URL("../runtime/virtual.js", import.meta.url));
  // The bundle runs from a scratch file: keep `new URL("./x", import.meta.url)` in the config
  // pointing next to the config (files it imports locally share that URL; packages are external).
  const { mod } = await evaluateFile(cwd, file, virtual, { define: { "import.meta.url": JSON.stringify(file.href) } });
  let config = (mod as { default?: unknown }).default as any;
  if (typeof config === "function") config = await config({ command: "build", mode: "production" });
  config ??= {};
  const root = config.root ? dirUrl(config.root instanceof URL ? config.root : join(fileURLToPath(cwd), String(config.root))) : cwd;
  return { root, integrations: flattenIntegrations(config.integrations) };
}

export interface Target {
  client: Client;
  /** The URL as it may be shown (credentials redacted). */
  shown: string;
  remote: boolean;
  secrets: string[];
}

/**
 * Opens the database at ASTRO_DB_REMOTE_URL (token: ASTRO_DB_APP_TOKEN or --db-app-token, from
 * the environment and .env) with `open`; a URL `open` rejects is an error that never shows secrets.
 */
async function openRemote<T>(root: URL, flags: Args["flags"], open: (config: RemoteTargetSettings["config"]) => T) {
  const env = await astroEnv(root);
  const flagToken = typeof flags["db-app-token"] === "string" ? (flags["db-app-token"] as string) : undefined;
  let settings: RemoteTargetSettings;
  try {
    settings = remoteTargetSettings(env, flagToken);
  } catch (e) {
    const err = e as AstroDbError;
    throw new UsageError(err.message, { code: err.code, hint: err.hint, cause: e });
  }
  const { config, shown, secrets } = settings;
  if (!settings.token && env.ASTRO_STUDIO_APP_TOKEN) {
    process.stderr.write(
      "ASTRO_STUDIO_APP_TOKEN is set but Astro Studio is retired and the token is ignored: set ASTRO_DB_APP_TOKEN (or pass --db-app-token) to your libSQL database's token.\n",
    );
  }
  try {
    return { opened: open({ ...config, url: projectFileUrl(config.url, root) }), shown, secrets, remote: true };
  } catch (e) {
    throw explainError(e, `ASTRO_DB_REMOTE_URL is not a valid database URL (${shown})`, { secrets });
  }
}

export async function remoteTarget(root: URL, flags: Args["flags"]): Promise<Target> {
  const { opened, ...rest } = await openRemote(root, flags, createClient);
  return { client: opened, ...rest };
}

/** Where `push` and `verify` apply the schema: the migration engine's handle, and how to show it. */
export interface PushTarget {
  native: SchemaTarget;
  shown: string;
  remote: boolean;
  secrets: string[];
}

/**
 * The database at ASTRO_DB_REMOTE_URL for the migration engine, with the client's own URL
 * rules (`resolveTarget`): a libSQL server, or a `file:` database (relative to the project).
 */
export async function pushTarget(root: URL, flags: Args["flags"]): Promise<PushTarget> {
  const { opened, ...rest } = await openRemote(root, flags, (config) => {
    const target = resolveTarget(config);
    if (target.kind === "remote") return SchemaTarget.remote(target.url, target.authToken);
    if (target.kind === "memory") return SchemaTarget.local(":memory:");
    if (target.replica) {
      throw new Error("an embedded replica (syncUrl) cannot be pushed to: set ASTRO_DB_REMOTE_URL to the primary database's URL");
    }
    return SchemaTarget.local(target.path, target.encryptionKey);
  });
  return { native: opened, ...rest };
}

export type FileOptions = ReturnType<typeof fileUrlOptions>;

/**
 * The local database: ASTRO_DATABASE_FILE (a path or `file:` URL, relative to the project,
 * with its `?busyTimeout=…&journalMode=…` options) or the dev database. Opened with the same
 * options as the built server opens it: a CLI command must not turn a `journalMode=delete`
 * file back to WAL.
 */
export async function localTarget(root: URL, mustExist: boolean): Promise<Target & { path: string; options: FileOptions }> {
  const env = await astroEnv(root);
  let path: string;
  let url: string;
  let options: FileOptions;
  try {
    ({ path, url } = projectDatabase(root, env.ASTRO_DATABASE_FILE));
    options = fileUrlOptions(url);
  } catch (e) {
    throw explainError(e, "ASTRO_DATABASE_FILE");
  }
  if (!existsSync(path)) {
    if (mustExist) throw new UsageError(`No local database at ${path}: run \`astro dev\` first, or pass --remote.`);
    mkdirSync(dirname(path), { recursive: true });
  }
  return { client: createClient({ url: withoutQuery(url), ...options }), shown: path, remote: false, secrets: [], path, options };
}

export async function chooseTarget(project: Project, flags: Args["flags"], mustExist: boolean): Promise<Target & { path?: string; options?: FileOptions }> {
  return flags.remote ? remoteTarget(project.root, flags) : localTarget(project.root, mustExist);
}

/** An error from the database as a command shows it: where, the code, the hint, the cause kept. */
export function explain(e: unknown, target: Pick<Target, "shown" | "remote" | "secrets">): AstroDbError {
  if (e instanceof AstroDbError) return e;
  const kind = failureKind(e);
  const place = { shown: target.shown, remote: target.remote, secrets: target.secrets };
  if (kind === "AUTH") return explainError(e, `${target.shown} refused the credentials (401 Unauthorized)`, place);
  if (kind === "NETWORK") return explainError(e, `Could not reach the database at ${target.shown}`, place);
  if (kind === "SQLITE_NOTADB") return explainError(e, `${target.shown} does not open`, place);
  const err = explainError(e, undefined, place);
  // Drizzle wraps driver errors ("Failed query: …", with the cause appended by our runtime):
  // the cause is what the user needs, so it comes first.
  const cause = (e as { cause?: { message?: unknown } })?.cause?.message;
  if (typeof cause === "string") err.message = hide(`${cause}\n(${err.message.split("\ncause: ")[0].trim()})`, target.secrets);
  return err;
}

/** Runs a command body, closing the client and turning errors into messages and exit codes. */
export async function withTarget(target: Target, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw explain(e, target);
  } finally {
    try {
      target.client.close();
    } catch {}
  }
}
