// `astro-db push`: brings the remote database to db/config.ts. Mirrors src/local/apply.rs
// over the Client interface: read the stored snapshot, plan, ask the database where safety
// depends on data, refuse what would lose data, else apply every query together with the
// new snapshot row (and the snapshot table itself) in one atomic batch.
import { createInterface } from "node:readline/promises";
import { planMigration, type MigrationPlan, type MigrationStep } from "../../index.js";
import type { Client } from "../client/types.js";
import { loadDbSchema } from "../integration/load-config.js";
import {
  CREATE_SNAPSHOT_TABLE,
  INSERT_SNAPSHOT,
  UsageError,
  loadProject,
  parseArgs,
  readSnapshot,
  explain,
  remoteTarget,
  withTarget,
} from "./target.js";

export const PUSH_HELP = `Usage: astro-db push [--dry-run] [--force-reset [--yes]] [--db-app-token <token>]

Applies the schema of db/config.ts to the database at ASTRO_DB_REMOTE_URL (token:
ASTRO_DB_APP_TOKEN, or --db-app-token), read from the environment and .env files.
Safe and lossless changes are applied with the new schema snapshot in one transaction;
a change that would lose data is refused, naming each step and what to do instead.

Options:
  --dry-run          print the SQL that would run; change nothing
  --force-reset      drop every table of the stored schema and create the new one (asks first)
  --yes              do not ask (for CI): needed for --force-reset without a terminal
  --db-app-token <t> the database's auth token (wins over ASTRO_DB_APP_TOKEN)
`;

export interface Assessment {
  stored: string | null;
  snapshot: string;
  plan: MigrationPlan;
  /** Steps that would lose data or conflict with the rows present, unconsented. */
  blocking: MigrationStep[];
}

function risky(step: MigrationStep): boolean {
  return step.safety === "conflict" || (step.safety === "lossy" && !step.consented);
}

/** Reads the stored snapshot, plans, and asks the database about data-dependent steps. */
export async function assess(client: Client, snapshot: string, reset: boolean): Promise<Assessment> {
  const stored = await readSnapshot(client);
  let plan: MigrationPlan;
  try {
    plan = planMigration(reset ? await resetBase(client, stored, snapshot) : stored, snapshot, { reset });
  } catch (e) {
    throw new UsageError(`Could not read the schema snapshot stored in the database: ${(e as Error).message}`);
  }
  // Every data check in one read batch: one round trip however many steps ask.
  const asking = plan.steps.filter(risky);
  const checked = asking.filter((s) => s.check);
  const results = checked.length ? await client.batch(checked.map((s) => s.check!), "read") : [];
  const found = new Set(checked.filter((_, i) => results[i].rows.length > 0));
  const blocking = asking.filter((s) => !s.check || found.has(s));
  return { stored, snapshot, plan, blocking };
}

/**
 * What a reset drops: the stored schema, plus configured tables the database holds that it
 * does not describe (created without a snapshot), so that they are dropped and re-created.
 */
async function resetBase(client: Client, stored: string | null, snapshot: string): Promise<string | null> {
  const rs = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
  const existing = new Set(rs.rows.map((r) => String(r[0])));
  const next = JSON.parse(snapshot) as { version: string; schema: Record<string, unknown> };
  const base = stored ? (JSON.parse(stored) as typeof next) : { version: next.version, schema: {} };
  let extended = false;
  for (const [name, table] of Object.entries(next.schema)) {
    if (existing.has(name) && !(name in base.schema)) {
      base.schema[name] = table;
      extended = true;
    }
  }
  return extended ? JSON.stringify(base) : stored;
}

