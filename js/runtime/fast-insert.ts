// A faster `insert(table).values(rows)` for the tables we generate, in the shapes seeds and
// pages write: awaited on its own, one row at a time in a loop, inside `db.batch([...])`
// (mixed with other statements, in order), inside `db.transaction(...)`, with
// `onConflictDoNothing()`, `onConflictDoUpdate()` and `returning()`.
//
// Where a large seed spends its time is Drizzle building one SQL text with a placeholder per
// value (and SQLite parsing it): measured on 100k rows in chunks of 1,000, that was most of
// the seed, whether the chunks were awaited or batched. Here each run of rows that share a
// statement shape becomes one bulk entry `{ sql, args, width }`: the one-row statement text
// (kept per table and shape), the rows' values back to back, and the native client binds
// every row to one prepared statement in one crossing (see `NativeConnection.batch`).
//
// Values are mapped exactly as Drizzle maps them (column defaults, `$defaultFn`, SQL defaults
// such as NOW, dates, JSON, booleans, `undefined` as "use the default" and `null` as NULL), and
// results, returned rows and errors come back in Drizzle's shapes. Anything else (placeholders,
// SQL values with parameters, builder methods other than the ones above) goes to Drizzle's own
// builder unchanged.
import { getTableColumns, getTableName, is, Param, Placeholder, SQL, sql } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { LibsqlBatchError, LibsqlError } from "../client/errors.js";
import { ResultSet } from "../client/result.js";
import type { Client, InStatement, InValue, Transaction } from "../client/types.js";
import { withCause } from "./query-errors.js";
import { callSite, markFailedInsert } from "./insert-errors.js";

const dialect = new SQLiteAsyncDialect();
const FALLBACK = Symbol("fallback");
/** On a pending insert: its state, while Drizzle has not been asked to build it. */
const PENDING = Symbol("pending insert");

type Row = Record<string, unknown>;
/** A batch entry the native client runs once per row of `args` (see `NativeConnection.batch`). */
interface Bulk {
  sql: string;
  args: InValue[];
  width: number;
}

/** Where inserts run: the database's client, or the client transaction behind a Drizzle one. */
interface Target {
  /** One statement: atomic by itself. */
  one(stmt: InStatement): Promise<ResultSet>;
  /** Several rows or entries: all or nothing. */
  all(entries: Bulk[]): Promise<ResultSet[]>;
  /** Where the first entry sits in the batch `all` sends (after a SAVEPOINT: 1). */
  first: number;
}

export function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface TableInfo {
  columns: Array<[string, any]>;
  head: string;
  /** Statement text by conflict/returning clause and literal-default pattern. */
  texts: Map<string, string>;
}
const tables = new WeakMap<object, TableInfo>();

function tableInfo(table: any): TableInfo {
  let t = tables.get(table);
  if (t === undefined) {
    const columns = (Object.entries(getTableColumns(table)) as Array<[string, any]>).filter(([, c]) => !c.shouldDisableInsert?.());
    const names = columns.map(([, col]) => quote(col.name)).join(", ");
    t = { columns, head: `insert into ${quote(getTableName(table))} (${names}) values (`, texts: new Map() };
    tables.set(table, t);
  }
  return t;
}

// A column's SQL default is the same object for every row: render it once.
const sqlTexts = new WeakMap<SQL, string | typeof FALLBACK>();
function sqlText(v: SQL): string | typeof FALLBACK {
  let text = sqlTexts.get(v);
  if (text === undefined) {
    const q = dialect.sqlToQuery(v);
    text = q.params.length > 0 ? FALLBACK : q.sql;
    sqlTexts.set(v, text);
  }
  return text;
}

/** The conflict and returning clauses every row's statement ends with. */
interface Suffix {
  sql: string;
  params: InValue[];
}
const NO_SUFFIX: Suffix = { sql: "", params: [] };

/**
 * The bulk entries inserting `rows`: consecutive rows whose statements read the same (the
 * same columns given SQL defaults) share one entry. FALLBACK when Drizzle must build it.
 */
