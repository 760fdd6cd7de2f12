// One page of a table for the grid: filters by column kind and keyset paging on
// (sort column, rowid), so every page costs an index seek (or one sort) and never an
// OFFSET scan over the rows before it: the last page of a 1M-row table is as quick as the first.
import { quote } from "../runtime/fast-insert.js";
import type { StudioColumn, StudioTable } from "./model.js";
import { toStored, ValueError } from "./values.js";

export type FilterOp = "contains" | "eq" | "gte" | "lte" | "true" | "false" | "null" | "notnull";
export interface Filter {
  column: string;
  op: FilterOp;
  value?: string;
}
export interface Sort {
  column: string;
  desc?: boolean;
}
/** The row a page starts after (or ends before): its sort value and rowid. */
export interface Key {
  value?: unknown;
  rowid: number;
}
export interface PageRequest {
  filters?: Filter[];
  sort?: Sort;
  after?: Key;
  before?: Key;
  /** The last page (the end of the table in this order). */
  last?: boolean;
  limit?: number;
}
export interface Statement {
  sql: string;
  args: unknown[];
}

export const ROWID = "__rowid";
const MAX_PAGE = 1000;

function column(table: StudioTable, name: string): StudioColumn {
  const c = table.columns.find((c) => c.name === name);
  if (!c) throw new ValueError(name, `is not a column of ${table.name}`);
  return c;
}

/** The filter value as the column stores it (numbers as numbers, dates as ISO text). */
function operand(c: StudioColumn, value: string | undefined): unknown {
  if (value === undefined || value === "") throw new ValueError(c.name, "the filter needs a value");
  return c.kind === "text" || c.kind === "other" || c.kind === "json" ? value : toStored({ ...c, enum: undefined }, value);
}

export function whereClause(table: StudioTable, filters: Filter[] = []): Statement {
  const parts: string[] = [];
  const args: unknown[] = [];
  for (const f of filters) {
    const c = column(table, f.column);
    const q = quote(c.name);
    switch (f.op) {
      case "contains":
        parts.push(`${q} LIKE ? ESCAPE '\\'`);
        args.push(`%${String(f.value ?? "").replace(/[\\%_]/g, (m) => "\\" + m)}%`);
        break;
      case "eq":
        parts.push(`${q} = ?`);
        args.push(operand(c, f.value));
        break;
      case "gte":
      case "lte":
        parts.push(`${q} ${f.op === "gte" ? ">=" : "<="} ?`);
        args.push(operand(c, f.value));
        break;
      case "true":
      case "false":
        parts.push(`${q} = ${f.op === "true" ? 1 : 0}`);
        break;
      case "null":
      case "notnull":
        parts.push(`${q} IS ${f.op === "null" ? "" : "NOT "}NULL`);
        break;
      default:
        throw new ValueError(c.name, `unknown filter ${JSON.stringify(f.op)}`);
    }
  }
  return { sql: parts.length ? parts.join(" AND ") : "1", args };
}

/**
 * Rows beyond `key` in the order (column, rowid) ascending when `greater`, else descending;
 * SQLite sorts NULL first, so NULLs come before every value.
 */
function beyond(col: string | undefined, key: Key, greater: boolean): Statement {
  const cmp = greater ? ">" : "<";
  if (!col) return { sql: `rowid ${cmp} ?`, args: [key.rowid] };
  const q = quote(col);
  if (key.value === null || key.value === undefined) {
    return greater
      ? { sql: `((${q} IS NULL AND rowid > ?) OR ${q} IS NOT NULL)`, args: [key.rowid] }
      : { sql: `(${q} IS NULL AND rowid < ?)`, args: [key.rowid] };
  }
  const nulls = greater ? "" : ` OR ${q} IS NULL`;
  return { sql: `(${q} ${cmp} ? OR (${q} = ? AND rowid ${cmp} ?)${nulls})`, args: [key.value, key.value, key.rowid] };
}

/**
 * The statement for one page. `reversed`: the rows come back in the opposite order (pages
 * before a key and the last page are read backwards) and the caller turns them round.
 */
export function pageStatement(table: StudioTable, req: PageRequest): Statement & { reversed: boolean; limit: number } {
  const limit = Math.min(Math.max(1, Math.floor(req.limit ?? 100)), MAX_PAGE);
  const sortCol = req.sort ? column(table, req.sort.column).name : undefined;
  const desc = !!req.sort?.desc;
  const reversed = !!(req.before || req.last);
  // Ascending in SQL when the wanted direction and the reading direction agree.
  const ascending = desc === reversed;
  const where = whereClause(table, req.filters);
  const conds = [where.sql];
  const args = [...where.args];
  const key = req.before ?? req.after;
  if (key && !req.last) {
    const b = beyond(sortCol, key, ascending);
    conds.push(b.sql);
    args.push(...b.args);
  }
  const dir = ascending ? "ASC" : "DESC";
  const order = sortCol ? `${quote(sortCol)} ${dir}, rowid ${dir}` : `rowid ${dir}`;
  const sql = `SELECT rowid AS ${ROWID}, * FROM ${quote(table.name)} WHERE ${conds.join(" AND ")} ORDER BY ${order} LIMIT ${limit + 1}`;
  return { sql, args, reversed, limit };
}
