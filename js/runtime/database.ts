import * as driverCore from "drizzle-orm/libsql/driver-core";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createClient } from "../client/index.js";
import { BULK_ENTRIES, EXECUTE_ROWS, type ExecuteRows } from "../client/local.js";
import { enableFastInserts } from "./fast-insert.js";
import { enableArrayRows } from "./fast-rows.js";
import { enableFastSql } from "./fast-sql.js";
import { showQueryCauses } from "./query-errors.js";
import type { Client } from "../client/types.js";
import type { Database } from "./database-type.js";

// `construct` builds a LibSQLDatabase around a given client without importing
// @libsql/client (which `drizzle-orm/libsql`'s entry does); its typings omit it.
const construct = (driverCore as unknown as { construct: (client: unknown) => Database }).construct;

/** A Drizzle database over our native client. `callSites`: failed inserts say where they were made (seeds). */
export function createDatabase(client: Client, options: { callSites?: boolean } = {}): Database {
  showQueryCauses();
  const db = construct(client);
  enableFastSql((db as unknown as { dialect: Parameters<typeof enableFastSql>[0] }).dialect);
  if ((client as { [BULK_ENTRIES]?: true })[BULK_ENTRIES] === true) enableFastInserts(db, client, options);
  const executeRows = (client as { [EXECUTE_ROWS]?: ExecuteRows })[EXECUTE_ROWS];
  if (typeof executeRows === "function") enableArrayRows(db as never, executeRows);
  return db;
}

/**
 * A Drizzle database on a local file, given as a `file:` URL or a path. The URL's query
 * (`?busyTimeout=…&journalMode=…`, e.g. from ASTRO_DATABASE_FILE) is kept: the client checks it.
 */
export function createLocalDatabase(url: string): Database {
  const q = url.indexOf("?");
  const [base, query] = q >= 0 ? [url.slice(0, q), url.slice(q)] : [url, ""];
  const path = base.startsWith("file:") ? fileURLToPath(base) : base;
  return createDatabase(createClient({ url: pathToFileURL(path).href + query }));
}
