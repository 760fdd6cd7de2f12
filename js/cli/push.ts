// `astro-db push`: brings the database at ASTRO_DB_REMOTE_URL to db/config.ts. The migration
// engine (Rust, `SchemaTarget`) plans, asks the data and applies in one transaction; this
// file parses flags, asks questions on a terminal and prints.
import { createInterface } from "node:readline/promises";
import type { PushOptions, PushReport, PushStep } from "../../index.js";
import { loadDbSchema } from "../integration/load-config.js";
import { backupBeforeLoss } from "./data.js";
import { losesData } from "../integration/backup.js";
import { UsageError, explain, loadProject, parseArgs, pushTarget, type PushTarget } from "./target.js";
import { failureKind } from "../explain.js";

export const PUSH_HELP = `Usage: astro-db push [--dry-run] [--json] [--rename <from>=<to>]… [--backfill <Table.column>=<SQL>]…
                     [--accept-data-loss <Table[.column]>]… [--force-reset [--yes]] [--db-app-token <token>]

Applies the schema of db/config.ts to the database at ASTRO_DB_REMOTE_URL (token:
ASTRO_DB_APP_TOKEN, or --db-app-token), read from the environment and .env files.
Safe and lossless changes are applied with the new schema snapshot in one transaction;
a change that would lose data is refused, naming each step, its rows and the flag that accepts it.

Options:
  --dry-run                      print the plan and its SQL; change nothing
  --json                         print the plan and its outcome as JSON (for CI)
  --rename Comment.body=text     column body of Comment was renamed to text: keep its values
  --rename Post=Article          table Post was renamed to Article: keep its rows
  --backfill Comment.rating=0    fill the new required column in existing rows with this SQL expression
  --accept-data-loss Comment.body
                                 accept losing exactly that column's values (or a table's rows:
                                 --accept-data-loss Comment); every other loss is still refused
  --force-reset                  drop every table of the stored schema and create the new one (asks first)
  --yes                          do not ask (for CI): needed for --force-reset without a terminal
  --db-app-token <t>             the database's auth token (wins over ASTRO_DB_APP_TOKEN)

On a terminal, push asks about what it cannot know: a suspected rename ("Did you rename
Comment.body to Comment.text?"), a backfill, a loss. Without one, it names the flag to pass.
`;

const REPEATABLE = ["rename", "backfill", "accept-data-loss"];

/** Runs the engine; a failure resolves to an `Error` with `code`, thrown here with a message a user can act on. */
export async function runEngine(target: PushTarget, snapshot: string, options: PushOptions): Promise<PushReport> {
  let out: PushReport | Error;
  try {
    out = await target.native.push(snapshot, options);
  } catch (e) {
    // Thrown before anything is sent: an invalid flag value or snapshot.
    out = e as Error;
  }
  if (!(out instanceof Error)) return out;
  const code = (out as { code?: string }).code;
  const text = out.message.replace(/^[A-Z_]+: /, "");
  if (code === "ASTRO_DB_INVALID_SNAPSHOT") throw new UsageError(`Could not read the schema snapshot stored in the database: ${text}`, { code, cause: out });
  if (code?.startsWith("ASTRO_DB_")) throw new UsageError(`Push refused: ${text}`, { code, cause: out });
  const explained = explain(out, target);
  if (options.apply && failureKind(out) === "NETWORK") {
    explained.hint = `${explained.hint} The push is one transaction: the database is either unchanged or fully updated. Run \`astro-db verify\` to see which (MATCH: it was applied).`;
  }
  throw explained;
}

/** One line per refused step: what, how many rows, what to do, the flag that accepts it. */
export function describeBlocking(report: PushReport): string {
  return report.steps
    .filter((s) => s.blocking)
    .map((s) => {
      const rows = s.rows == null ? "" : ` (${s.rows} row${s.rows === 1 ? "" : "s"})`;
      let line = `  - ${s.message}${rows}`;
      if (s.suggestion) line += `\n    ${s.suggestion}`;
      if (s.flag) line += `\n    To accept this loss: ${s.flag}`;
      return line;
    })
    .join("\n");
}

