// Resolves `astro:db` to its generated module.
import { pathToFileURL } from "node:url";
import { remoteModule, runtimeModule, type RemoteModuleOptions } from "./virtual-module.js";

export const VIRTUAL_MODULE_ID = "astro:db";
const RESOLVED = "\0" + VIRTUAL_MODULE_ID;

export interface PluginState {
  tables(): Record<string, unknown>;
  databasePath(): string;
  astroDatabaseFile(): string | undefined;
  /** Set with --remote. */
  remote(): RemoteModuleOptions | undefined;
}

export function vitePluginDb(state: PluginState) {
  return {
    name: "astro:db",
    enforce: "pre" as const,
    // The package loads a native addon next to its own files: bundling it into server
    // chunks would break that path, so every server environment imports it from
    // node_modules (an explicit `external` wins over Astro's `noExternal`).
    // With mode: 'web' and a remote database nothing native is imported: the package is
    // bundled like any other, for runtimes without node_modules.
    configEnvironment(name: string) {
      if (name === "client") return undefined;
      if (state.remote()?.mode === "web") return undefined;
      return { resolve: { external: ["@astrojs/db"] } };
    },
    resolveId(id: string) {
      return id === VIRTUAL_MODULE_ID ? RESOLVED : undefined;
    },
    load(id: string) {
      if (id !== RESOLVED) return undefined;
      const remote = state.remote();
      if (remote) return remoteModule(state.tables(), remote);
      return runtimeModule(state.tables(), pathToFileURL(state.databasePath()).href, state.astroDatabaseFile());
    },
  };
}

export { RESOLVED as RESOLVED_VIRTUAL_MODULE_ID };