function bulkEntries(table: any, rows: Row[], suffix: Suffix): Bulk[] | typeof FALLBACK {
  const { columns, head, texts } = tableInfo(table);
  const n = columns.length;
  const out: Bulk[] = [];
  let current: Bulk | null = null;
  let currentKey = "";
  const literal: Array<string | null> = new Array(n);
  const bound: InValue[] = new Array(n);
  for (const row of rows) {
    if (row === null || typeof row !== "object") return FALLBACK;
    let key = "";
    for (let c = 0; c < n; c++) {
      const [name, col] = columns[c];
      let v = row[name];
      if (v === undefined) {
        if (col.default !== undefined && col.default !== null) v = col.default;
        else if (col.defaultFn !== undefined) v = col.defaultFn();
        else if (col.onUpdateFn !== undefined) v = col.onUpdateFn();
        else v = null;
      }
      let text: string | null = null;
      if (v === null || v === undefined) {
        v = null;
      } else if (typeof v === "object" && !(v instanceof Date) && (is(v, SQL) || is(v, Param) || is(v, Placeholder))) {
        if (!is(v, SQL)) return FALLBACK;
        const t = sqlText(v as SQL);
        if (t === FALLBACK) return FALLBACK;
        text = t;
        key += `${c}:${t};`;
      } else {
        v = col.mapToDriverValue(v);
        // A custom type may map a value to SQL, which Drizzle then inlines.
        if (typeof v === "object" && v !== null && is(v, SQL)) return FALLBACK;
      }
      literal[c] = text;
      bound[c] = v as InValue;
    }
    if (current === null || key !== currentKey) {
      const textKey = `${suffix.sql}\u0000${key}`;
      let stmt = texts.get(textKey);
      if (stmt === undefined) {
        stmt = head + literal.map((l) => l ?? "?").join(", ") + ")" + suffix.sql;
        texts.set(textKey, stmt);
      }
      const width = literal.reduce((w, l) => (l === null ? w + 1 : w), 0) + suffix.params.length;
      current = { sql: stmt, args: [], width };
      currentKey = key;
      out.push(current);
    }
    const args = current.args;
    for (let c = 0; c < n; c++) if (literal[c] === null) args.push(bound[c]);
    for (const p of suffix.params) args.push(p);
  }
  return out;
}

/** One result for an insert that ran as several entries, as one statement would report it. */
function combined(results: ResultSet[]): ResultSet {
  if (results.length === 1) return results[0];
  const last = results[results.length - 1];
  const rows = results.flatMap((r) => r.rows);
  const affected = results.reduce((n, r) => n + r.rowsAffected, 0);
  return new ResultSet(results[0].columns, results[0].columnTypes, rows, affected, last.lastInsertRowid);
}

/** An insert not yet built: its rows, and the Drizzle builder methods called on it. */
class Pending {
  /** Drizzle's builder for the first row only: validates the chained calls as Drizzle does and yields their SQL. */
  probe: any = null;
  chain: Array<[string, unknown[]]> = [];
  real: any = null;

  constructor(
    readonly table: any,
    readonly input: Row | Row[],
    readonly rows: Row[],
    readonly values: (input: Row | Row[]) => any,
    readonly target: Target,
    /** Where `values()` was called (seeds: their error shows the line). */
    readonly site?: { stack?: string },
  ) {}

  /** Drizzle's own builder for this insert, once something needs it. */
  materialize(): any {
    if (this.real === null) {
      let real = this.values(this.input);
      for (const [method, args] of this.chain) real = real[method](...args);
      this.real = real;
    }
    return this.real;
  }

  call(method: string, args: unknown[]): void {
    this.probe ??= this.values(this.rows[0]);
    this.probe[method](...args);
    this.chain.push([method, args]);
  }

  /** What to run, and how to turn its results into what Drizzle would return; FALLBACK if Drizzle must. */
  plan(): { entries: Bulk[]; finish: (results: ResultSet[]) => unknown } | typeof FALLBACK {
    let suffix = NO_SUFFIX;
    let mapRows: ((rows: unknown[]) => unknown) | null = null;
    if (this.probe !== null) {
      const config = this.probe.config;
      const parts: SQL[] = [];
      try {
        if (config.onConflict?.length) parts.push(sql.join(config.onConflict));
        if (config.returning) {
          const selection = this.probe.dialect.buildSelection(config.returning, { isSingleTable: true });
          parts.push(sql` returning ${selection}`);
          // Drizzle's mapping of returned rows, without building the statement (which would call `$defaultFn`s).
          const prepared = this.probe.session.prepareQuery({ sql: "", params: [] }, config.returning, "all", true);
          if (typeof prepared?.mapAllResult !== "function") return FALLBACK;
          mapRows = (rows) => prepared.mapAllResult(rows);
        }
        const q = this.probe.dialect.sqlToQuery(sql.join(parts));
        if (q.params.some((p: unknown) => is(p, Placeholder))) return FALLBACK;
        suffix = { sql: q.sql, params: q.params };
      } catch {
        return FALLBACK;
      }
    }
    const entries = bulkEntries(this.table, this.rows, suffix);
    if (entries === FALLBACK) return FALLBACK;
    return {
      entries,
      finish: (results) => {
        const r = combined(results);
        return mapRows === null ? r : mapRows(r.rows);
      },
    };
  }

