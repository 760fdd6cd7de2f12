// A database file holding the project's schema and seed data, for code that needs the
// project's database outside dev and builds (test databases copy it): the seed cache's entry,
// made on a miss by seeding a scratch file once.
import { rmSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { scratchDir } from "./bundle.js";
import type { LoadedSchema } from "./load-config.js";
import { prepareDatabase } from "./prepare.js";

/** One scratch file per process: seed modules keep the client of the file they first seeded. */
let scratch: string | undefined;

/**
 * The path of a seeded database file to copy (never to write to). With cacheable seeds it is
 * the seed cache's entry (seeded and stored on a miss); when a seed opts out of the cache it is
 * a scratch file of this process, seeded afresh by every call. Throws what a failing seed
 * throws in dev.
 */
export async function seededDatabaseFile(root: URL, schema: LoadedSchema): Promise<string> {
  if (!scratch) {
    scratch = fileURLToPath(new URL(`seeded-${process.pid}.db`, scratchDir(root)));
    const file = scratch;
    process.once("exit", () => {
      for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
    });
  }
  const outcome = await prepareDatabase(root, schema, { path: scratch, persistent: false, url: pathToFileURL(scratch).href });
  return outcome.seedCacheEntry ?? scratch;
}
