/**
 * `@astrojs/db/runtime`: what generated `astro:db` code and integrations use at run time.
 */
import { pathToFileURL } from "node:url";
import type { Table as TableType } from "./table-type.js";
import { databaseFileUrl } from "../database-url.js";

export type { Database } from "./database-type.js";
export type Table<N extends string, C extends Record<string, { type: string; schema: object }>> = TableType<N, C>;
export { createDatabase, createLocalDatabase } from "./database.js";
export { createRemoteDatabase } from "./remote.js";
export { asDrizzleTable, hasPrimaryKey } from "./drizzle-table.js";

/**
 * The database URL of a built server: `ASTRO_DATABASE_FILE` when set (a path or `file:` URL;
 * a relative one from the working directory, as a server has no project root), else the
 * default. (In `astro dev` and `astro build` the integration hands over the file it resolved
 * from the project root instead.)
 */
export function normalizeDatabaseUrl(envDbUrl: string | undefined, defaultDbUrl: string): string {
  if (!envDbUrl) return defaultDbUrl;
  return databaseFileUrl(envDbUrl, pathToFileURL(process.cwd() + "/"));
}
