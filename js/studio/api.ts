// The browser's data API: every call is one or two statements through the same client
// (`@astrojs/db/client`, native core) the site and the CLI use, so a local file and a remote
// libSQL server behave alike. Writes are refused unless the studio is writable, and each
// write runs as one batch (one transaction).
import type { PushReport } from "../../index.js";
import type { Client, ResultSet } from "../client/types.js";
import { quote } from "../runtime/fast-insert.js";
import { pageStatement, ROWID, whereClause, type Filter, type PageRequest } from "./browse.js";
import { configuredTables, describeTable, type StudioTable } from "./model.js";
import { toJsonValue, toStored, ValueError } from "./values.js";

export interface StudioContext {
  client: Client;
  /** The database as it may be shown (credentials redacted). */
  shown: string;
  remote: boolean;
  writable: boolean;
  /** The snapshot JSON of db/config.ts, when the project has one. */
  snapshot?: string;
  /** Plans a push of db/config.ts without applying it (live schema against the config). */
  compare?: () => Promise<PushReport | Error>;
}

/** A refusal the page shows as it is (HTTP status, message, database code). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly column?: string,
  ) {
    super(message);
  }
}

export const CONSOLE_ROWS = 1000;

export function rowsOf(rs: ResultSet): unknown[][] {
  return rs.rows.map((r) => rs.columns.map((_, i) => toJsonValue(r[i])));
}

/** A thrown database or validation error as the page shows it. */
export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof ValueError) return new ApiError(400, e.message, "ASTRO_DB_INVALID_VALUE", e.column);
  const err = e as { message?: string; code?: string; extendedCode?: string };
  return new ApiError(400, String(err?.message ?? e), err?.extendedCode ?? err?.code);
}

function refuseWrite(ctx: StudioContext): void {
  if (!ctx.writable) {
    throw new ApiError(403, `${ctx.shown} is open read-only: start the studio with --write to change a remote database.`, "ASTRO_DB_READ_ONLY");
  }
}

export async function tableNames(ctx: StudioContext): Promise<string[]> {
  const rs = await ctx.client.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  return rs.rows.map((r) => String(r[0]));
}

/** Tables (configured first, in config order) with their row counts. */
export async function listTables(ctx: StudioContext) {
  const names = await tableNames(ctx);
  const configured = [...configuredTables(ctx.snapshot).keys()];
  const ordered = [...configured.filter((n) => names.includes(n)), ...names.filter((n) => !configured.includes(n))];
  const counts = ordered.length
    ? await ctx.client.batch(ordered.map((n) => `SELECT count(*) FROM ${quote(n)}`), "read")
    : [];
  return {
    database: ctx.shown,
    remote: ctx.remote,
    writable: ctx.writable,
    tables: ordered.map((name, i) => ({ name, rows: Number(counts[i].rows[0][0]), configured: configured.includes(name) })),
    missing: configured.filter((n) => !names.includes(n)),
  };
}

export async function table(ctx: StudioContext, name: string): Promise<StudioTable> {
  if (typeof name !== "string" || !(await tableNames(ctx)).includes(name)) throw new ApiError(404, `No table ${JSON.stringify(name)} in ${ctx.shown}.`);
  const live = await ctx.client.execute(`PRAGMA table_xinfo(${quote(name)})`);
  const cols = live.rows.map((r) => Object.fromEntries(live.columns.map((c, i) => [c, r[i]]))) as any[];
  return describeTable(name, cols, configuredTables(ctx.snapshot).get(name));
}

export async function page(ctx: StudioContext, name: string, req: PageRequest) {
  const t = await table(ctx, name);
  const st = pageStatement(t, req);
  const rs = await ctx.client.execute({ sql: st.sql, args: st.args as any });
  let rows = rowsOf(rs);
  const more = rows.length > st.limit;
  if (more) rows = rows.slice(0, st.limit);
  if (st.reversed) rows.reverse();
  // More rows lie beyond the end that was read towards.
  return { columns: rs.columns, rows, moreAfter: st.reversed ? !!req.before : more, moreBefore: st.reversed ? more : !!req.after };
}

export async function count(ctx: StudioContext, name: string, filters: Filter[]) {
  const t = await table(ctx, name);
  const w = whereClause(t, filters);
  const rs = await ctx.client.execute({ sql: `SELECT count(*) FROM ${quote(t.name)} WHERE ${w.sql}`, args: w.args as any });
  return { rows: Number(rs.rows[0][0]) };
}

function columnOf(t: StudioTable, name: string) {
  const c = t.columns.find((c) => c.name === name);
  if (!c) throw new ApiError(400, `${t.name} has no column ${JSON.stringify(name)}.`, undefined, name);
  return c;
}

