// `astro-db verify`: does the database match db/config.ts? The engine plans and asks the data
// without applying; this file prints its verdict.
import { loadDbSchema } from "../integration/load-config.js";
import { describeBlocking, runEngine } from "./push.js";
import { loadProject, parseArgs, pushTarget } from "./target.js";

export const VERIFY_HELP = `Usage: astro-db verify [--json] [--strict] [--db-app-token <token>]

Compares the schema stored in the database at ASTRO_DB_REMOTE_URL with db/config.ts:
  MATCH      nothing to push
  NO_MATCH   a push would apply changes without losing data
  DATA_LOSS  a push would lose data or conflict with the rows present (exit 1)
  DRIFT      the database holds tables, columns, indexes or triggers its stored schema
             snapshot does not describe (made by hand), or lacks some it describes; a push
             refuses to rebuild a table over them (exit 0; 1 with --strict)

Options:
  --json             print { "exitCode", "message", "code", "data" } as JSON (code: MATCH,
                     NO_MATCH, DATA_LOSS or DRIFT; data: the refused changes, or the drift),
                     with our "status", "queries", "steps" and "drift" beside them
  --strict           also exit 1 on NO_MATCH and DRIFT
  --db-app-token <t> the database's auth token (wins over ASTRO_DB_APP_TOKEN)
`;

const MESSAGES = {
  MATCH: "The database schema matches db/config.ts.",
  NO_MATCH: "The database schema is out of date: run `astro-db push` (or `astro db push`) to apply db/config.ts.",
  DATA_LOSS: "Pushing db/config.ts would lose data or conflict with the rows present; the push would be refused.",
  DRIFT: "The database differs from its stored schema snapshot (changed by hand): see `drift`.",
} as const;

export async function runVerify(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, ["db-app-token"], ["json", "strict", "remote"]);
  if (flags.help) {
    process.stdout.write(VERIFY_HELP);
    return 0;
  }
  const project = await loadProject(flags);
  const schema = await loadDbSchema(project.root, project.integrations);
  const target = await pushTarget(project.root, flags);
  for (const w of schema.warnings) process.stderr.write(`Warning: ${w}\n`);
  (flags.json ? process.stderr : process.stdout).write(`Verifying ${target.shown}\n`);
  const report = await runEngine(target, schema.snapshot, { apply: false });
  const blocking = report.steps.filter((s) => s.blocking);
  // Drift is its own outcome only when nothing worse is due: a refused push says more.
  const status =
    blocking.length > 0 ? "DATA_LOSS" : report.drift.length > 0 ? "DRIFT" : report.queries.length > 0 ? "NO_MATCH" : "MATCH";
  const exitCode = status === "DATA_LOSS" || (status !== "MATCH" && flags.strict) ? 1 : 0;
  if (flags.json) {
    // Upstream's object first (CI scripts written for it read `.code`), ours beside it.
    const result = {
      exitCode,
      message: MESSAGES[status],
      code: status,
      data: status === "DATA_LOSS" ? blocking.map((s) => s.message) : status === "DRIFT" ? report.drift.map((d) => d.message) : undefined,
      status,
      queries: report.queries,
      steps: report.steps,
      ...(report.drift.length ? { drift: report.drift } : {}),
    };
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } else {
    process.stdout.write(`${status}\n`);
    for (const note of report.notes) process.stdout.write(`Note: ${note.message}\n`);
    for (const d of report.drift) process.stdout.write(`Drift: ${d.message}\n`);
    if (status === "NO_MATCH") process.stdout.write(`${report.queries.length} statement(s) to push: run \`astro-db push\`.\n`);
    if (status === "DATA_LOSS") process.stdout.write(`A push would be refused:\n${describeBlocking(report)}\n`);
  }
  return exitCode;
}
