// Rows as plain arrays for the queries Drizzle maps itself. When Drizzle knows the selected
// fields (every `db.select()`), it reads each row only by position, copying it into an array
// (`Array.prototype.slice.call(row)`), and builds its own objects. A row shaped like
// `@libsql/client`'s (indexes and `length` non-enumerable, names enumerable) is the most
// expensive part of a 50-row read to build natively and to copy back; for these queries the
// native client returns arrays instead, which Drizzle copies and maps to the same result.
// Everything else (raw `db.all`/`db.values`, queries without fields, relational queries,
// transactions, batches) keeps Drizzle's own path and `@libsql/client`'s row shape.
import { fillPlaceholders } from "drizzle-orm";
import type { ExecuteRows } from "../client/local.js";

interface PreparedQuery {
  query: { sql: string; params: unknown[] };
  fields?: unknown;
  customResultMapper?: unknown;
  tx?: unknown;
  logger: { logQuery(sql: string, params: unknown[]): void };
  queryWithCache<T>(sql: string, params: unknown[], run: () => Promise<T>): Promise<T>;
  mapAllResult(rows: unknown[]): unknown;
  mapGetResult(rows: unknown[]): unknown;
  all(placeholders?: Record<string, unknown>): Promise<unknown>;
  get(placeholders?: Record<string, unknown>): Promise<unknown>;
}

interface Session {
  prepareQuery(...args: unknown[]): PreparedQuery;
}

/** Makes the prepared queries of `db`'s own session (not its transactions') read rows as arrays. */
export function enableArrayRows(db: { session: Session }, executeRows: ExecuteRows): void {
  const session = db.session;
  const prepareQuery = session.prepareQuery;
  session.prepareQuery = function (this: Session, ...args: unknown[]) {
    const query = prepareQuery.apply(this, args);
    // Only where Drizzle maps the rows by position itself (see above).
    if (query.tx === undefined && query.fields !== undefined && query.customResultMapper === undefined) {
      const rows = (placeholders?: Record<string, unknown>) => {
        // As Drizzle's own `values()` does it, with the native call returning arrays.
        const params = fillPlaceholders(query.query.params, placeholders ?? {});
        query.logger.logQuery(query.query.sql, params);
        return query.queryWithCache(query.query.sql, params, () => executeRows(query.query.sql, params as never));
      };
      query.all = async (placeholders) => query.mapAllResult(await rows(placeholders));
      query.get = async (placeholders) => query.mapGetResult(await rows(placeholders));
    }
    return query;
  };
}
