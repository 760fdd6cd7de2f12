// Types of the package entry: the integration, plus the `astro:db` module declaration.
import "./virtual.js";

export { default, cli } from "./dist/index.js";
export type { AstroDBConfig, TableConfig } from "./dist/index.js";
