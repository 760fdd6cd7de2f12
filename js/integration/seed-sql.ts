// SQL seeds: `db/seed.sql` (written by hand or by `astro-db pull`) runs before the JS seeds, in
// their transaction. Kept in one place: what makes a seed input is decided here.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dbDirectory } from "./load-config.js";

export const SQL_SEED_FILE_NAME = "seed.sql";

/** `db/seed.sql` when the project has one. */
export function sqlSeedFile(root: URL): URL | undefined {
  const file = new URL(SQL_SEED_FILE_NAME, dbDirectory(root));
  return existsSync(file) ? file : undefined;
}

/** Runs the SQL seed on `client` (inside the seeding transaction the caller holds). */
export async function runSqlSeed(client: { executeMultiple(sql: string): Promise<void> }, file: URL): Promise<void> {
  await client.executeMultiple(await readFile(file, "utf8"));
}
