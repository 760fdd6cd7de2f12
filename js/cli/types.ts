// `astro-db types` (Astro 6: `astro db types`): the `astro:db` declarations dev writes, without
// a server or a database, so `tsc` and `astro check` pass on a clean checkout (CI).
import { generateTypes } from "../../index.js";
import { display } from "../integration/bundle.js";
import { loadDbSchema } from "../integration/load-config.js";
import { writeDbTypes } from "../integration/types-file.js";
import { loadProject, parseArgs, UsageError } from "./target.js";

export const TYPES_HELP = `Usage: astro-db types

Writes the TypeScript declarations of \`astro:db\` for db/config.ts (and the tables integrations
add) to .astro/integrations/astro_db/db.d.ts, the file \`astro dev\` and \`astro sync\` write, and
references it from .astro/types.d.ts. Needs no server and no database: run it before \`tsc\` in CI.
`;

export async function runTypes(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [], []);
  if (flags.help) {
    process.stdout.write(TYPES_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`astro-db types takes no arguments (got ${positionals.join(" ")}).`);
  const project = await loadProject(flags);
  const schema = await loadDbSchema(project.root, project.integrations);
  for (const w of schema.warnings) process.stderr.write(`Warning: ${w}\n`);
  const file = await writeDbTypes(project.root, generateTypes(schema.snapshot));
  process.stdout.write(`Wrote ${display(project.root, file)} (${Object.keys(schema.tables).length} tables).\n`);
  return 0;
}
