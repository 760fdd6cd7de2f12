// A workspace with Astro 7 plus the tools a project uses beside us: Vitest (for
// @astrojs/db/testing), drizzle-kit and @libsql/client (for `astro-db eject`), at the
// versions this repository's package.json pins as devDependencies.
import { readFileSync } from "node:fs";
import { ASTRO7, repoRoot } from "./harness.mjs";

const dev = JSON.parse(readFileSync(`${repoRoot}/package.json`, "utf8")).devDependencies;

export const ASTRO7_TOOLS = {
  name: "astro7-tools",
  ranges: {
    astro: ASTRO7.ranges.astro,
    "@astrojs/node": ASTRO7.ranges["@astrojs/node"],
    vitest: dev.vitest,
    "drizzle-kit": dev["drizzle-kit"],
    "@libsql/client": dev["@libsql/client"],
  },
};
