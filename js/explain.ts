// What a failure means and what the user can do about it, chosen by the codes the database
// and the clients give (never by message text, with one exception SQLite forces: it has no
// code for "no such table" or a syntax error, both plain SQLITE_ERROR). One table serves the
// dev log, `astro build`, the CLI and `astro:db` at run time. Pure and web-safe.
import { AstroDbError, causes } from "./errors.js";

/** What a file that does not open as SQLite usually means. */
export const ENCRYPTED_HINT =
  "The database file is not readable as SQLite: it is encrypted and the key is missing or wrong, or it is not a database. Check the encryptionKey option in ASTRO_DB_REMOTE_URL (e.g. file:prod.db?encryptionKey=...).";

/** Node's codes for a connection that never happened (`fetch failed` keeps them in `.cause`). */
const NETWORK_CODES = new Set(["SERVER_UNREACHABLE", "ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "ECONNRESET", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);

/** The client's codes for a URL it cannot use. */
const URL_CODES = new Set(["URL_INVALID", "URL_SCHEME_NOT_SUPPORTED", "URL_PARAM_NOT_SUPPORTED", "ENCRYPTION_KEY_NOT_SUPPORTED"]);

/** What a database URL looks like. */
export const URL_HINT = "Use a libSQL URL such as libsql://my-db.example.com, https://host:port or file:path/to/local.db.";

/** The kinds of failure a user meets, each with its own hint. */
export type FailureKind =
  | "SQLITE_CONSTRAINT_NOTNULL"
  | "SQLITE_CONSTRAINT_CHECK"
  | "SQLITE_CONSTRAINT_UNIQUE"
  | "SQLITE_CONSTRAINT_PRIMARYKEY"
  | "SQLITE_CONSTRAINT_FOREIGNKEY"
  | "SQLITE_CONSTRAINT"
  | "SQLITE_NOTADB"
  | "SQLITE_BUSY"
  | "MISSING_TABLE"
  | "SYNTAX"
  | "AUTH"
  | "FORBIDDEN"
  | "NETWORK"
  | "URL_INVALID";

interface Coded {
  code?: unknown;
  extendedCode?: unknown;
  status?: unknown;
  message?: unknown;
}

/** The kind of `e` (looking through `cause`s), or undefined for one no hint fits. */
export function failureKind(e: unknown): FailureKind | undefined {
  for (const c of causes(e)) {
    const { code, extendedCode, status, message } = (c ?? {}) as Coded;
    const key = typeof extendedCode === "string" ? extendedCode : typeof code === "string" ? code : "";
    if (key.startsWith("SQLITE_CONSTRAINT")) {
      return (HINTS as Record<string, unknown>)[key] ? (key as FailureKind) : "SQLITE_CONSTRAINT";
    }
    if (key === "SQLITE_NOTADB" || key.startsWith("SQLITE_BUSY")) return key === "SQLITE_NOTADB" ? "SQLITE_NOTADB" : "SQLITE_BUSY";
    // Only an HTTP failure has a `status` (ours on the error, @libsql/client's on its cause).
    if (status === 401) return "AUTH";
    if (status === 403) return "FORBIDDEN";
    if (typeof code === "string" && NETWORK_CODES.has(code)) return "NETWORK";
    if (typeof code === "string" && URL_CODES.has(code)) return "URL_INVALID";
    if (code === "SQL_PARSE_ERROR") return "SYNTAX";
    if (code === "SQLITE_ERROR" || code === "SQLITE_UNKNOWN") {
      const text = String(message ?? "");
      if (/no such table/i.test(text)) return "MISSING_TABLE";
      if (/syntax error/i.test(text)) return "SYNTAX";
    }
  }
  return undefined;
}

/** Where the failure happened: names shown in hints. */
export interface Place {
  /** The database as it may be shown (credentials hidden). */
  shown?: string;
  /** The remote database (`--remote`, ASTRO_DB_REMOTE_URL) rather than the local file. */
  remote?: boolean;
}

const UNIQUE = "A value that must be unique is inserted twice: insert each primary-key and unique value once (across all seed files too).";

const HINTS: Record<FailureKind, (p: Place) => string> = {
  SQLITE_CONSTRAINT_NOTNULL: () =>
    "A required column got no value (or null): give it one, give the column a default in db/config.ts, or make it `optional: true`.",
  SQLITE_CONSTRAINT_CHECK: () => "A value breaks a CHECK constraint of the table: compare the row with the table's definition.",
  SQLITE_CONSTRAINT_UNIQUE: () => UNIQUE,
  SQLITE_CONSTRAINT_PRIMARYKEY: () => UNIQUE,
  SQLITE_CONSTRAINT_FOREIGNKEY: () =>
    "A reference points at a row that does not exist: insert the referenced rows first (seed files run in order), or fix the referenced value.",
  SQLITE_CONSTRAINT: () => "A constraint of the table failed: check that referenced rows are inserted first and that unique values do not repeat.",
  SQLITE_NOTADB: () => ENCRYPTED_HINT,
  SQLITE_BUSY: () => "Another connection holds the database's write lock: retry, or raise busyTimeout in the database URL.",
  MISSING_TABLE: (p) =>
    p.remote
      ? `The remote database${p.shown ? ` at ${p.shown}` : ""} lacks this table: push the schema first with \`npx astro-db push --remote\` (Astro 6: \`astro db push --remote\`).`
      : "The table is not in the database: is it in db/config.ts (and spelled the same)? Restart `astro dev` after changing the schema outside it.",
  SYNTAX: () => "The SQL does not parse: check the statement near the quoted word.",
  AUTH: (p) => `The remote database${p.shown ? ` at ${p.shown}` : ""} rejected the credentials: check ASTRO_DB_APP_TOKEN (or --db-app-token): it must be a token the server accepts.`,
  FORBIDDEN: () => "The auth token does not allow this operation (a read-only token?): use a token with write access.",
  NETWORK: (p) => `Could not reach the remote database${p.shown ? ` at ${p.shown}` : ""}: check ASTRO_DB_REMOTE_URL and that the server is running and reachable from here.`,
  URL_INVALID: () => URL_HINT,
};

/** The hint for `e`'s kind of failure, if one fits. */
export function hintFor(e: unknown, place: Place = {}): string | undefined {
  const kind = failureKind(e);
  return kind && HINTS[kind](place);
}

/** The stable code of `e`: the database's extended code when it has one, else its code. */
export function codeOf(e: unknown): string | undefined {
  for (const c of causes(e)) {
    const { code, extendedCode } = (c ?? {}) as Coded;
    if (typeof extendedCode === "string") return extendedCode;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
  }
  return undefined;
}

/** Hides every secret in `text`. */
export function hide(text: string, secrets: Array<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("***");
  return out;
}

/**
 * `e` as an `AstroDbError`: `message` (secrets hidden) prefixed by `context`, the code and hint
 * of its kind, and `e` itself as `cause`. An `AstroDbError` passes through.
 */
export function explain(e: unknown, context: string | undefined, place: Place & { secrets?: string[] } = {}): AstroDbError {
  if (e instanceof AstroDbError) return e;
  const text = hide(e instanceof Error ? e.message : String(e), place.secrets);
  return new AstroDbError(context ? `${context}: ${text}` : text, { code: codeOf(e), hint: hintFor(e, place), cause: e });
}
