// Where the database is: every rule about `ASTRO_DB_REMOTE_URL` and its options, `file:` paths,
// `ASTRO_DATABASE_FILE`, the dev database and what of a URL may be shown (redaction lives in
// ./client/redact.ts, re-exported here, because the client package must stand alone).
// Pure and web-safe (no Node built-ins): the integration, both runtimes, the CLI and the client
// use it.
//
// The one rule for relative paths: a relative `ASTRO_DATABASE_FILE` (a path or `file:` URL) and
// a relative `file:` URL in `ASTRO_DB_REMOTE_URL` are taken from the project root wherever the
// project is known (`astro dev`, `astro build`, every `astro-db` command), whatever the working
// directory. A built server has no project: there, at run time, they are taken from its working
// directory.
//
// `ASTRO_DB_REMOTE_URL` → client options: as with upstream Astro DB, options ride in the URL's
// query (`file:prod.db?encryptionKey=…`, `memory:?syncUrl=libsql%3A%2F%2F…`), so one variable
// configures the whole connection.
import { redact, secretsIn, withoutSecrets } from "./client/redact.js";
import { AstroDbError } from "./errors.js";

export { redact, secretsIn, withoutSecrets };

/** The dev database, relative to the project root: recreated and seeded at every start. */
export const DEV_DATABASE_PATH = ".astro/content.db";

/** A local path as a URL path: `\` as `/`, each segment percent-encoded, a drive letter kept. */
function pathToUrlPath(path: string): string {
  return path
    .replace(/\\/g, "/")
    .split("/")
    .map((seg, i) => (i <= 1 && /^[A-Za-z]:$/.test(seg) ? seg : encodeURIComponent(seg)))
    .join("/");
}

/** Whether a local path is absolute (POSIX `/…`, Windows `C:\…` or `\\server\…`). */
function isAbsolutePath(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}

function splitAtQuery(value: string): { bare: string; query: string } {
  const q = value.indexOf("?");
  return q >= 0 ? { bare: value.slice(0, q), query: value.slice(q) } : { bare: value, query: "" };
}

/**
 * The `file:` URL (its `?query` kept) of `value`: a path or a `file:` URL, as
 * `ASTRO_DATABASE_FILE` takes them. A relative one is taken from `base`, a directory URL
 * (the project root, or a built server's working directory).
 */
