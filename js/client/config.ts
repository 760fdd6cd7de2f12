import { LibsqlError } from "./errors.js";
import type { Config, IntMode } from "./types.js";

/** Where a client points, after the URL and options are checked. */
export type Target =
  | { kind: "memory"; intMode: IntMode; concurrency: number; timeout: number }
  | { kind: "file"; path: string; intMode: IntMode; concurrency: number; timeout: number };

const REMOTE_SCHEMES = new Set(["libsql", "http", "https", "ws", "wss"]);

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

/** Hides credentials a URL may carry before it is shown to anyone. */
export function redact(url: string): string {
  return url
    .replace(/(\/\/)[^/@?#]*@/, "$1***@")
    .replace(/([?&](?:authToken|encryptionKey)=)[^&#]*/gi, "$1***");
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
  const timeout = positiveInt(config.timeout, 0, "timeout");
  if (config.syncUrl !== undefined) {
    throw new LibsqlError("Embedded replicas (syncUrl) are not supported yet by @astrojs/db/client.", "URL_SCHEME_NOT_SUPPORTED");
  }
  if (config.encryptionKey !== undefined) {
    throw new LibsqlError("Encrypted databases (encryptionKey) are not supported yet by @astrojs/db/client.", "ENCRYPTION_NOT_SUPPORTED");
  }
  if (url === ":memory:") return { kind: "memory", intMode, concurrency, timeout };
  const parts = splitUrl(url);
  if (REMOTE_SCHEMES.has(parts.scheme)) {
    throw new LibsqlError(
      `Remote databases (${parts.scheme}: URLs) are not supported yet by @astrojs/db/client; use a file: or :memory: URL.`,
      "URL_SCHEME_NOT_SUPPORTED",
    );
  }
  for (const key of parts.query.keys()) {
    throw new LibsqlError(`Unsupported URL query parameter ${JSON.stringify(key)} in a local database URL.`, "URL_PARAM_NOT_SUPPORTED");
  }
  if (parts.scheme === "memory") return { kind: "memory", intMode, concurrency, timeout };
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
  if (parts.path === ":memory:") return { kind: "memory", intMode, concurrency, timeout };
  if (parts.path === "") throw new LibsqlError(`The file URL ${JSON.stringify(url)} has no path.`, "URL_INVALID");
  return { kind: "file", path: parts.path, intMode, concurrency, timeout };
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`Invalid ${name} ${JSON.stringify(value)}: expected a non-negative integer`);
  }
  return value;
}
