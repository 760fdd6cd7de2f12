/**
 * `@astrojs/db/testing/vitest`: a Vite plugin (for Vitest) resolving `astro:db` in code under
 * test to the test databases of `@astrojs/db/testing`: the same helpers and Drizzle tables as
 * in the site, with `db` standing for the running test's database.
 */
import { dirUrl } from "../cli/target.js";
import { loadDbSchema, type IntegrationLike } from "../integration/load-config.js";
import { VIRTUAL_MODULE_ID } from "../integration/vite-plugin.js";

export interface AstroDbTestingOptions {
  /** The project root; default: Vite's `root`. */
  root?: string | URL;
  /** Integrations that add tables (as in astro.config). */
  integrations?: IntegrationLike[];
}

const RESOLVED = "\0astro:db/testing";

/** The module `astro:db` becomes under test. */
export function testingModule(tables: Record<string, unknown>): string {
  return `import { testDb, tablesFor } from "@astrojs/db/testing";
export * from "@astrojs/db/dist/runtime/virtual.js";
export const db = testDb;
const tables = tablesFor(${JSON.stringify(tables)});
${Object.keys(tables).map((name) => `export const ${name} = tables.${name};`).join("\n")}
`;
}

export function astroDbTesting(options: AstroDbTestingOptions = {}) {
  let root: URL;
  return {
    name: "astro:db:testing",
    enforce: "pre" as const,
    configResolved(config: { root: string }) {
      root = dirUrl(options.root ?? config.root);
    },
    resolveId(id: string) {
      return id === VIRTUAL_MODULE_ID ? RESOLVED : undefined;
    },
    async load(id: string) {
      if (id !== RESOLVED) return undefined;
      const schema = await loadDbSchema(root, options.integrations ?? []);
      return testingModule(schema.tables);
    },
  };
}

export default astroDbTesting;
