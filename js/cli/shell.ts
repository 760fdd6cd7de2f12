// `astro-db shell --query <sql>`: runs one statement against the local or remote database.
import { toJsonValue } from "../studio/values.js";
import { chooseTarget, loadProject, parseArgs, UsageError, withTarget } from "./target.js";

export const SHELL_HELP = `Usage: astro-db shell --query <sql> [--remote] [--json] [--db-app-token <token>]

Runs the statement against the local dev database (.astro/content.db, or ASTRO_DATABASE_FILE)
or, with --remote, the database at ASTRO_DB_REMOTE_URL, and prints the rows as a table.

Options:
  --query <sql>      the statement to run
  --remote           use ASTRO_DB_REMOTE_URL (token: ASTRO_DB_APP_TOKEN or --db-app-token)
  --json             print the rows as a JSON array of objects
`;

function cell(v: unknown): string {
  return v === null || v === undefined ? "NULL" : String(toJsonValue(v));
}

export function formatTable(columns: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => columns.map((_, i) => cell(r[i])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join(" | ").trimEnd();
  const out = [line(columns), widths.map((w) => "-".repeat(w)).join("-+-"), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"})`);
  return out.join("\n") + "\n";
}

export async function runShell(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, ["query", "db-app-token"], ["remote", "json"]);
  if (flags.help) {
    process.stdout.write(SHELL_HELP);
    return 0;
  }
  const query = typeof flags.query === "string" ? flags.query : positionals.join(" ");
  if (!query.trim()) throw new UsageError(`Missing --query <sql>.\n\n${SHELL_HELP}`);
  const project = await loadProject(flags);
  const target = await chooseTarget(project, flags, true);
  if (!flags.json) process.stderr.write(`Database: ${target.shown}\n`);
  return withTarget(target, async () => {
    const rs = await target.client.execute(query);
    const rows = rs.rows.map((r) => rs.columns.map((_, i) => r[i]));
    if (flags.json) {
      const objects = rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c, toJsonValue(r[i])])));
      process.stdout.write(JSON.stringify(objects, null, 2) + "\n");
    } else if (rs.columns.length === 0) {
      process.stdout.write(`${rs.rowsAffected} row${rs.rowsAffected === 1 ? "" : "s"} affected.\n`);
    } else {
      process.stdout.write(formatTable(rs.columns, rows));
    }
    return 0;
  });
}
