/**
 * `@astrojs/db/runtime/web`: `astro:db` for runtimes that cannot load native code
 * (`db({ mode: 'web' })` with a remote database). Imports neither the native package nor
 * Node built-ins; the libSQL client is `@libsql/client/web`, passed in by the generated module.
 */
import * as driverCore from "drizzle-orm/libsql/driver-core";
import { showQueryCauses } from "./query-errors.js";
import { explainingClient, lazyDatabase, remoteSettings, type RemoteDefaults } from "./remote-core.js";
import { AstroDbError } from "../errors.js";
import { remoteClientConfig, WEB_OPTIONS, type RemoteClientConfig } from "../database-url.js";
import type { Database } from "./database-type.js";

export { asDrizzleTable, hasPrimaryKey } from "./drizzle-table.js";

const construct = (driverCore as unknown as { construct: (client: unknown) => Database }).construct;

/** The URL schemes `@libsql/client/web` serves over HTTP. */
export const WEB_SCHEMES = ["libsql:", "http:", "https:"];

export function checkWebUrl(url: string): void {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*:)/.exec(url)?.[1]?.toLowerCase();
  if (!scheme || !WEB_SCHEMES.includes(scheme)) {
    throw new AstroDbError(
      `db({ mode: 'web' }) connects over HTTP and accepts only libsql:, https: and http: URLs, not ${scheme ? JSON.stringify(scheme) : "this one"} (ASTRO_DB_REMOTE_URL).`,
      {
        code: "ASTRO_DB_URL_SCHEME",
        hint:
          scheme === "ws:" || scheme === "wss:"
            ? `libSQL servers serve HTTP on the same host and port: use ${scheme === "wss:" ? "https:" : "http:"}// instead.`
            : "Use the libsql:// or https:// URL of your libSQL server, or mode: 'node' for local files.",
      },
    );
  }
}

type WebCreateClient = (config: RemoteClientConfig) => unknown;

/** The client config for `mode: 'web'`: an HTTP URL, and only the options an HTTP client has. */
export function webClientConfig(url: string, token?: string): RemoteClientConfig {
  checkWebUrl(url);
  const config = remoteClientConfig(url, token);
  const local = Object.keys(config).filter((k) => k !== "url" && !WEB_OPTIONS.includes(k));
  if (local.length) {
    throw new AstroDbError(
      `The option${local.length > 1 ? "s" : ""} ${local.join(", ")} in ASTRO_DB_REMOTE_URL need${local.length > 1 ? "" : "s"} a local database file, which db({ mode: 'web' }) cannot open.`,
      { code: "ASTRO_DB_URL_OPTION", hint: "Remove them from the URL, or use mode: 'node'." },
    );
  }
  return config;
}

/** The remote database of `astro:db` in `mode: 'web'`. */
export function createWebDatabase(createClient: WebCreateClient, defaults: RemoteDefaults = {}): Database {
  return lazyDatabase(() => {
    showQueryCauses();
    const { url, token } = remoteSettings(defaults);
    return construct(explainingClient(createClient(webClientConfig(url, token)) as object, url));
  });
}
