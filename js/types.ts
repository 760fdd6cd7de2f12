/** `@astrojs/db/types`: the config types. */
export type * from "./config-types.js";