/** Every statement of the push, in order, for one atomic batch. */
export function pushStatements(a: Assessment): Array<{ sql: string; args: unknown[] }> {
  const stmts: Array<{ sql: string; args: unknown[] }> = [{ sql: CREATE_SNAPSHOT_TABLE, args: [] }];
  for (const q of a.plan.queries) stmts.push({ sql: q, args: [] });
  for (const t of a.plan.foreignKeyChecks) {
    // Errors (integer overflow) when the table has rows breaking its foreign keys, so the
    // whole batch rolls back: PRAGMA foreign_key_check cannot fail a batch by itself.
    stmts.push({
      sql: `SELECT CASE WHEN EXISTS (SELECT 1 FROM pragma_foreign_key_check('${t.replace(/'/g, "''")}')) THEN abs(-9223372036854775808) END`,
      args: [],
    });
  }
  stmts.push({ sql: INSERT_SNAPSHOT, args: [a.snapshot] });
  return stmts;
}

export function describeBlocking(blocking: MigrationStep[]): string {
  return blocking.map((s) => `  - ${s.message}${s.suggestion ? `\n    ${s.suggestion}` : ""}`).join("\n");
}

async function confirmReset(shown: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UsageError(
      `--force-reset drops every table of ${shown} and all their rows; with no terminal to confirm, pass --yes as well to proceed. Nothing was changed.`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`Reset ${shown}? Every table and all its rows will be dropped. Type "yes" to continue: `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function runPush(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, ["db-app-token"], ["dry-run", "force-reset", "yes", "remote"]);
  if (flags.help) {
    process.stdout.write(PUSH_HELP);
    return 0;
  }
  const project = await loadProject(flags);
  const schema = await loadDbSchema(project.root, project.integrations);
  const target = await remoteTarget(project.root, flags);
  for (const w of schema.warnings) process.stderr.write(`Warning: ${w}\n`);
  const out = (s: string) => process.stdout.write(s + "\n");
  out(`Pushing to ${target.shown}`);
  return withTarget(target, async () => {
    const reset = !!flags["force-reset"];
    const dry = !!flags["dry-run"];
    if (reset && !dry && !(await confirmReset(target.shown, !!flags.yes))) {
      out("Reset cancelled: nothing was changed.");
      return 1;
    }
    const a = await assess(target.client, schema.snapshot, reset);
    for (const note of a.plan.notes) out(`Note: ${note.message}`);
    if (a.blocking.length > 0) {
      process.stderr.write(
        `Push refused: these changes would lose data or conflict with the rows in ${target.shown}:\n${describeBlocking(a.blocking)}\n` +
          `Nothing was changed. (To drop everything and start over, use --force-reset.)\n`,
      );
      return 1;
    }
    if (a.plan.queries.length === 0 && a.stored === a.snapshot) {
      out("Database schema is up to date.");
      return 0;
    }
    if (dry) {
      for (const q of a.plan.queries) out(q.endsWith(";") ? q : q + ";");
      if (a.plan.queries.length === 0) out("(no schema change; only the stored snapshot would be updated)");
      out("Dry run: nothing was changed.");
      return 0;
    }
    const stmts = pushStatements(a);
    out(`Applying ${a.plan.queries.length} statement${a.plan.queries.length === 1 ? "" : "s"} and the new schema snapshot in one transaction…`);
    try {
      if (a.plan.foreignKeysOff) await target.client.migrate(stmts as any);
      else await target.client.batch(stmts as any, "write");
    } catch (e) {
      const msg = String((e as Error)?.message ?? e);
      if (/integer overflow/i.test(msg) && a.plan.foreignKeyChecks.length) {
        throw new UsageError(
          `Push refused: rows of ${a.plan.foreignKeyChecks.join(", ")} would break the new foreign keys. Fix or delete those rows first. Nothing was changed.`,
        );
      }
      const explained = explain(e, target);
      if (/^Could not reach/.test(explained.message)) {
        throw new UsageError(
          `${explained.message}\nThe connection was lost while the push was being applied. The push is one transaction: the database is either unchanged or fully updated. Run \`astro-db verify\` to see which (MATCH: it was applied).`,
        );
      }
      throw explained;
    }
    out(
      a.plan.queries.length === 0
        ? "Database schema is up to date (stored snapshot refreshed)."
        : `Pushed ${a.plan.queries.length} statement${a.plan.queries.length === 1 ? "" : "s"}${reset ? " (reset)" : ""}: the database now matches db/config.ts.`,
    );
    return 0;
  });
}

