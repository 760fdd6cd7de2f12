// Drizzle reports a failed query as `DrizzleQueryError` ("Failed query: …\nparams: …") and
// keeps the database's error only in `.cause`, which Astro's server log and most loggers do
// not print: a user sees which query failed but never why (SQLITE_BUSY? a constraint?).
// Every query error of our databases therefore carries its cause in its message and stack.
// Pure: the `mode: 'web'` runtime uses it too.
import { SQLitePreparedQuery } from "drizzle-orm/sqlite-core";
import { getDbError } from "./errors.js";
import { causes } from "../errors.js";

const MARK = Symbol.for("@astrojs/db:cause-shown");

/** Appends the cause of a wrapped query error to its message and stack (in place); returns it. */
export function withCause(e: unknown): unknown {
  if (!(e instanceof Error) || (e as { [MARK]?: true })[MARK] || !(e.cause instanceof Error)) return e;
  const db = getDbError(e);
  const cause = db ?? e.cause;
  if (e.message.includes(cause.message)) return e;
  const extended = db?.extendedCode && db.extendedCode !== db.code ? ` (${db.extendedCode})` : "";
  const named = db ? cause.message : `${cause.name}: ${cause.message}`;
  // The hint the remote runtime attached (missing table, credentials, …) is what to do next:
  // it belongs in the log line the user reads, not only in `.cause`.
  const hint = causes(e).map((c) => (c as { hint?: unknown })?.hint).find((h): h is string => typeof h === "string");
  const before = e.message;
  try {
    e.message = `${before}\ncause: ${named}${extended}${hint ? `\n  Hint: ${hint}` : ""}`;
    if (typeof e.stack === "string") e.stack = e.stack.replace(before, e.message);
    (e as { [MARK]?: true })[MARK] = true;
  } catch {
    // A frozen error stays as it is; `.cause` still holds the reason.
  }
  return e;
}

let installed = false;

/**
 * Makes Drizzle's SQLite query errors show their cause (see `withCause`). Patches the one
 * method where Drizzle wraps driver errors; idempotent.
 */
export function showQueryCauses(): void {
  if (installed) return;
  installed = true;
  const proto = SQLitePreparedQuery.prototype as unknown as { queryWithCache?: (...args: unknown[]) => Promise<unknown> };
  const original = proto.queryWithCache;
  // A Drizzle without this internal method keeps its own messages; `.cause` is still there.
  if (typeof original !== "function") return;
  proto.queryWithCache = async function (this: unknown, ...args: unknown[]) {
    try {
      return await original.apply(this, args);
    } catch (e) {
      throw withCause(e);
    }
  };
}
