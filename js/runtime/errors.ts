import type { LibsqlError } from "../client/errors.js";

/**
 * The libSQL error behind `err`, walking `.cause` (Drizzle wraps query errors in a
 * `DrizzleQueryError` whose cause is the database's error).
 */
export function getDbError(err: unknown): LibsqlError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if ((e as { libsqlError?: unknown }).libsqlError === true || e.name === "LibsqlError" || e.name === "LibsqlBatchError") {
      return e as LibsqlError;
    }
    if (e.cause === e) break;
  }
  return undefined;
}

/** Whether `err` was caused, directly or through `.cause`, by the database. */
export function isDbError(err: unknown): boolean {
  return getDbError(err) !== undefined;
}
