// The `db` type alone, so that the modules the runtime barrel (./index.ts) re-exports need not
// import the barrel back.
import type { LibSQLDatabase } from "drizzle-orm/libsql/driver-core";

/** The Drizzle database `astro:db` exports as `db`. */
export type Database = LibSQLDatabase;
