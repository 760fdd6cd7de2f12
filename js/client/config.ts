import { LibsqlError } from "./errors.js";
import { redact } from "./redact.js";
import type { Config, IntMode, JournalMode } from "./types.js";

export { redact };

/** Where a client points, after the URL and options are checked. */
export type Target =
  | { kind: "memory"; intMode: IntMode; concurrency: number; timeout: number; replica?: ReplicaOptions }
  | {
      kind: "file";
      path: string;
      intMode: IntMode;
      concurrency: number;
      /** Busy timeout in milliseconds (`busyTimeout`, or its older name `timeout`). */
      timeout: number;
      journalMode: JournalMode;
      replica?: ReplicaOptions;
      /** Key of a file encrypted at rest (libSQL's aes256cbc); absent for a plain file. */
      encryptionKey?: string;
    }
  | RemoteTarget;

/** A local database file or an in-memory database. */
export type LocalTarget = Exclude<Target, RemoteTarget>;

/** A libSQL server, spoken to over HTTP(S) whatever the URL's scheme. */
export interface RemoteTarget {
  kind: "remote";
  /** `http(s)://authority/path`: no credentials, no query. */
  url: string;
  authToken?: string;
  /** What `client.protocol` reports, as `@libsql/client` on Node would: `ws` for `ws(s):` URLs, else `http`. */
  protocol: "http" | "ws";
  intMode: IntMode;
  concurrency: number;
}

/** The embedded-replica options of a local target, checked. */
export interface ReplicaOptions {
  /** The sync server's HTTP(S) base URL. */
  syncUrl: string;
  authToken?: string;
  /** Seconds between background syncs, if any. */
  syncInterval?: number;
  readYourWrites: boolean;
  offline: boolean;
}

const REMOTE_SCHEMES = new Set(["libsql", "http", "https", "ws", "wss"]);

/**
 * Milliseconds a statement on a file waits for another connection's (or process's) write lock
 * before SQLITE_BUSY. The native layer has the same default for files opened without options.
 */
export const DEFAULT_BUSY_TIMEOUT = 5000;
const JOURNAL_MODES: readonly JournalMode[] = ["wal", "delete"];

/** The file options a `file:` URL may carry in its query; nothing else is accepted there. */
export const FILE_URL_OPTIONS = ["busyTimeout", "journalMode"] as const;

/** Splits a URL without normalising it, so that `file:relative.db` stays relative. */
export function splitUrl(url: string): { scheme: string; authority?: string; path: string; query: URLSearchParams } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?$/.exec(url);
  if (!m) {
    throw new LibsqlError(
      `The URL ${JSON.stringify(redact(url))} is not a valid URL. Use e.g. "file:local.db", ":memory:" or "libsql://host".`,
      "URL_INVALID",
    );
  }
  return { scheme: m[1].toLowerCase(), authority: m[2], path: decodePath(m[3], url), query: new URLSearchParams(m[4] ?? "") };
}

function decodePath(path: string, url: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw new LibsqlError(`The URL ${JSON.stringify(redact(url))} has a malformed percent-encoded path.`, "URL_INVALID");
  }
}


export function resolveTarget(config: Config): Target {
  if (config === null || typeof config !== "object") {
    throw new TypeError("createClient() expects a config object such as { url: 'file:local.db' }");
  }
  const { url } = config;
  if (typeof url !== "string" || url === "") {
    throw new LibsqlError("The `url` option is required, e.g. 'file:local.db' or ':memory:'.", "URL_INVALID");
  }
  const intMode = config.intMode ?? "number";
  if (intMode !== "number" && intMode !== "bigint" && intMode !== "string") {
    throw new TypeError(`Invalid intMode ${JSON.stringify(intMode)}: expected "number", "bigint" or "string"`);
  }
  const concurrency = positiveInt(config.concurrency, 20, "concurrency");
  const parts = url === ":memory:" ? undefined : splitUrl(url);
  if (parts !== undefined && REMOTE_SCHEMES.has(parts.scheme)) {
    return resolveRemote(config, url, parts, intMode, concurrency);
  }
  const { encryptionKey } = config;
  if (encryptionKey !== undefined && typeof encryptionKey !== "string") {
    throw new TypeError("Invalid encryptionKey: expected a string");
  }
  const replica = resolveReplica(config, intMode, concurrency);
  const file = fileOptions(config, parts?.query, url);
  const timeout = file.busyTimeout;
  if (parts === undefined) return { kind: "memory", intMode, concurrency, timeout, replica };
  if (parts.scheme === "memory") return { kind: "memory", intMode, concurrency, timeout, replica };
  if (parts.scheme !== "file") {
    throw new LibsqlError(
      `Unsupported URL scheme ${JSON.stringify(parts.scheme + ":")}: use "file:", ":memory:" or "memory:".`,
      "URL_SCHEME_NOT_SUPPORTED",
    );
  }
  if (parts.authority !== undefined && parts.authority !== "" && parts.authority.toLowerCase() !== "localhost") {
    throw new LibsqlError(
      `Invalid host in file URL: ${JSON.stringify(parts.authority)}. An absolute path starts with one slash ` +
        `("file:/absolute/path.db") or three ("file:///absolute/path.db").`,
      "URL_INVALID",
    );
  }
  if (parts.path === ":memory:") return { kind: "memory", intMode, concurrency, timeout, replica };
  if (parts.path === "") throw new LibsqlError(`The file URL ${JSON.stringify(url)} has no path.`, "URL_INVALID");
  // An empty key means no encryption, as in `@libsql/client`; memory databases never touch disk.
  return {
    kind: "file",
    path: parts.path,
    intMode,
    concurrency,
    timeout,
    journalMode: file.journalMode,
    replica,
    ...(encryptionKey ? { encryptionKey } : {}),
  };
}

