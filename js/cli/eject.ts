// `astro-db eject`: a way out to plain Drizzle ORM. Writes the schema as `sqliteTable`
// definitions matching the tables on disk, a drizzle.config.ts, and (with the project's
// drizzle-kit) the first migration, so the existing database and its rows carry over.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { generateDrizzleSchema } from "../../index.js";
import { loadDbSchema } from "../integration/load-config.js";
import { chooseTarget, loadProject, parseArgs, UsageError, withTarget, type Project } from "./target.js";

export const EJECT_HELP = `Usage: astro-db eject [--schema <file>] [--out <dir>] [--force] [--mark-applied [--remote]]

Writes what a project needs to use its database with Drizzle ORM and drizzle-kit alone:
  db/schema.ts         sqliteTable definitions of every table, as Astro DB created them
                       (the hidden _id key, dates as ISO-8601 text, booleans as 0/1, JSON as text)
  drizzle.config.ts    drizzle-kit's config (ASTRO_DATABASE_FILE or .astro/content.db; Turso/libSQL
                       through ASTRO_DB_REMOTE_URL and ASTRO_DB_APP_TOKEN)
  db/migrations/       the current schema as drizzle-kit's first migration (when the project has
                       drizzle-kit installed; else the command to make it is printed)

  --schema <file>   where the schema goes (default db/schema.ts)
  --out <dir>       drizzle-kit's migrations folder (default db/migrations)
  --force           overwrite files that exist
  --mark-applied    record the first migration as applied in the database that already has the
                    tables (ASTRO_DATABASE_FILE or .astro/content.db; with --remote the database at
                    ASTRO_DB_REMOTE_URL), so \`drizzle-kit migrate\` starts after it
`;

const MIGRATION_NAME = "astro_db_baseline";

function drizzleConfig(schema: string, out: string): string {
  return `// Written by \`astro-db eject\`. drizzle-kit reads the same database the site used:
// ASTRO_DB_REMOTE_URL (+ ASTRO_DB_APP_TOKEN) for a libSQL server, else ASTRO_DATABASE_FILE,
// else the dev database.
import { defineConfig } from "drizzle-kit";

const remote = process.env.ASTRO_DB_REMOTE_URL;

export default defineConfig({
  schema: ${JSON.stringify(schema)},
  out: ${JSON.stringify(out)},
  // Astro DB's record of the schema it pushed: not part of your schema, left alone.
  tablesFilter: ["!_astro_db_snapshot"],
  ...(remote
    ? { dialect: "turso", dbCredentials: { url: remote, authToken: process.env.ASTRO_DB_APP_TOKEN } }
    : { dialect: "sqlite", dbCredentials: { url: process.env.ASTRO_DATABASE_FILE ?? "file:.astro/content.db" } }),
});
`;
}

/**
 * The project's drizzle-kit bin, when installed. Found by walking up node_modules folders as
 * Node does: drizzle-kit's `exports` hide its package.json from `require.resolve`.
 */
function drizzleKitBin(root: string): string | undefined {
  for (let dir = root; ; dir = dirname(dir)) {
    const pkg = join(dir, "node_modules", "drizzle-kit", "package.json");
    if (existsSync(pkg)) {
      const bin = JSON.parse(readFileSync(pkg, "utf8")).bin;
      return join(dirname(pkg), typeof bin === "string" ? bin : bin["drizzle-kit"]);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export async function runEject(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, ["schema", "out", "db-app-token"], ["force", "mark-applied", "remote"]);
  if (flags.help) {
    process.stdout.write(EJECT_HELP);
    return 0;
  }
  const project = await loadProject(flags);
  const root = fileURLToPath(project.root);
  const schemaFile = typeof flags.schema === "string" ? flags.schema : "db/schema.ts";
  const out = typeof flags.out === "string" ? flags.out : "db/migrations";
  const files: Array<[string, string]> = [
    [schemaFile, ""],
    ["drizzle.config.ts", drizzleConfig(`./${schemaFile}`, `./${out}`)],
  ];
  const existing = files.map(([f]) => f).filter((f) => existsSync(join(root, f)));
  if (existsSync(join(root, out, "meta", "_journal.json"))) existing.push(`${out}/meta/_journal.json`);
  if (existing.length && !flags.force) {
    throw new UsageError(`${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""}: nothing was written. Pass --force to overwrite.`);
  }
  const schema = await loadDbSchema(project.root, project.integrations);
  files[0][1] = generateDrizzleSchema(schema.snapshot);
  for (const [file, text] of files) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), text);
    process.stdout.write(`Wrote ${file}\n`);
  }
  const bin = drizzleKitBin(root);
  const generate = `drizzle-kit generate --name ${MIGRATION_NAME}`;
  if (!bin) {
    process.stdout.write(`drizzle-kit is not installed here: run \`npm install -D drizzle-kit\`, then \`npx ${generate}\` for the first migration.\n`);
    return 0;
  }
  const env = { ...process.env };
  // The migration comes from the schema alone; never let drizzle-kit see a token here.
  delete env.ASTRO_DB_REMOTE_URL;
  delete env.ASTRO_DB_APP_TOKEN;
  const r = spawnSync(process.execPath, [bin, "generate", "--name", MIGRATION_NAME, "--config", "drizzle.config.ts"], { cwd: root, env, encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`${generate} failed (the schema and config were written; fix and run it again):\n${r.stdout}${r.stderr}`);
  }
  process.stdout.write(`Wrote the first migration to ${relative(root, join(root, out)) || "."}/ (${generate}).\n`);
  if (flags["mark-applied"]) return markApplied(project, flags, join(root, out));
  process.stdout.write(
    `A database that already has these tables must not run it: \`astro-db eject --force --mark-applied\` records it as applied there.\n`,
  );
  return 0;
}

/**
 * Records the baseline in drizzle's migrations table as drizzle-orm's migrator would after
 * running it (the SQL file's SHA-256, the journal's `when`): the tables exist already, and
 * later migrations apply on top.
 */
async function markApplied(project: Project, flags: Record<string, string | true>, out: string): Promise<number> {
  const journal = JSON.parse(await readFile(join(out, "meta", "_journal.json"), "utf8")) as { entries: Array<{ tag: string; when: number }> };
  const first = journal.entries[0];
  const hash = createHash("sha256").update(await readFile(join(out, `${first.tag}.sql`), "utf8")).digest("hex");
  const target = await chooseTarget(project, flags, true);
  return withTarget(target, async () => {
    await target.client.execute('CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)');
    const seen = await target.client.execute({ sql: 'SELECT 1 FROM "__drizzle_migrations" WHERE hash = ?', args: [hash] });
    if (seen.rows.length === 0) {
      await target.client.execute({ sql: 'INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)', args: [hash, first.when] });
    }
    process.stdout.write(`Marked ${first.tag} as applied in ${target.shown}.\n`);
    return 0;
  });
}
