// Resolves `astro:db` to its generated module.
import { pathToFileURL } from "node:url";
import { runtimeModule } from "./virtual-module.js";

export const VIRTUAL_MODULE_ID = "astro:db";
const RESOLVED = "\0" + VIRTUAL_MODULE_ID;

export interface PluginState {
  tables(): Record<string, unknown>;
  databasePath(): string;
  astroDatabaseFile(): string | undefined;
}

export function vitePluginDb(state: PluginState) {
  return {
    name: "astro:db",
    enforce: "pre" as const,
    // The package loads a native addon next to its own files: bundling it into server
    // chunks would break that path, so every server environment imports it from
    // node_modules (an explicit `external` wins over Astro's `noExternal`).
    configEnvironment(name: string) {
      if (name === "client") return undefined;
      return { resolve: { external: ["@astrojs/db"] } };
    },
    resolveId(id: string) {
      return id === VIRTUAL_MODULE_ID ? RESOLVED : undefined;
    },
    load(id: string) {
      if (id !== RESOLVED) return undefined;
      return runtimeModule(state.tables(), pathToFileURL(state.databasePath()).href, state.astroDatabaseFile());
    },
  };
}

export { RESOLVED as RESOLVED_VIRTUAL_MODULE_ID };
