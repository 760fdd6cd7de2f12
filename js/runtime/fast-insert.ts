// A faster `db.insert(table).values(rows)` for the tables we generate: when the insert is
// awaited as it is (no `returning()`, no conflict clause, not part of a batch), the rows
// go to the native client as one prepared one-row statement run per row in a savepoint,
// skipping Drizzle's building of one SQL text with a placeholder per value (most of the
// time a large seed takes). Values are mapped exactly as Drizzle maps them: column
// defaults, `$defaultFn`, custom column types (dates, JSON, booleans). Anything else falls
// back to Drizzle's own builder, so behaviour never changes, only speed.
import { getTableColumns, getTableName, is, Param, Placeholder, SQL } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { InsertRows } from "../client/local.js";
import { withCause } from "./query-errors.js";
import { callSite, markFailedInsert } from "./insert-errors.js";

const dialect = new SQLiteAsyncDialect();
const FALLBACK = Symbol("fallback");

type Row = Record<string, unknown>;

interface Plan {
  sql: string;
  width: number;
  values: unknown[];
}

export function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The statement and flat values for `rows`, or FALLBACK when Drizzle must build it. */
function plan(table: any, rows: Row[]): Plan | typeof FALLBACK {
  const columns = Object.entries(getTableColumns(table)) as Array<[string, any]>;
  const width = columns.length;
  const values: unknown[] = new Array(rows.length * width);
  // Per column: null while values are bound, or the SQL text of a default every row uses.
  const literal: Array<string | null | undefined> = new Array(width).fill(undefined);
  let bound = 0;
  for (const row of rows) {
    if (row === null || typeof row !== "object") return FALLBACK;
    for (let c = 0; c < width; c++) {
      const [key, col] = columns[c];
      let v = row[key];
      let sqlText: string | null = null;
      if (v === undefined) {
        if (col.default !== undefined && col.default !== null) v = col.default;
        else if (col.defaultFn !== undefined) v = col.defaultFn();
        else if (col.onUpdateFn !== undefined) v = col.onUpdateFn();
        else v = null;
      }
      if (is(v, Placeholder) || is(v, Param)) return FALLBACK;
      if (is(v, SQL)) {
        const q = dialect.sqlToQuery(v as SQL);
        if (q.params.length > 0) return FALLBACK;
        sqlText = q.sql;
      } else if (v !== null && v !== undefined) {
        v = col.mapToDriverValue(v);
      } else {
        v = null;
      }
      if (literal[c] === undefined) literal[c] = sqlText;
      else if (literal[c] !== sqlText) return FALLBACK;
      if (sqlText === null) values[bound++] = v;
    }
  }
  const params = literal.filter((l) => l === null).length;
  values.length = bound;
  const names = columns.map(([, col]) => quote(col.name)).join(", ");
  const slots = literal.map((l) => (l === null ? "?" : l)).join(", ");
  return { sql: `insert into ${quote(getTableName(table))} (${names}) values (${slots})`, width: params, values };
}

/**
 * Makes `db.insert(table).values(rows)` take the bulk path when awaited as it is. A failure
 * carries the table, the rows and the refused row's index (see `failedInsert`); with
 * `callSites` (seeds), also where `values()` was called.
 */
export function enableFastInserts(db: any, insertRows: InsertRows, { callSites = false } = {}): void {
  const insert = db.insert.bind(db);
  db.insert = (table: any) => {
    const builder = insert(table);
    const values = builder.values.bind(builder);
    builder.values = function fastValues(input: Row | Row[]) {
      const rows = Array.isArray(input) ? input : [input];
      // Drizzle rejects an empty insert right away; keep that.
      if (rows.length === 0) return values(input);
      const site = callSites ? callSite(fastValues) : undefined;
      let real: any;
      const materialize = () => (real ??= values(input));
      const failed = (e: unknown, rowIndex?: number) => markFailedInsert(e, { table: getTableName(table), rows, rowIndex, site });
      const run = async () => {
        const p = plan(table, rows);
        if (p === FALLBACK || p.width === 0) {
          try {
            return await materialize();
          } catch (e) {
            // One multi-row statement: SQLite does not say which row, unless there is one.
            throw failed(e, rows.length === 1 ? 0 : undefined);
          }
        }
        try {
          // Awaited here so that a failure while waiting for the write turn is wrapped too.
          return await insertRows(p.sql, p.values, p.width);
        } catch (e) {
          // The bulk path runs one row at a time: the native error's index is the row's.
          const index = (e as { statementIndex?: unknown }).statementIndex;
          throw failed(withCause(new DrizzleQueryError(p.sql, [], e as Error)), typeof index === "number" ? index : undefined);
        }
      };
      return new Proxy({} as any, {
        get(_, prop) {
          if (prop === "then") {
            return (ok?: (v: unknown) => unknown, fail?: (e: unknown) => unknown) => run().then(ok, fail);
          }
          if (prop === "catch") return (fail: (e: unknown) => unknown) => run().catch(fail);
          if (prop === "finally") return (f: () => void) => run().finally(f);
          const target = materialize();
          const v = target[prop];
          return typeof v === "function" ? v.bind(target) : v;
        },
        has(_, prop) {
          return prop in materialize();
        },
        getPrototypeOf() {
          return Object.getPrototypeOf(materialize());
        },
      });
    };
    return builder;
  };
}
