// `astro dev --remote` / `astro build --remote`: the connection settings, checked at startup.
import { createRequire } from "node:module";
import { createClient } from "../client/index.js";
import { redact } from "../client/config.js";
import { checkWebUrl } from "../runtime/web.js";
import { REMOTE_KEY } from "../runtime/remote-core.js";
import { AstroDbError } from "./errors.js";

export interface RemoteConnection {
  url: string;
  token?: string;
  /** The URL as it may be shown or inlined: no `authToken` query parameter. */
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

/** The URL and token from the flags and `ASTRO_*` variables; a missing or malformed URL stops here. */
export function resolveRemote(env: Record<string, string>, mode: "node" | "web", argv = process.argv.slice(2)): RemoteConnection {
  const url = env.ASTRO_DB_REMOTE_URL?.trim();
  if (!url) {
    throw new AstroDbError(
      "--remote needs the database URL in ASTRO_DB_REMOTE_URL, which is not set.",
      "Set ASTRO_DB_REMOTE_URL (in the environment or .env) to your libSQL database, e.g. libsql://my-db.example.com, and ASTRO_DB_APP_TOKEN to its token.",
    );
  }
  const token = flagToken(argv) ?? (env.ASTRO_DB_APP_TOKEN || undefined);
  const shown = redact(url);
  if (mode === "web") {
    try {
      checkWebUrl(url);
      new URL(url);
    } catch (e) {
      throw new AstroDbError(
        `ASTRO_DB_REMOTE_URL ${JSON.stringify(shown)} cannot be used with db({ mode: 'web' }): ${String((e as Error).message).split("\n")[0]}`,
        (e as { hint?: string }).hint ?? "Use the libsql:// or https:// URL of your libSQL server.",
      );
    }
  }
  // The native client checks the URL and its options without connecting.
  try {
    createClient({ url, authToken: token }).close();
  } catch (e) {
    throw new AstroDbError(
      `ASTRO_DB_REMOTE_URL is not a usable database URL: ${(e as Error).message}`,
      "Use a libSQL URL such as libsql://my-db.example.com, https://host:port or file:path/to/local.db.",
    );
  }
  let publicUrl = url;
  if (/[?&]authToken=/i.test(url)) {
    const [base, query = ""] = url.split("?", 2);
    const rest = query.split("&").filter((p) => !/^authToken=/i.test(p));
    publicUrl = rest.length ? `${base}?${rest.join("&")}` : base;
  }
  return { url, token, publicUrl, shown };
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
  const client = createClient({ url: conn.url, authToken: conn.token });
  try {
    const rs = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
    const present = new Set(rs.rows.map((r) => String((r as Record<string, unknown>).name)));
    return tables.filter((t) => !present.has(t));
  } catch (e) {
    const msg = String((e as Error)?.message ?? e);
    const code = String((e as { code?: string })?.code ?? "");
    if (/\b40[13]\b|unauthori[sz]ed|forbidden/i.test(msg)) {
      throw new AstroDbError(
        `The remote database at ${conn.shown} rejected ${conn.token ? "the token" : "the connection: it needs a token"} (${msg.split("\n")[0]}).`,
        conn.token
          ? "Check ASTRO_DB_APP_TOKEN (or --db-app-token): the server does not accept it."
          : "Set ASTRO_DB_APP_TOKEN (in the environment or .env) or pass --db-app-token.",
      );
    }
    if (code === "SERVER_UNREACHABLE" || /unreachable|ECONNREFUSED|ENOTFOUND|connect/i.test(msg)) {
      throw new AstroDbError(
        `Could not reach the remote database at ${conn.shown} (${msg.split("\n")[0]}).`,
        "Check ASTRO_DB_REMOTE_URL and that the server is running and reachable from here.",
      );
    }
    throw new AstroDbError(`The remote database at ${conn.shown} failed: ${msg}`);
  } finally {
    client.close();
  }
}

/** `mode: 'web'` imports `@libsql/client/web`, an optional peer dependency: it must resolve from the project. */
export function checkWebClient(root: URL): void {
  try {
    createRequire(new URL("package.json", root)).resolve("@libsql/client/web");
  } catch {
    throw new AstroDbError(
      "db({ mode: 'web' }) with --remote uses @libsql/client/web, which is not installed in this project.",
      "Install it: npm install @libsql/client",
    );
  }
}
