import db from "@astrojs/db";
import node from "@astrojs/node";
import { defineConfig } from "astro/config";

// Pages that read or write per request opt out of prerendering; the node adapter serves them.
export default defineConfig({
  integrations: [db()],
  adapter: node({ mode: "standalone" }),
});
