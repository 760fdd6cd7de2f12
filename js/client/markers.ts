// Symbols the local client answers to, in a module of their own: the remote runtime (which
// must not load the native addon) recognises them too.

/**
 * Internal: marks a client whose `batch()`, and its transactions' `batch()`, take bulk
 * entries `{ sql, args, width }` (see `NativeConnection.batch`): the fast insert path.
 */
export const BULK_ENTRIES = Symbol.for("@astrojs/db:bulk-entries");

/**
 * Internal: the rows of one statement as plain arrays of values (see `Conn.rows`), for
 * clients that have it; what Drizzle maps when it knows the selected fields.
 */
export const EXECUTE_ROWS = Symbol.for("@astrojs/db:execute-rows");
