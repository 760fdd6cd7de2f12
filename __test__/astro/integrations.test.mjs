// The integrations API on Astro 7: defineDbIntegration, an async astro:db:setup hook,
// extendDb({ configEntrypoint, seedEntrypoint }) (a URL and a root-relative string),
// asDrizzleTable from @astrojs/db/utils in the integration's seed; with and without user
// tables; a duplicate table name names both owners.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ASTRO7, count, fixture, workspace } from "./harness.mjs";

test("integration-only tables: build", { timeout: 180_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "db-integration");
  const { output } = await p.build();
  assert.equal(count(output, /\[fixture\] integration seed ran/g), 1, output);
  const html = readFileSync(p.path("dist/index.html"), "utf8");
  assert.match(html, /<li class="menu">Pancakes:10:false<\/li>/);
  assert.match(html, /<li class="menu">Salad:8:true<\/li>/);
  assert.match(p.read(".astro/integrations/astro_db/db.d.ts"), /Table<\s*"menu"/);
});

test("integration-only tables: dev", { timeout: 180_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "db-integration");
  p.write("db/.keep", ""); // an existing db/ folder: nothing is scaffolded
  const dev = await p.dev(t);
  await dev.waitFor(/Seeded database\./);
  const page = await dev.fetch("/");
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, /<li class="menu">Pancakes:10:false<\/li>/);
  assert.match(page.text, /<li class="menu">Salad:8:true<\/li>/);
});

test("integration tables with user tables: seeds run integration first, then db/seed", { timeout: 180_000 }, async (t) => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, ["db-integration", "db-integration-user"]);
  const { output } = await p.build();
  const integrationAt = output.indexOf("[fixture] integration seed ran");
  const userAt = output.indexOf("[fixture] user seed ran");
  assert.ok(integrationAt >= 0 && userAt > integrationAt, output);
  const html = readFileSync(p.path("dist/index.html"), "utf8");
  assert.match(html, /<li class="order">1:Pancakes:10<\/li>/);
  assert.match(html, /<li class="order">2:Salad:8<\/li>/);
  const types = p.read(".astro/integrations/astro_db/db.d.ts");
  assert.match(types, /Table<\s*"menu"/);
  assert.match(types, /Table<\s*"Order"/);

  const dev = await p.dev(t);
  await dev.waitFor(/Seeded database\./);
  const page = await dev.fetch("/");
  assert.match(page.text, /<li class="order">2:Salad:8<\/li>/);
});

test("a duplicate table name is an error naming both owners", { timeout: 120_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, ["db-integration", "db-integration-user"], {
    as: "db-integration-duplicate",
    files: {
      "db/config.ts": `import { column, defineDb, defineTable } from "astro:db";
const menu = defineTable({ columns: { title: column.text() } });
export default defineDb({ tables: { menu } });
`,
      "db/seed.ts": "export default async function seed() {}\n",
    },
  });
  const r = await p.build({ expectFailure: true });
  assert.notEqual(r.code, 0, r.output);
  const line = r.output.split("\n").find((l) => /menu/.test(l) && /menu-integration/.test(l));
  assert.ok(line, `an error line names the table and the integration:\n${r.output}`);
  assert.match(r.output, /menu-integration/);
  assert.match(line, /your db config|db\/config/);
  assert.doesNotMatch(r.output, /TypeError|Cannot read prop/);
});

test("a table added by two integrations is an error naming both", { timeout: 120_000 }, async () => {
  const ws = await workspace(ASTRO7);
  const p = fixture(ws, "db-integration", {
    as: "db-integration-twice",
    files: {
      "astro.config.mjs": `import { defineConfig } from "astro/config";
import db from "@astrojs/db";
import menu from "./integration/index.ts";
export default defineConfig({ integrations: [menu(), menu({ name: "second-menu" }), db()] });
`,
    },
  });
  const r = await p.build({ expectFailure: true });
  assert.notEqual(r.code, 0, r.output);
  const line = r.output.split("\n").find((l) => /menu-integration/.test(l) && /second-menu/.test(l));
  assert.ok(line, `an error line names both integrations:\n${r.output}`);
  assert.match(line, /\bmenu\b/);
});
