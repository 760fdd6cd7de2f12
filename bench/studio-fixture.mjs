// A project for the studio benchmark and the README screenshot: the example site's tables
// (Author, Comment) and a configured 1M-row table, in a temp directory, built with the package's
// own schema loader and client (dist/; run `npm run build` first).
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createTablesSql } from "../index.js";
import { createClient } from "../dist/client/index.js";
import { loadDbSchema } from "../dist/integration/load-config.js";

const repo = new URL("../", import.meta.url);

export const BIG_ROWS = 1_000_000;

export async function studioFixture() {
  const dir = mkdtempSync(join(tmpdir(), "astro-db-studio-"));
  mkdirSync(join(dir, "db"));
  mkdirSync(join(dir, ".astro"));
  const config = await import("node:fs").then((fs) => fs.readFileSync(new URL("examples/guide/db/config.ts", repo), "utf8"));
  writeFileSync(
    join(dir, "db/config.ts"),
    config
      .replace(
        "export default defineDb",
        `const Big = defineTable({ columns: { id: column.number({ primaryKey: true }), label: column.text(), n: column.number(), flag: column.boolean({ default: false }), at: column.date({ optional: true }), meta: column.json({ optional: true }) } });\nexport default defineDb`,
      )
      .replace("tables: { Author, Comment }", "tables: { Author, Comment, Big }"),
  );
  const root = pathToFileURL(dir + "/");
  const schema = await loadDbSchema(root, []);
  const file = join(dir, ".astro/content.db");
  const c = createClient({ url: pathToFileURL(file).href });
  await c.executeMultiple(createTablesSql(schema.snapshot, { dropExisting: true }).join(";\n"));
  await c.execute("INSERT INTO Author (id, name) VALUES (1, 'Kasim'), (2, 'Mina')");
  await c.execute(
    `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100)
     INSERT INTO Comment (authorId, body, likes, published) SELECT 1 + (i % 2), 'Seeded comment #' || i, i % 7, strftime('%Y-%m-%dT%H:%M:%fZ', '2024-05-01', '+' || i || ' hours') FROM s`,
  );
  await c.execute(
    `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${BIG_ROWS})
     INSERT INTO Big (id, label, n, flag, at, meta) SELECT i, 'row ' || i, i % 1000, i % 2, '2024-01-01T00:00:00.000Z', CASE WHEN i <= 10 THEN '{"i":' || i || '}' END FROM s`,
  );
  return { dir, root, file, schema, client: c };
}
