/**
 * `@astrojs/db`: the Astro integration. `db()` goes in `integrations` of astro.config.
 */
import { dbIntegration, type AstroDBConfig } from "./integration/index.js";

export type { AstroDBConfig } from "./integration/index.js";
export { cli } from "./cli/astro.js";
export type { TableConfig } from "./config-types.js";

export default function db(options?: AstroDBConfig) {
  return dbIntegration(options);
}
