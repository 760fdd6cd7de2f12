// Remote `astro:db` glue shared by the Node runtime (./remote.ts, native client) and the
// `mode: 'web'` runtime (./web.ts, `@libsql/client/web`). No native code, no Node built-ins.
import { redact as redactUrl } from "../database-url.js";
import { AstroDbError } from "../errors.js";
import { hintFor } from "../explain.js";
import type { Database } from "./database-type.js";
import { EXECUTE_ROWS } from "../client/markers.js";

/**
 * Where the integration publishes the connection it resolved (flags, environment, .env)
 * to the `astro:db` module running in the same process (`astro dev`, prerendering during
 * `astro build`). A deployed server has no such value: it reads its own environment.
 */
export const REMOTE_KEY = Symbol.for("@astrojs/db:remote");

export interface RemoteDefaults {
  /** The build-time URL (never with credentials): the fallback when the run-time environment has none. */
  url?: string;
  /** Only in `astro dev` (nothing written to disk); a build never carries the token. */
  token?: string;
}

export interface RemoteSettings {
  url: string;
  token?: string;
}

export { ENCRYPTED_HINT } from "../explain.js";
export { RemoteDbError } from "../errors.js";

/** The URL and token in force: the integration's (same process), else the environment, else the build-time URL. */
export function remoteSettings(defaults: RemoteDefaults): RemoteSettings {
  const published = (globalThis as Record<symbol, Partial<RemoteSettings> | undefined>)[REMOTE_KEY];
  const env = ((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {}) as Record<string, string | undefined>;
  const url = published?.url || env.ASTRO_DB_REMOTE_URL || defaults.url;
  const token = published ? published.token : env.ASTRO_DB_APP_TOKEN || defaults.token;
  if (!url) {
    throw new AstroDbError("No remote database URL: ASTRO_DB_REMOTE_URL is not set in the server's environment.", {
      code: "ASTRO_DB_REMOTE_URL_MISSING",
      hint: "Set ASTRO_DB_REMOTE_URL (and ASTRO_DB_APP_TOKEN if the server needs a token) in the server's environment.",
    });
  }
  return { url, token: token || undefined };
}

/**
 * Adds what the user can do to a failure of the remote database as its `hint` (in place: the
 * error keeps its class and code, so `getDbError` and `isDbError` still find it). The query
 * error Drizzle wraps it in prints the hint (see `withCause`).
 */
export function explainRemoteError(e: unknown, url: string): unknown {
  if (!(e instanceof Error) || (e as { hint?: unknown }).hint) return e;
  const hint = hintFor(e, { shown: redactUrl(url), remote: true });
  if (hint) {
    try {
      (e as { hint?: string }).hint = hint;
    } catch {}
  }
  return e;
}

// The array-rows entry point of local clients fails like `execute`.
const WRAPPED = new Set<string | symbol>(["execute", "batch", "executeMultiple", "migrate", EXECUTE_ROWS]);

/** A client whose failing calls carry a hint (see `explainRemoteError`). */
export function explainingClient<C extends object>(client: C, url: string): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (WRAPPED.has(prop)) {
        return async (...args: unknown[]) => {
          try {
            return await value.apply(target, args);
          } catch (e) {
            throw explainRemoteError(e, url);
          }
        };
      }
      void receiver;
      return value.bind(target);
    },
  });
}

/** A database made on first use, so that a missing URL fails the first query, not the import. */
export function lazyDatabase(make: () => Database): Database {
  let db: Database | undefined;
  const get = () => (db ??= make());
  return new Proxy({} as Database, {
    get(_, prop) {
      // Not a thenable (async code may probe any value it returns); no connection for that.
      if (prop === "then") return undefined;
      const real = get() as unknown as Record<string | symbol, unknown>;
      const value = real[prop];
      // Methods run on the real database; `constructor` stays itself (Drizzle's `is()` reads it).
      return typeof value === "function" && prop !== "constructor" ? (value as Function).bind(real) : value;
    },
    has(_, prop) {
      return prop in (get() as object);
    },
    getPrototypeOf() {
      return Object.getPrototypeOf(get());
    },
  });
}
