// Drizzle tables from configured tables. No native code and no Node built-ins: the
// `mode: 'web'` runtime (./web.ts) uses this too.
import { index, integer, sqliteTable } from "drizzle-orm/sqlite-core";
import { columnBuilder } from "./columns.js";
import type { DBTable } from "../config-types.js";

/** Whether a column is its table's primary key. */
export function hasPrimaryKey(column: { schema: Record<string, any> }): boolean {
  return "primaryKey" in column.schema && !!column.schema.primaryKey;
}

/** Builds the Drizzle table for a configured (or snapshot) table. */
export function asDrizzleTable(name: string, table: DBTable): any {
  const columns: Record<string, any> = {};
  const entries = Object.entries(table.columns);
  if (!entries.some(([, column]) => hasPrimaryKey(column))) {
    columns._id = integer("_id").primaryKey();
  }
  for (const [columnName, column] of entries) {
    columns[columnName] = columnBuilder(columnName, column.type, column.schema);
  }
  return sqliteTable(name, columns, (t) => {
    const indexes = [];
    const list = Array.isArray(table.indexes)
      ? table.indexes.map((i) => [i.name ?? defaultIndexName(name, i.on), i] as const)
      : Object.entries(table.indexes ?? {});
    for (const [indexName, props] of list) {
      const on = (Array.isArray(props.on) ? props.on : [props.on]).map((c) => (t as any)[c]).filter(Boolean);
      if (on.length > 0) indexes.push(index(indexName).on(...(on as [any, ...any[]])));
    }
    return indexes;
  });
}

function defaultIndexName(table: string, on: string | string[]): string {
  return `${table}_${[...(Array.isArray(on) ? on : [on])].sort().join("_")}_idx`;
}
