// The code behind `astro:db`: the runtime module pages import, and the variant seed files
// get (same tables and helpers, with `db` bound to the seed run's transaction).
const RUNTIME = JSON.stringify("@astrojs/db/runtime");
const VIRTUAL = JSON.stringify("@astrojs/db/dist/runtime/virtual.js");

/** Key under which the seed run's database is published to seed modules. */
export const SEED_DB_KEY = "@astrojs/db:seed-db";

/**
 * Key under which the integration publishes the local database URL it resolved (from the
 * project root) to `astro:db` modules running in the same process (dev, prerendering).
 */
export const LOCAL_DB_KEY = "@astrojs/db:local";

function tableExports(tables: Record<string, unknown>): string {
  return Object.entries(tables)
    .map(([name, table]) => `export const ${name} = asDrizzleTable(${JSON.stringify(name)}, ${JSON.stringify(table)});`)
    .join("\n");
}

/**
 * The module pages and endpoints import. `ASTRO_DATABASE_FILE` is read again at run time,
 * so a built server can be pointed at its file; the build-time value is the fallback.
 */
export function runtimeModule(tables: Record<string, unknown>, defaultUrl: string, buildTimeFile: string | undefined): string {
  return `import { asDrizzleTable, createLocalDatabase, normalizeDatabaseUrl } from ${RUNTIME};
export * from ${VIRTUAL};
export const dbUrl = globalThis[Symbol.for(${JSON.stringify(LOCAL_DB_KEY)})] ?? normalizeDatabaseUrl(globalThis.process?.env?.ASTRO_DATABASE_FILE ?? ${JSON.stringify(buildTimeFile ?? "")}, ${JSON.stringify(defaultUrl)});
export const db = createLocalDatabase(dbUrl);
${tableExports(tables)}
`;
}

export interface RemoteModuleOptions {
  /** `node`: the native client; `web`: `@libsql/client/web`, no native code. */
  mode: "node" | "web";
  /** The build-time URL, without credentials: the run-time fallback. */
  url: string;
  /** The token, inlined only for `astro dev` (the module then lives in memory only). */
  devToken?: string;
}

/**
 * The module pages import in remote mode. URL and token are read when `db` is first used:
 * from the integration in the same process (dev, prerendering), else from
 * `ASTRO_DB_REMOTE_URL` / `ASTRO_DB_APP_TOKEN` at run time; the URL falls back to the
 * build-time one. A build never contains the token.
 */
export function remoteModule(tables: Record<string, unknown>, options: RemoteModuleOptions): string {
  const defaults = JSON.stringify({ url: options.url, ...(options.devToken ? { token: options.devToken } : {}) });
  const head =
    options.mode === "web"
      ? `import { createClient } from "@libsql/client/web";
import { asDrizzleTable, createWebDatabase } from ${JSON.stringify("@astrojs/db/runtime/web")};
export const db = createWebDatabase(createClient, ${defaults});`
      : `import { asDrizzleTable, createRemoteDatabase } from ${RUNTIME};
export const db = createRemoteDatabase(${defaults});`;
  return `${head}
export * from ${VIRTUAL};
export const dbUrl = ${JSON.stringify(options.url)};
${tableExports(tables)}
`;
}

/** The module seed files import while they run. */
export function seedModule(tables: Record<string, unknown>, dbUrl: string): string {
  return `import { asDrizzleTable } from ${RUNTIME};
export * from ${VIRTUAL};
export const dbUrl = ${JSON.stringify(dbUrl)};
export const db = globalThis[Symbol.for(${JSON.stringify(SEED_DB_KEY)})];
${tableExports(tables)}
`;
}
