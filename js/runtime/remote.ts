// `astro:db` on a remote libSQL database through the native client (Node).
import { createClient } from "../client/index.js";
import { createDatabase } from "./database.js";
import { explainingClient, lazyDatabase, remoteSettings, type RemoteDefaults } from "./remote-core.js";
import { remoteClientConfig } from "../database-url.js";
import type { Database } from "./database-type.js";

/**
 * The remote database of `astro:db`: URL and token come from the integration (same process),
 * else `ASTRO_DB_REMOTE_URL` / `ASTRO_DB_APP_TOKEN` at run time, else `defaults`.
 */
export function createRemoteDatabase(defaults: RemoteDefaults = {}): Database {
  return lazyDatabase(() => {
    const { url, token } = remoteSettings(defaults);
    return createDatabase(explainingClient(createClient(remoteClientConfig(url, token)), url));
  });
}
