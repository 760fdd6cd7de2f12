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
    load(this: { environment?: { name?: string } } | void, id: string, options?: { ssr?: boolean }) {
      if (id !== RESOLVED) return undefined;
      const remote = state.remote();
      if (remote) {
        // The dev token goes to server code only, never to a module a browser could fetch.
        const client = (this as { environment?: { name?: string } } | undefined)?.environment?.name === "client" || options?.ssr === false;
        return remoteModule(state.tables(), client ? { ...remote, devToken: undefined } : remote);
      }
      return runtimeModule(state.tables(), pathToFileURL(state.databasePath()).href, state.astroDatabaseFile());
    },
  };
}

export { RESOLVED as RESOLVED_VIRTUAL_MODULE_ID };
