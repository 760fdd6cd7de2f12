// `astro-db execute <file>`: runs a file whose default export uses `astro:db`, against the
// local dev database or, with --remote, the database at ASTRO_DB_REMOTE_URL.
import { existsSync } from "node:fs";
import { mkdir, unlink, writeFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { migrateLocalDatabase } from "../../index.js";
import { evaluateFile, scratchDir } from "../integration/bundle.js";
import { loadDbSchema } from "../integration/load-config.js";
import { createDatabase } from "../runtime/database.js";
import { chooseTarget, explain, loadProject, parseArgs, UsageError, withTarget } from "./target.js";

export const EXECUTE_HELP = `Usage: astro-db execute <file> [--remote] [--db-app-token <token>]

Runs <file> (TypeScript or JavaScript) whose default export is a function using \`astro:db\`
(db, the tables of db/config.ts, the helpers), against the local dev database
(.astro/content.db, or ASTRO_DATABASE_FILE; brought to db/config.ts first) or, with
--remote, the database at ASTRO_DB_REMOTE_URL.
`;

const DB_KEY = "@astrojs/db:execute-db";

function executeModule(tables: Record<string, unknown>): string {
  const runtime = JSON.stringify(new URL("../runtime/index.js", import.meta.url).href);
  const virtual = JSON.stringify(new URL("../runtime/virtual.js", import.meta.url).href);
  const exports = Object.entries(tables)
    .map(([name, table]) => `export const ${name} = asDrizzleTable(${JSON.stringify(name)}, ${JSON.stringify(table)});`)
    .join("\n");
  return `import { asDrizzleTable } from ${runtime};
export * from ${virtual};
export const db = globalThis[Symbol.for(${JSON.stringify(DB_KEY)})];
${exports}
`;
}

export async function runExecute(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, ["db-app-token"], ["remote"]);
  if (flags.help) {
    process.stdout.write(EXECUTE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`Expected one file to execute.\n\n${EXECUTE_HELP}`);
  const project = await loadProject(flags);
  const path = isAbsolute(positionals[0]) ? positionals[0] : join(process.cwd(), positionals[0]);
  if (!existsSync(path)) throw new UsageError(`File not found: ${positionals[0]}`);
  const schema = await loadDbSchema(project.root, project.integrations);
  const target = await chooseTarget(project, flags, false);
  if (!target.remote) {
    const local = target.path!;
    try {
      migrateLocalDatabase(local, schema.snapshot, target.options);
    } catch (e) {
      target.client.close();
      const err = explain(e, target);
      throw new UsageError(`The local database ${local} does not match db/config.ts: ${err.message}`, { code: err.code, hint: err.hint, cause: e });
    }
  }
  process.stdout.write(`Executing ${positionals[0]} against ${target.shown}\n`);
  return withTarget(target, async () => {
    const dir = scratchDir(project.root);
    await mkdir(dir, { recursive: true });
    const modFile = new URL(`execute-${process.pid}-${Date.now()}.mjs`, dir);
    await writeFile(modFile, executeModule(schema.tables as Record<string, unknown>));
    (globalThis as any)[Symbol.for(DB_KEY)] = createDatabase(target.client);
    try {
      const { mod } = await evaluateFile(project.root, pathToFileURL(path), fileURLToPath(modFile));
      if (typeof mod.default !== "function") {
        throw new UsageError(`${positionals[0]} has no default export function: write \`export default async function () { … }\`.`);
      }
      try {
        await (mod.default as () => unknown)();
      } catch (e) {
        const err = explain(e, target);
        throw new UsageError(`${positionals[0]} failed: ${err.message}`, { code: err.code, hint: err.hint, cause: e });
      }
    } finally {
      await unlink(modFile).catch(() => {});
    }
    process.stdout.write(`Executed ${positionals[0]}.\n`);
    return 0;
  });
}
