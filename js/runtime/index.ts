/**
 * `@astrojs/db/runtime`: what generated `astro:db` code and integrations use at run time.
 */
import type { LibSQLDatabase } from "drizzle-orm/libsql/driver-core";
import { pathToFileURL } from "node:url";
import type { Table as TableType } from "./table-type.js";

export type Database = LibSQLDatabase;
export type Table<N extends string, C extends Record<string, { type: string; schema: object }>> = TableType<N, C>;
export { createDatabase, createLocalDatabase } from "./database.js";
export { createRemoteDatabase } from "./remote.js";
export { asDrizzleTable, hasPrimaryKey } from "./drizzle-table.js";

/**
 * The database URL: `ASTRO_DATABASE_FILE` when set (a file URL, or a path relative to the
 * working directory), else the default.
 */
export function normalizeDatabaseUrl(envDbUrl: string | undefined, defaultDbUrl: string): string {
  if (!envDbUrl) return defaultDbUrl;
  if (envDbUrl.startsWith("file://")) return envDbUrl;
  return new URL(envDbUrl, pathToFileURL(process.cwd()) + "/").toString();
}