  async run(): Promise<unknown> {
    const p = this.plan();
    if (p === FALLBACK) return this.materialize();
    const { entries, finish } = p;
    let results: ResultSet[];
    try {
      // Awaited here so that a failure while waiting for the write turn is wrapped too.
      const [first] = entries;
      results = entries.length === 1 && first.args.length === first.width ? [await this.target.one({ sql: first.sql, args: first.args })] : await this.target.all(entries);
    } catch (e) {
      // The native bulk entry names the row at fault (`rowIndex`); it is the row of `values()`
      // when all rows went in one entry (rows taking different SQL defaults go in several).
      const rowIndex = this.rows.length === 1 ? 0 : failedRow(e, entries, this.target.first);
      const info = { table: getTableName(this.table), rows: this.rows, rowIndex, site: this.site };
      throw markFailedInsert(this.failure(e), info);
    }
    return finish(results);
  }

  /** The error Drizzle would throw: its query text and values, the database's error as cause. */
  failure(e: unknown): unknown {
    let query = { sql: "", params: [] as unknown[] };
    try {
      query = this.materialize().toSQL();
    } catch {
      // Drizzle could not build it either: report the database's error with an empty query.
    }
    return withCause(new DrizzleQueryError(query.sql, query.params, reported(e) as Error));
  }
}

/**
 * The row of `values()` at fault: the failing entry (the batch's `statementIndex`) and the row
 * within it (`rowIndex`, set by the native bulk entry); entries hold consecutive rows in order.
 */
function failedRow(e: unknown, entries: Bulk[], first: number): number | undefined {
  let row: number | undefined;
  let entry = entries.length === 1 ? 0 : undefined;
  for (let c: any = e, depth = 0; c && depth < 8; c = c.cause, depth++) {
    if (row === undefined && typeof c.rowIndex === "number") row = c.rowIndex;
    if (entry === undefined && typeof c.statementIndex === "number") entry = c.statementIndex - first;
  }
  if (row === undefined || entry === undefined || entry < 0 || entry >= entries.length) return undefined;
  let before = 0;
  for (let i = 0; i < entry; i++) before += entries[i].width > 0 ? entries[i].args.length / entries[i].width : 1;
  return before + row;
}

/**
 * A failure a batch reported, as the statement at `index` of the caller's batch, or (without
 * `index`) as the insert run alone reports it.
 */
function reported(e: unknown, index?: number): unknown {
  if (!(e instanceof LibsqlBatchError)) return e;
  const cause = e.cause instanceof Error ? e.cause : undefined;
  // The native error's own message, which LibsqlError prefixes with the code.
  const message = cause?.message ?? e.message.slice(e.code.length + 2);
  return index === undefined
    ? new LibsqlError(message, e.code, e.extendedCode, e.rawCode, cause)
    : new LibsqlBatchError(message, index, e.code, e.extendedCode, e.rawCode, cause);
}

const CHAINED = new Set(["onConflictDoNothing", "onConflictDoUpdate", "returning"]);

/** The value `values()` returns: awaits like Drizzle's builder, is Drizzle's builder for anything else. */
function pendingInsert(p: Pending): any {
  const proxy: any = new Proxy({} as any, {
    get(_, prop) {
      if (p.real === null) {
        if (prop === PENDING) return p;
        if (prop === "then") {
          return (ok?: (v: unknown) => unknown, fail?: (e: unknown) => unknown) => p.run().then(ok, fail);
        }
        if (prop === "catch") return (fail: (e: unknown) => unknown) => p.run().catch(fail);
        if (prop === "finally") return (f: () => void) => p.run().finally(f);
        if (typeof prop === "string" && CHAINED.has(prop)) {
          return (...args: unknown[]) => {
            p.call(prop, args);
            return proxy;
          };
        }
      }
      const target = p.materialize();
      const v = target[prop];
      return typeof v === "function" ? v.bind(target) : v;
    },
    has(_, prop) {
      return prop in p.materialize();
    },
    getPrototypeOf() {
      return Object.getPrototypeOf(p.materialize());
    },
  });
  return proxy;
}

