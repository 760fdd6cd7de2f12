// A project without db/ gets a starting point (Astro 7 no longer scaffolds it).
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dbDirectory } from "./load-config.js";

const CONFIG = `import { column, defineDb, defineTable } from "astro:db";

// https://docs.astro.build/en/guides/astro-db/#define-your-database
const Comment = defineTable({
  columns: {
    author: column.text(),
    body: column.text(),
  },
});

export default defineDb({
  tables: { Comment },
});
`;

const SEED = `import { Comment, db } from "astro:db";

// Runs on every \`astro dev\` start with a fresh database.
export default async function seed() {
  await db.insert(Comment).values([{ author: "Astro", body: "Welcome to Astro DB!" }]);
}
`;

/** Writes db/config.ts and db/seed.ts when the project has no db/ directory. Returns the files written. */
export async function scaffoldDbDirectory(root: URL): Promise<string[]> {
  const dir = dbDirectory(root);
  if (existsSync(dir)) return [];
  await mkdir(dir, { recursive: true });
  await writeFile(new URL("config.ts", dir), CONFIG);
  await writeFile(new URL("seed.ts", dir), SEED);
  return ["db/config.ts", "db/seed.ts"];
}
