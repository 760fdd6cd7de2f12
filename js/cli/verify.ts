// `astro-db verify`: does the remote database match db/config.ts?
import { loadDbSchema } from "../integration/load-config.js";
import { assess, describeBlocking } from "./push.js";
import { loadProject, parseArgs, remoteTarget, withTarget } from "./target.js";

export const VERIFY_HELP = `Usage: astro-db verify [--json] [--strict] [--db-app-token <token>]

Compares the schema stored in the database at ASTRO_DB_REMOTE_URL with db/config.ts:
  MATCH      nothing to push
  NO_MATCH   a push would apply changes without losing data
  DATA_LOSS  a push would lose data or conflict with the rows present (exit 1)

Options:
  --json             print { "exitCode", "message", "code", "data" } as JSON (code: MATCH,
                     NO_MATCH or DATA_LOSS; data: the refused changes), with our
                     "status", "queries" and "steps" beside them
  --strict           also exit 1 on NO_MATCH
  --db-app-token <t> the database's auth token (wins over ASTRO_DB_APP_TOKEN)
`;

const MESSAGES = {
  MATCH: "The database schema matches db/config.ts.",
  NO_MATCH: "The database schema is out of date: run `astro-db push` (or `astro db push`) to apply db/config.ts.",
  DATA_LOSS: "Pushing db/config.ts would lose data or conflict with the rows present; the push would be refused.",
} as const;

export async function runVerify(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, ["db-app-token"], ["json", "strict", "remote"]);
  if (flags.help) {
    process.stdout.write(VERIFY_HELP);
    return 0;
  }
  const project = await loadProject(flags);
  const schema = await loadDbSchema(project.root, project.integrations);
  const target = await remoteTarget(project.root, flags);
  for (const w of schema.warnings) process.stderr.write(`Warning: ${w}\n`);
  (flags.json ? process.stderr : process.stdout).write(`Verifying ${target.shown}\n`);
  return withTarget(target, async () => {
    const a = await assess(target.client, schema.snapshot, false);
    const status = a.blocking.length > 0 ? "DATA_LOSS" : a.plan.queries.length > 0 ? "NO_MATCH" : "MATCH";
    const exitCode = status === "DATA_LOSS" || (status === "NO_MATCH" && flags.strict) ? 1 : 0;
    if (flags.json) {
      // Upstream's object first (CI scripts written for it read `.code`), ours beside it.
      const result = {
        exitCode,
        message: MESSAGES[status],
        code: status,
        data: status === "DATA_LOSS" ? a.blocking.map((s) => s.message) : undefined,
        status,
        queries: a.plan.queries,
        steps: a.plan.steps,
      };
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    } else {
      process.stdout.write(`${status}\n`);
      for (const note of a.plan.notes) process.stdout.write(`Note: ${note.message}\n`);
      if (status === "NO_MATCH") process.stdout.write(`${a.plan.queries.length} statement(s) to push: run \`astro-db push\`.\n`);
      if (status === "DATA_LOSS") process.stdout.write(`A push would be refused:\n${describeBlocking(a.blocking)}\n`);
    }
    return exitCode;
  });
}