/**
 * The file options (`busyTimeout`, `journalMode`) a `file:` URL carries, checked; for code
 * that opens the file by path (migrating ASTRO_DATABASE_FILE) the way its clients will.
 */
export function fileUrlOptions(url: string): { busyTimeout: number; journalMode: JournalMode } {
  return fileOptions({ url }, url.startsWith("file:") ? splitUrl(url).query : undefined, url);
}

/**
 * The busy timeout and journal mode of a local database: from the URL's query
 * (`file:prod.db?busyTimeout=10000&journalMode=delete`, so that one variable such as
 * ASTRO_DATABASE_FILE carries them), else the config (`busyTimeout`, or its older name
 * `timeout`), else the defaults (5000 ms, WAL). Any other query parameter is an error.
 */
function fileOptions(config: Config, query: URLSearchParams | undefined, url: string): { busyTimeout: number; journalMode: JournalMode } {
  const shown = JSON.stringify(redact(url));
  let busyTimeout = positiveInt(config.busyTimeout ?? config.timeout, DEFAULT_BUSY_TIMEOUT, config.busyTimeout !== undefined ? "busyTimeout" : "timeout");
  let journalMode = config.journalMode ?? "wal";
  for (const [key, value] of query ?? []) {
    if (key === "busyTimeout") {
      if (!/^\d+$/.test(value)) {
        throw new LibsqlError(`Invalid busyTimeout=${JSON.stringify(value)} in ${shown}: expected a whole number of milliseconds.`, "URL_INVALID");
      }
      busyTimeout = Number(value);
    } else if (key === "journalMode") {
      journalMode = value.toLowerCase() as JournalMode;
    } else {
      throw new LibsqlError(
        `Unsupported URL query parameter ${JSON.stringify(key)} in the local database URL ${shown} (supported: ${FILE_URL_OPTIONS.join(", ")}).`,
        "URL_PARAM_NOT_SUPPORTED",
      );
    }
  }
  if (!JOURNAL_MODES.includes(journalMode)) {
    throw new LibsqlError(`Invalid journalMode ${JSON.stringify(journalMode)} for ${shown}: use "wal" (default) or "delete".`, "URL_INVALID");
  }
  return { busyTimeout, journalMode };
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`Invalid ${name} ${JSON.stringify(value)}: expected a non-negative integer`);
  }
  return value;
}