function clientTarget(client: Client): Target {
  return {
    one: (stmt) => client.execute(stmt),
    all: (entries) => client.batch(entries, "write"),
    first: 0,
  };
}

function transactionTarget(tx: Transaction): Target {
  return {
    one: (stmt) => tx.execute(stmt),
    // A transaction's batch joins it: a savepoint keeps a failing insert all-or-nothing, as one statement is.
    all: async (entries) => {
      try {
        const results = await tx.batch(["SAVEPOINT astro_db_insert", ...entries, "RELEASE astro_db_insert"]);
        return results.slice(1, -1);
      } catch (e) {
        if (!tx.closed) await tx.executeMultiple("ROLLBACK TO astro_db_insert; RELEASE astro_db_insert").catch(() => {});
        throw e;
      }
    },
    first: 1,
  };
}

/** Serves `db.insert(table).values(rows)` (on `db` or a transaction of it) through `target`. */
function fastValues(db: any, target: Target, callSites: boolean): void {
  const insert = db.insert.bind(db);
  db.insert = (table: any) => {
    const builder = insert(table);
    const values = builder.values.bind(builder);
    builder.values = function fastValues(input: Row | Row[]) {
      const rows = Array.isArray(input) ? input : [input];
      // Drizzle rejects an empty insert right away; keep that.
      if (rows.length === 0) return values(input);
      return pendingInsert(new Pending(table, input, rows, values, target, callSites ? callSite(fastValues) : undefined));
    };
    return builder;
  };
}

/** Drizzle transactions (and their nested savepoints) insert through the client transaction they hold. */
function fastTransactions(db: any, callSites: boolean): void {
  const transaction = db.transaction.bind(db);
  db.transaction = (run: (tx: any) => unknown, ...rest: unknown[]) =>
    transaction((tx: any) => {
      const clientTx: Transaction | undefined = tx?.session?.tx;
      if (clientTx && typeof clientTx.batch === "function") {
        fastValues(tx, transactionTarget(clientTx), callSites);
        fastTransactions(tx, callSites);
      }
      return run(tx);
    }, ...rest);
}

/** `db.batch([...])` with pending inserts among its queries: one client batch, results in Drizzle's shapes. */
function fastBatch(db: any, client: Client): void {
  const batch = db.batch.bind(db);
  db.batch = async (queries: any[]) => {
    const plans = Array.isArray(queries) ? queries.map((q) => (q?.[PENDING] as Pending | undefined)?.plan() ?? FALLBACK) : [];
    if (!plans.some((p) => p !== FALLBACK)) return batch(queries);
    const stmts: InStatement[] = [];
    // For each statement sent, the query it belongs to (a failure names the query, as Drizzle's batch does).
    const owner: number[] = [];
    const finish: Array<(results: ResultSet[]) => unknown> = [];
    const spans: Array<[number, number]> = [];
    queries.forEach((q, i) => {
      const p = plans[i];
      const start = stmts.length;
      if (p !== FALLBACK) {
        stmts.push(...p.entries);
        finish.push(p.finish);
      } else {
        const prepared = q._prepare();
        const built = prepared.getQuery();
        stmts.push({ sql: built.sql, args: built.params });
        finish.push(([r]) => prepared.mapResult(r, true));
      }
      spans.push([start, stmts.length]);
      while (owner.length < stmts.length) owner.push(i);
    });
    let results: ResultSet[];
    try {
      results = await client.batch(stmts);
    } catch (e) {
      throw e instanceof LibsqlBatchError && owner[e.statementIndex] !== undefined ? reported(e, owner[e.statementIndex]) : e;
    }
    return spans.map(([start, end], i) => finish[i](results.slice(start, end)));
  };
}

/** Makes inserts on `db` (awaited, batched, in transactions) take the bulk path of `client`. */
export function enableFastInserts(db: any, client: Client, { callSites = false } = {}): void {
  fastValues(db, clientTarget(client), callSites);
  fastTransactions(db, callSites);
  fastBatch(db, client);
}
