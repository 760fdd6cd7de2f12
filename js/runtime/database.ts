import * as driverCore from "drizzle-orm/libsql/driver-core";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createClient } from "../client/index.js";
import { BULK_ENTRIES } from "../client/local.js";
import { enableFastInserts } from "./fast-insert.js";
import { showQueryCauses } from "./query-errors.js";
import type { Client } from "../client/types.js";
import type { Database } from "./index.js";

// `construct` builds a LibSQLDatabase around a given client without importing
// @libsql/client (which `drizzle-orm/libsql`'s entry does); its typings omit it.
const construct = (driverCore as unknown as { construct: (client: unknown) => Database }).construct;

/** A Drizzle database over our native client. */
export function createDatabase(client: Client): Database {
  showQueryCauses();
  const db = construct(client);
  if ((client as { [BULK_ENTRIES]?: true })[BULK_ENTRIES] === true) enableFastInserts(db, client);
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