export function databaseFileUrl(value: string, base: URL | string): string {
  const { bare, query } = splitAtQuery(value.trim());
  if (/^file:\/\//i.test(bare)) return bare + query;
  let path = bare;
  if (/^file:/i.test(bare)) {
    path = bare.slice("file:".length);
    try {
      path = decodeURIComponent(path);
    } catch {
      // A malformed escape stays as written; the client names it.
    }
  }
  if (isAbsolutePath(path)) {
    const urlPath = pathToUrlPath(path);
    return `file://${urlPath.startsWith("/") ? "" : "/"}${urlPath}${query}`;
  }
  const dir = String(base).endsWith("/") ? String(base) : `${base}/`;
  return new URL(pathToUrlPath(path), dir).href + query;
}

/**
 * `ASTRO_DB_REMOTE_URL` for this process: a relative `file:` URL taken from the project root;
 * absolute `file:` URLs and every other scheme as they are.
 */
export function projectFileUrl(url: string, root: URL | string): string {
  return /^file:(?!\/)/i.test(url) ? databaseFileUrl(url, root) : url;
}

/**
 * The local database of a project: `ASTRO_DATABASE_FILE` (a path or `file:` URL with its
 * `?busyTimeout=…&journalMode=…`), else the dev database. `persistent`: the user's file, to be
 * migrated and never reset.
 */
export function localDatabaseUrl(root: URL | string, astroDatabaseFile: string | undefined): { url: string; persistent: boolean } {
  if (!astroDatabaseFile) return { url: new URL(DEV_DATABASE_PATH, root).href, persistent: false };
  return { url: databaseFileUrl(astroDatabaseFile, root), persistent: true };
}

/** A URL without its query: what names the file. */
export function withoutQuery(url: string): string {
  return splitAtQuery(url).bare;
}

const URL_OPTION = "ASTRO_DB_URL_OPTION";

export interface RemoteClientConfig {
  url: string;
  authToken?: string;
  encryptionKey?: string;
  syncUrl?: string;
  syncInterval?: number;
  concurrency?: number;
  readYourWrites?: boolean;
  offline?: boolean;
  tls?: boolean;
  /** `file:` URLs: see the client's `busyTimeout`. */
  busyTimeout?: number;
  /** `file:` URLs: see the client's `journalMode` (the client checks the value). */
  journalMode?: "wal" | "delete";
}

const STRINGS = ["authToken", "encryptionKey", "syncUrl", "journalMode"] as const;
const NUMBERS = ["syncInterval", "concurrency", "busyTimeout"] as const;
const BOOLEANS = ["readYourWrites", "offline", "tls"] as const;
const KNOWN: readonly string[] = [...STRINGS, ...NUMBERS, ...BOOLEANS];

/** The options the pure-JS HTTP client of `mode: 'web'` understands. */
export const WEB_OPTIONS: readonly string[] = ["authToken", "concurrency", "tls"];

function splitQuery(url: string): { base: string; query: string } {
  const hash = url.indexOf("#");
  const noHash = hash >= 0 ? url.slice(0, hash) : url;
  const q = noHash.indexOf("?");
  return q >= 0 ? { base: noHash.slice(0, q), query: noHash.slice(q + 1) } : { base: noHash, query: "" };
}

/**
 * The client config for `url` and the token in force (`--db-app-token` or `ASTRO_DB_APP_TOKEN`,
 * which wins over an `authToken` in the query). Unknown options and malformed values are errors
 * naming the option: a typo must not silently drop, say, the encryption key.
 */
export function remoteClientConfig(url: string, token?: string): RemoteClientConfig {
  const { base, query } = splitQuery(url.trim());
  const config: RemoteClientConfig = { url: base };
  const where = `in the query of ASTRO_DB_REMOTE_URL (${redact(url)})`;
  for (const [name, value] of new URLSearchParams(query)) {
    if (!KNOWN.includes(name)) {
      const near = KNOWN.find((k) => k.toLowerCase() === name.toLowerCase());
      throw new AstroDbError(`Unknown option ${JSON.stringify(name)} ${where}.`, {
        code: URL_OPTION,
        hint: near ? `Options are case-sensitive: did you mean ${near}?` : `Supported options: ${KNOWN.join(", ")}.`,
      });
    }
    const options = config as unknown as Record<string, unknown>;
    if ((STRINGS as readonly string[]).includes(name)) options[name] = value;
    else if ((NUMBERS as readonly string[]).includes(name)) {
      if (!/^\d+$/.test(value)) throw new AstroDbError(`Option ${name}=${JSON.stringify(value)} ${where} is not a whole number.`, { code: URL_OPTION });
      options[name] = Number(value);
    } else {
      // Bare (`?offline`) means true, as in libSQL URLs.
      const flag = { "": true, true: true, "1": true, false: false, "0": false }[value.toLowerCase()];
      if (flag === undefined) {
        throw new AstroDbError(`Option ${name}=${JSON.stringify(value)} ${where} must be true or false (1 or 0, or bare for true).`, { code: URL_OPTION });
      }
      options[name] = flag;
    }
  }
  if (token) config.authToken = token;
  return config;
}

/** The URL without its secret query options: what may be written into a build. */
export function publicRemoteUrl(url: string): string {
  return withoutSecrets(url);
}

export interface RemoteTargetSettings {
  /** ASTRO_DB_REMOTE_URL as given. */
  url: string;
  /** The token in force: `--db-app-token`, else ASTRO_DB_APP_TOKEN (empty counts as none). */
  token?: string;
  config: RemoteClientConfig;
  /** The URL for messages (credentials hidden). */
  shown: string;
  /** Every secret the settings hold, to scrub from any text shown. */
  secrets: string[];
}

/** The remote database the `ASTRO_DB_*` variables (and `--db-app-token`) name, checked without connecting. */
export function remoteTargetSettings(env: Record<string, string | undefined>, flagToken?: string): RemoteTargetSettings {
  const url = env.ASTRO_DB_REMOTE_URL?.trim();
  if (!url) {
    throw new AstroDbError("ASTRO_DB_REMOTE_URL is not set.", {
      code: "ASTRO_DB_REMOTE_URL_MISSING",
      hint: "Set it (in the environment or .env) to your libSQL database, e.g. libsql://my-db.example.com, http://127.0.0.1:8080 or file:remote.db, and ASTRO_DB_APP_TOKEN to its token.",
    });
  }
  const token = flagToken || env.ASTRO_DB_APP_TOKEN || undefined;
  const config = remoteClientConfig(url, token);
  const secrets = [...new Set([token, config.authToken, config.encryptionKey, ...secretsIn(url)].filter((s): s is string => !!s))];
  return { url, token, config, shown: redact(url), secrets };
}
