// What `astro:db` exports besides `db` and the tables: config helpers, SQL constants,
// Drizzle's operators and the error helpers. Config files see these too.
import { sql } from "drizzle-orm";
import type {
  BooleanColumnOpts,
  ColumnsConfig,
  DateColumnOpts,
  DBConfigInput,
  JsonColumnOpts,
  NumberColumnOpts,
  TableConfig,
  TextColumnOpts,
} from "../config-types.js";

function createColumn<S extends string, T extends object>(type: S, schema: T) {
  return { type, /** @internal */ schema };
}

export const column = {
  number: <T extends NumberColumnOpts>(opts: T = {} as T) => createColumn("number", opts),
  boolean: <T extends BooleanColumnOpts>(opts: T = {} as T) => createColumn("boolean", opts),
  text: <T extends TextColumnOpts, const E extends T["enum"] extends readonly [string, ...string[]] ? Omit<T, "enum"> & T["enum"] : T>(
    opts: E = {} as E,
  ) => createColumn("text", opts),
  date: <T extends DateColumnOpts>(opts: T = {} as T) => createColumn("date", opts),
  json: <T extends JsonColumnOpts>(opts: T = {} as T) => createColumn("json", opts),
};

export function defineTable<TColumns extends ColumnsConfig>(userConfig: TableConfig<TColumns>) {
  return userConfig;
}

export function defineDb(userConfig: DBConfigInput) {
  return userConfig;
}

export const NOW = sql`CURRENT_TIMESTAMP`;
export const TRUE = sql`TRUE`;
export const FALSE = sql`FALSE`;

export {
  and,
  asc,
  avg,
  avgDistinct,
  between,
  count,
  countDistinct,
  desc,
  eq,
  exists,
  gt,
  gte,
  ilike,
  inArray,
  isNotNull,
  isNull,
  like,
  lt,
  lte,
  max,
  min,
  ne,
  not,
  notBetween,
  notExists,
  notIlike,
  notInArray,
  notLike,
  or,
  sql,
  sum,
  sumDistinct,
} from "drizzle-orm";
export { alias } from "drizzle-orm/sqlite-core";
export { getDbError, isDbError } from "./errors.js";