async function oneRow(ctx: StudioContext, stmts: Array<{ sql: string; args: any[] }>) {
  const out = await ctx.client.batch(stmts, "write");
  const last = out[out.length - 1];
  return { columns: last.columns, row: last.rows.length ? rowsOf(last)[0] : null, rowsAffected: out[0].rowsAffected };
}

export async function updateCell(ctx: StudioContext, name: string, rowid: number, columnName: string, value: unknown) {
  refuseWrite(ctx);
  const t = await table(ctx, name);
  const c = columnOf(t, columnName);
  const stored = toStored(c, value);
  // An integer primary key is the rowid: after the change the row is found by its new value.
  const isRowid = c.primaryKey && c.kind === "number";
  const out = await oneRow(ctx, [
    { sql: `UPDATE ${quote(t.name)} SET ${quote(c.name)} = ? WHERE rowid = ?`, args: [stored, rowid] },
    { sql: `SELECT rowid AS ${ROWID}, * FROM ${quote(t.name)} WHERE rowid = ?`, args: [isRowid ? stored : rowid] },
  ]);
  if (out.rowsAffected === 0) throw new ApiError(404, `The row is no longer in ${t.name} (changed elsewhere): reload.`);
  return out;
}

export async function insertRow(ctx: StudioContext, name: string, values: Record<string, unknown>) {
  refuseWrite(ctx);
  const t = await table(ctx, name);
  const cols: string[] = [];
  const args: unknown[] = [];
  for (const c of t.columns) {
    if (c.name in values) {
      cols.push(quote(c.name));
      args.push(toStored(c, values[c.name]));
    } else if (!c.optional && !c.hasDefault && !(c.primaryKey && c.kind === "number")) {
      throw new ValueError(c.name, "is required (no default in db/config.ts)");
    }
  }
  for (const k of Object.keys(values)) columnOf(t, k);
  const sql = cols.length
    ? `INSERT INTO ${quote(t.name)} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`
    : `INSERT INTO ${quote(t.name)} DEFAULT VALUES`;
  return oneRow(ctx, [
    { sql, args },
    { sql: `SELECT rowid AS ${ROWID}, * FROM ${quote(t.name)} WHERE rowid = last_insert_rowid()`, args: [] },
  ]);
}

export async function deleteRows(ctx: StudioContext, name: string, rowids: number[]) {
  refuseWrite(ctx);
  const t = await table(ctx, name);
  if (!Array.isArray(rowids) || rowids.length === 0 || !rowids.every(Number.isInteger)) throw new ApiError(400, "Pick the rows to delete.");
  const out = await ctx.client.batch([{ sql: `DELETE FROM ${quote(t.name)} WHERE rowid IN (${rowids.map(() => "?").join(", ")})`, args: rowids }], "write");
  return { rowsAffected: out[0].rowsAffected };
}

/**
 * Runs one statement of the console. A read-only studio runs it on one connection with
 * `PRAGMA query_only` on, inside a transaction that is always rolled back: SQLite itself
 * refuses the write (`SQLITE_READONLY`), whatever the statement's text, and nothing could stay.
 */
export async function runSql(ctx: StudioContext, sql: string): Promise<ResultSet> {
  if (typeof sql !== "string" || !sql.trim()) throw new ApiError(400, "Type a statement to run.");
  if (ctx.writable) return ctx.client.execute(sql);
  const tx = await ctx.client.transaction("read");
  try {
    await tx.execute("PRAGMA query_only = 1");
    return await tx.execute(sql);
  } finally {
    // The connection goes back to a pool: it must leave as it came.
    await tx.execute("PRAGMA query_only = 0").catch(() => {});
    await tx.rollback().catch(() => {});
  }
}

export async function schema(ctx: StudioContext) {
  const names = await tableNames(ctx);
  const tables = [];
  for (const n of names) {
    const t = await table(ctx, n);
    const ix = await ctx.client.execute({ sql: "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? ORDER BY name", args: [n] });
    tables.push({ ...t, indexes: ix.rows.map((r) => ({ name: String(r[0]), sql: r[1] === null ? "(a UNIQUE or PRIMARY KEY constraint)" : String(r[1]) })) });
  }
  let comparison: { matches: boolean; drift: string[]; steps: string[] } | { error: string } | undefined;
  if (ctx.compare && ctx.snapshot) {
    const report = await ctx.compare();
    comparison =
      report instanceof Error
        ? { error: report.message }
        : {
            matches: report.queries.length === 0 && report.drift.length === 0,
            drift: report.drift.map((d) => d.message),
            steps: report.steps.map((s) => s.message),
          };
  }
  return { tables, comparison };
}
