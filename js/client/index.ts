/**
 * `@astrojs/db/client`: a libSQL client with a native (Rust) core that
 * `drizzle-orm/libsql` accepts in place of `@libsql/client`.
 */
import { resolveTarget } from "./config.js";
import { LocalClient } from "./local.js";
import type { Client, Config } from "./types.js";

export { LibsqlError, LibsqlBatchError } from "./errors.js";
export { ResultSet } from "./result.js";
export type * from "./types.js";

/** Opens a client for `config.url`: `file:` (relative or absolute), `:memory:` or `memory:`. */
export function createClient(config: Config): Client {
  return new LocalClient(resolveTarget(config));
}
