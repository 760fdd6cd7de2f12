// `astro dev --remote` / `astro build --remote`: the connection settings, checked at startup.
import { createRequire } from "node:module";
import { createClient } from "../client/index.js";
import { webClientConfig } from "../runtime/web.js";
import { REMOTE_KEY } from "../runtime/remote-core.js";
import { explain, failureKind, URL_HINT } from "../explain.js";
import { projectFileUrl, publicRemoteUrl, remoteTargetSettings, type RemoteClientConfig, type RemoteTargetSettings } from "../database-url.js";
import { AstroDbError } from "./errors.js";

export interface RemoteConnection {
  url: string;
  token?: string;
  /** What the client is created with: the URL without its query, whose options are here. */
  config: RemoteClientConfig;
  /** The URL as it may be inlined into a build: no `authToken` or `encryptionKey`. */
  publicUrl: string;
  /** The URL for messages (credentials hidden). */
  shown: string;
}

/** Whether the command line asks for the remote database. */
export function wantsRemote(argv = process.argv.slice(2)): boolean {
  return argv.includes("--remote");
}

/** `--db-app-token <t>` or `--db-app-token=<t>`. */
export function flagToken(argv = process.argv.slice(2)): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--db-app-token") return argv[i + 1];
    if (a.startsWith("--db-app-token=")) return a.slice("--db-app-token=".length);
  }
  return undefined;
}

export { projectFileUrl };

/**
 * The URL and token from the flags and `ASTRO_*` variables; a missing or malformed URL stops
 * here. With `root`, a relative `file:` URL is taken from the project root for this process;
 * the URL a build falls back to (`publicUrl`) stays as given, relative to the server's directory.
 */
export function resolveRemote(env: Record<string, string>, mode: "node" | "web", argv = process.argv.slice(2), root?: URL): RemoteConnection {
  let settings: RemoteTargetSettings;
  try {
    settings = remoteTargetSettings(env, flagToken(argv));
    if (mode === "web") webClientConfig(settings.url, settings.token);
  } catch (e) {
    const err = e as AstroDbError;
    throw new AstroDbError(`--remote: ${err.message}`, { code: err.code, hint: err.hint, cause: e });
  }
  const { token, shown } = settings;
  const url = root ? projectFileUrl(settings.url, root) : settings.url;
  const config = root ? { ...settings.config, url: projectFileUrl(settings.config.url, root) } : settings.config;
  // The native client checks the URL and its options without connecting.
  try {
    createClient(config).close();
  } catch (e) {
    const err = explain(e, "ASTRO_DB_REMOTE_URL is not a usable database URL", { secrets: settings.secrets });
    err.hint ??= URL_HINT;
    throw err;
  }
  return { url, token, config, publicUrl: publicRemoteUrl(settings.url), shown };
}

/** Hands the connection to `astro:db` modules running in this process (dev, prerendering). */
export function publishRemote(conn: RemoteConnection): void {
  (globalThis as Record<symbol, unknown>)[REMOTE_KEY] = { url: conn.url, token: conn.token };
}

/**
 * One round trip at startup: is the server there, does it take the token, which configured
 * tables are missing. Unreachable and rejected are errors; missing tables are returned.
 */
export async function probeRemote(conn: RemoteConnection, tables: string[]): Promise<string[]> {
  const client = createClient(conn.config);
  try {
    const rs = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
    const present = new Set(rs.rows.map((r) => String((r as Record<string, unknown>).name)));
    return tables.filter((t) => !present.has(t));
  } catch (e) {
    const kind = failureKind(e);
    const what =
      kind === "AUTH" || kind === "FORBIDDEN"
        ? `The remote database at ${conn.shown} rejected ${conn.token ? "the token" : "the connection: it needs a token"}`
        : kind === "NETWORK"
          ? `Could not reach the remote database at ${conn.shown}`
          : kind === "SQLITE_NOTADB"
            ? `The database at ${conn.shown} does not open`
            : `The remote database at ${conn.shown} failed`;
    const err = explain(e, what, { shown: conn.shown, remote: true, secrets: conn.token ? [conn.token] : [] });
    if (kind === "AUTH" && !conn.token) err.hint = "Set ASTRO_DB_APP_TOKEN (in the environment or .env) or pass --db-app-token.";
    throw err;
  } finally {
    client.close();
  }
}

/** `mode: 'web'` imports `@libsql/client/web`, an optional peer dependency: it must resolve from the project. */
export function checkWebClient(root: URL): void {
  try {
    createRequire(new URL("package.json", root)).resolve("@libsql/client/web");
  } catch (e) {
    throw new AstroDbError("db({ mode: 'web' }) with --remote uses @libsql/client/web, which is not installed in this project.", {
      code: "ASTRO_DB_WEB_CLIENT_MISSING",
      hint: "Install it: npm install @libsql/client",
      cause: e,
    });
  }
}