function interactive(): boolean {
  return !!process.stdin.isTTY && !!process.stdout.isTTY;
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

const yes = (answer: string) => /^y(es)?$/i.test(answer);

async function confirmReset(shown: string, assumeYes: boolean): Promise<boolean> {
  if (assumeYes) return true;
  if (!interactive()) {
    throw new UsageError(
      `--force-reset drops every table of ${shown} and all their rows; with no terminal to confirm, pass --yes as well to proceed. Nothing was changed.`,
    );
  }
  return yes(await ask(`Reset ${shown}? Every table and all its rows will be dropped. Type "yes" to continue: `));
}

interface Choices {
  renames: string[];
  backfills: string[];
  acceptDataLoss: string[];
}

/**
 * On a terminal, the questions the engine cannot answer for a refused plan: suspected renames
 * first (a yes changes the plan), then backfills and losses. Returns whether anything was added.
 */
async function askAbout(report: PushReport, choices: Choices): Promise<boolean> {
  const blocking = report.steps.filter((s) => s.blocking);
  const dropped = (table: string, column?: string | null) =>
    blocking.some((s) => (s.kind === "dropColumn" || s.kind === "dropTable") && s.table === table && (column == null || s.column === column));
  let added = false;
  for (const note of report.notes) {
    if (note.kind !== "suspectedRename" || !note.rename) continue;
    const [from, to] = note.rename.split("=");
    const [table, column] = from.split(".");
    if (!dropped(table, column)) continue;
    const q = column ? `Did you rename ${table}.${column} to ${table}.${to}?` : `Did you rename table ${table} to ${to}?`;
    if (yes(await ask(`${q} [y/N] `))) {
      choices.renames.push(note.rename);
      added = true;
    }
  }
  if (added) return true;
  for (const s of blocking) {
    if (s.kind === "addRequiredColumn" && s.column) {
      const expr = await ask(
        `${s.table}.${s.column} is a new required column without a default and ${s.table} has ${s.rows ?? "some"} row(s). SQL expression to fill them (empty: skip): `,
      );
      if (expr) {
        choices.backfills.push(`${s.table}.${s.column}=${expr}`);
        added = true;
        continue;
      }
    }
    if (s.flag && yes(await ask(`${s.message}${s.rows == null ? "" : ` (${s.rows} row(s))`} Accept this loss? [y/N] `))) {
      choices.acceptDataLoss.push(s.flag.replace(/^--accept-data-loss /, ""));
      added = true;
    }
  }
  return added;
}

/** The plan in words, one line per step, for dry runs and refusals alike. */
export function describePlan(report: PushReport): string[] {
  return report.steps.filter((s) => s.kind !== "drift").map((s) => `  ${s.safety.padEnd(8)} ${s.message}`);
}

export async function runPush(argv: string[]): Promise<number> {
  const { flags, lists } = parseArgs(argv, ["db-app-token"], ["dry-run", "force-reset", "yes", "remote", "json"], REPEATABLE);
  if (flags.help) {
    process.stdout.write(PUSH_HELP);
    return 0;
  }
  const project = await loadProject(flags);
  const schema = await loadDbSchema(project.root, project.integrations);
  const target = await pushTarget(project.root, flags);
  for (const w of schema.warnings) process.stderr.write(`Warning: ${w}\n`);
  const json = !!flags.json;
  const out = (s: string) => (json ? process.stderr : process.stdout).write(s + "\n");
  out(`Pushing to ${target.shown}`);
  const reset = !!flags["force-reset"];
  const dry = !!flags["dry-run"];
  if (reset && !dry && !(await confirmReset(target.shown, !!flags.yes))) {
    out("Reset cancelled: nothing was changed.");
    return 1;
  }
  const choices: Choices = { renames: lists.rename, backfills: lists.backfill, acceptDataLoss: lists["accept-data-loss"] };
  let backup: string | undefined;
  const run = async () => {
    const options = { apply: !dry, reset, ...choices };
    // A loss by consent (a flag, a reset, a `deprecated` item removed) is applied only after
    // a backup of what is there has been written: plan first, then back up, then apply.
    if (!dry && !backup) {
      const plan = await runEngine(target, schema.snapshot, { ...options, apply: false });
      if (plan.status !== "changes") return plan;
      if (!losesData(plan, reset)) return runEngine(target, schema.snapshot, options);
      backup = await backupBeforeLoss(project.root, target);
      out(`Backup of ${target.shown} before losing data: ${backup}
  Restore it with: astro-db load ${JSON.stringify(backup)}${target.remote ? " --remote" : ""} --replace`);
    }
    return runEngine(target, schema.snapshot, options);
  };
  let report = await run();
  // At most two rounds of questions: renames change the plan, so what follows is asked again.
  for (let round = 0; round < 2 && report.status === "blocked" && !json && interactive(); round++) {
    if (!(await askAbout(report, choices))) break;
    report = await run();
  }
  const exitCode = report.status === "blocked" ? 1 : 0;
  if (json) {
    process.stdout.write(JSON.stringify({ exitCode, dryRun: dry, ...report }, null, 2) + "\n");
    return exitCode;
  }
  for (const note of report.notes) out(`Note: ${note.message}`);
  for (const d of report.drift) out(`Drift: ${d.message}`);
  if (report.status === "blocked") {
    process.stderr.write(
      `Push refused: these changes would lose data or conflict with the rows in ${target.shown}:\n${describeBlocking(report)}\n` +
        `Nothing was changed. (To drop everything and start over, use --force-reset.)\n`,
    );
    return 1;
  }
  if (report.status === "match" || (report.queries.length === 0 && !report.snapshotChanged)) {
    out("Database schema is up to date.");
    return 0;
  }
  const n = report.queries.length;
  const statements = `${n} statement${n === 1 ? "" : "s"}`;
  if (dry) {
    if (n > 0) out("Plan:");
    for (const line of describePlan(report)) out(line);
    for (const q of report.queries) out(q.endsWith(";") ? q : q + ";");
    if (n === 0) out("(no schema change; only the stored snapshot would be updated)");
    out("Dry run: nothing was changed.");
    return 0;
  }
  for (const s of report.steps.filter((s) => s.accepted)) out(`Accepted loss: ${s.message}${s.rows == null ? "" : ` (${s.rows} row(s))`}`);
  out(
    n === 0
      ? "Database schema is up to date (stored snapshot refreshed)."
      : `Pushed ${statements}${reset ? " (reset)" : ""} in one transaction: the database now matches db/config.ts.`,
  );
  return 0;
}
