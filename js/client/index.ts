/**
 * `@astrojs/db/client`: a libSQL client with a native (Rust) core that
 * `drizzle-orm/libsql` accepts in place of `@libsql/client`.
 */
import { resolveTarget } from "./config.js";
import { LocalClient } from "./local.js";
import { RemoteClient } from "./remote.js";
import { ReplicaClient } from "./replica.js";
import type { Client, Config } from "./types.js";

export { LibsqlError, LibsqlBatchError } from "./errors.js";
export { ResultSet } from "./result.js";
export type * from "./types.js";

/**
 * Opens a client for `config.url`: a local database (`file:` relative or absolute,
 * `:memory:`, `memory:`) or a libSQL server (`libsql:`, `https:`, `http:`, `wss:`, `ws:`).
 */
export function createClient(config: Config): Client {
  const target = resolveTarget(config);
  if (target.kind === "remote") return new RemoteClient(target);
  if (target.replica !== undefined) return new ReplicaClient(target, target.replica);
  return new LocalClient(target);
}