/** Checks a remote URL (`libsql:`, `http(s):`, `ws(s):`) and maps it to the HTTP(S) base URL we speak to. */
function resolveRemote(
  config: Config,
  url: string,
  parts: ReturnType<typeof splitUrl>,
  intMode: IntMode,
  concurrency: number,
): RemoteTarget {
  const shown = JSON.stringify(redact(url));
  if (/#/.test(url)) throw new LibsqlError(`URL fragments are not supported in ${shown}.`, "URL_INVALID");
  let authToken = config.authToken;
  let tls: boolean | undefined = config.tls;
  for (const [key, value] of parts.query) {
    if (key === "authToken") {
      authToken = value;
    } else if (key === "tls") {
      if (value !== "0" && value !== "1" && value !== "") {
        throw new LibsqlError(`Unknown value for the "tls" query argument in ${shown}: use tls=0 or tls=1.`, "URL_INVALID");
      }
      tls = value !== "0";
    } else {
      throw new LibsqlError(
        `Unsupported URL query parameter ${JSON.stringify(key)} in the remote URL ${shown} (supported: authToken, tls).`,
        "URL_PARAM_NOT_SUPPORTED",
      );
    }
  }
  if (authToken !== undefined && typeof authToken !== "string") {
    throw new TypeError("`authToken` must be a string");
  }
  const authority = parts.authority ?? "";
  if (authority === "") {
    throw new LibsqlError(`The URL ${shown} has no host: write it as ${parts.scheme}://host[:port].`, "URL_INVALID");
  }
  if (authority.includes("@")) {
    throw new LibsqlError(
      `The URL ${shown} carries credentials; pass the token as authToken (or ?authToken=) instead.`,
      "URL_INVALID",
    );
  }
  const port = /^(?:\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
  if (port === null || port[1] === "" || (port[1] !== undefined && Number(port[1]) > 65535)) {
    throw new LibsqlError(`The URL ${shown} has a malformed host or port.`, "URL_INVALID");
  }
  if (config.encryptionKey !== undefined) {
    throw new LibsqlError("Encryption keys are not supported with a remote URL (the server owns the file).", "ENCRYPTION_KEY_NOT_SUPPORTED");
  }
  for (const name of FILE_URL_OPTIONS) {
    if (config[name] !== undefined) {
      throw new LibsqlError(`${name} applies to a local database file, not to the remote URL ${shown} (the server owns the file).`, "URL_PARAM_NOT_SUPPORTED");
    }
  }
  if (config.syncUrl !== undefined) {
    throw new LibsqlError(
      "syncUrl makes an embedded replica of a local file: use it with a file: URL, or use the remote URL alone.",
      "URL_INVALID",
    );
  }
  let secure: boolean;
  if (parts.scheme === "libsql") {
    secure = tls ?? true;
    if (!secure && port[1] === undefined) {
      throw new LibsqlError('A "libsql:" URL with ?tls=0 must specify an explicit port', "URL_INVALID");
    }
  } else {
    secure = parts.scheme === "https" || parts.scheme === "wss";
    if (tls === true && !secure) {
      throw new LibsqlError(`A "${parts.scheme}:" URL cannot opt into TLS by using ?tls=1`, "URL_INVALID");
    }
    if (tls === false && secure) {
      throw new LibsqlError(`A "${parts.scheme}:" URL cannot opt out of TLS by using ?tls=0`, "URL_INVALID");
    }
  }
  const path = parts.path.replace(/\/+$/, "");
  return {
    kind: "remote",
    url: `${secure ? "https" : "http"}://${authority}${encodeURI(path)}`,
    authToken,
    protocol: parts.scheme === "ws" || parts.scheme === "wss" ? "ws" : "http",
    intMode,
    concurrency,
  };
}

/** Checks the embedded-replica options of a local URL: `syncUrl`, `syncInterval`, `readYourWrites`, `offline`. */
function resolveReplica(config: Config, intMode: IntMode, concurrency: number): ReplicaOptions | undefined {
  const { syncUrl, syncInterval, readYourWrites, offline } = config;
  if (syncUrl === undefined) return undefined;
  if (typeof syncUrl !== "string" || syncUrl === "") {
    throw new LibsqlError("`syncUrl` must be the URL of the primary database, e.g. libsql://db.example.com.", "URL_INVALID");
  }
  const parts = splitUrl(syncUrl);
  if (!REMOTE_SCHEMES.has(parts.scheme)) {
    throw new LibsqlError(
      `Unsupported syncUrl scheme ${JSON.stringify(parts.scheme + ":")}: use libsql:, https:, http:, wss: or ws:.`,
      "URL_SCHEME_NOT_SUPPORTED",
    );
  }
  const remote = resolveRemote({ url: syncUrl, authToken: config.authToken, tls: config.tls }, syncUrl, parts, intMode, concurrency);
  if (syncInterval !== undefined && (typeof syncInterval !== "number" || !Number.isFinite(syncInterval) || syncInterval < 0)) {
    throw new TypeError(`Invalid syncInterval ${JSON.stringify(syncInterval)}: expected a non-negative number of seconds`);
  }
  for (const [name, value] of [["readYourWrites", readYourWrites], ["offline", offline]] as const) {
    if (value !== undefined && typeof value !== "boolean") {
      throw new TypeError(`Invalid ${name} ${JSON.stringify(value)}: expected true or false`);
    }
  }
  return {
    syncUrl: remote.url,
    authToken: remote.authToken,
    syncInterval: syncInterval === 0 ? undefined : syncInterval,
    readYourWrites: readYourWrites ?? true,
    offline: offline ?? false,
  };
}
