// `astro-db dump | load | pull`: data in and out as SQL text. The Rust side (`SchemaTarget.dump`
// / `.load`) streams and holds the transaction; this file picks the database, parses flags and
// prints. Secrets never reach the output: messages go through `hide`.
import { createReadStream, existsSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SchemaTarget, type DumpOptions, type DumpReport, type LoadReport } from "../../index.js";
import { backupDir, writeBackup } from "../integration/backup.js";
import { explain, hide, loadProject, localTarget, parseArgs, pushTarget, UsageError, type Project, type PushTarget } from "./target.js";

export const DUMP_HELP = `Usage: astro-db dump [--remote] [--tables A,B] [--schema-only | --data-only] [-o <file.sql>] [--json]
       astro-db dump --list-backups

Writes the database as SQL text (CREATE statements, INSERTs with exact values, indexes and
triggers, in one transaction) that \`astro-db load\` and the sqlite3 shell read back unchanged.
Without -o the SQL goes to standard output.

Options:
  --remote           the database at ASTRO_DB_REMOTE_URL (token: ASTRO_DB_APP_TOKEN or --db-app-token);
                     default: the local database (ASTRO_DATABASE_FILE, or .astro/content.db)
  --tables A,B       only these tables
  --schema-only      no rows
  --data-only        only rows (INSERTs)
  -o, --output <f>   write to this file (written whole or not at all)
  --list-backups     list the backups push wrote to .astro/backups/
  --json             print the report as JSON; no progress
`;

export const LOAD_HELP = `Usage: astro-db load <file.sql> [--remote] [--replace] [--json]

Runs a dump (from \`astro-db dump\` or \`sqlite3 .dump\`) as one transaction: all of it or nothing.
A database that already has tables is refused unless --replace drops them first (in the same
transaction).

Options:
  --remote           the database at ASTRO_DB_REMOTE_URL; default: the local database
  --replace          drop the database's tables first
  --json             print the report as JSON; no progress
`;

export const PULL_HELP = `Usage: astro-db pull [--tables A,B] [--where 'Table: <SQL expression>']… [--limit N] [--json]

Copies the rows of the database at ASTRO_DB_REMOTE_URL (data only) into db/seed.sql, which the
dev server and builds run before db/seed.ts: development on real data.

Options:
  --tables A,B       only these tables
  --where 'Comment: published > 1700000000'   only the rows of that table the expression holds for
  --limit N          at most N rows per table
  --json             print the report as JSON; no progress
`;

/** Progress only where a person watches: a terminal (or ASTRO_DB_PROGRESS=1, for CI logs), and not --json. */
const showProgress = (flags: Record<string, unknown>) => !flags.json && (!!process.stderr.isTTY || process.env.ASTRO_DB_PROGRESS === "1");

function tables(flags: Record<string, unknown>): string[] | undefined {
  if (typeof flags.tables !== "string") return undefined;
  const list = flags.tables.split(",").map((t) => t.trim()).filter(Boolean);
  if (!list.length) throw new UsageError("--tables needs at least one table name.");
  return list;
}

/** The local database, or with --remote the one at ASTRO_DB_REMOTE_URL. */
async function dataTarget(project: Project, flags: Record<string, string | true>, mustExist: boolean): Promise<PushTarget> {
  if (flags.remote) return pushTarget(project.root, flags);
  const local = await localTarget(project.root, mustExist);
  local.client.close();
  return { native: SchemaTarget.local(local.path), shown: local.shown, remote: false, secrets: [] };
}

/** Awaits a native call that resolves to its failure; throws it with a message to act on. */
async function settle<T>(target: PushTarget, out: Promise<T | Error>): Promise<T> {
  const r = await out;
  if (!(r instanceof Error)) return r;
  const code = (r as { code?: string }).code ?? "";
  if (code.startsWith("ASTRO_DB_")) throw new UsageError(hide(r.message.replace(/^[A-Z_]+: /, ""), target.secrets));
  throw explain(r, target);
}

/** Writes a dump of `target` to `file`. Shared by `dump`, `pull` and push's backups. */
export async function dumpTo(target: PushTarget, file: string, options: DumpOptions): Promise<DumpReport> {
  return settle(target, target.native.dump(file, options));
}

export async function runDump(argv: string[]): Promise<number> {
  // `-o f`, and `-o=f` as Astro 6's `astro db dump -o f` hands it over.
  const { flags } = parseArgs(argv.map((a) => (a === "-o" ? "--output" : a.startsWith("-o=") ? `--output=${a.slice(3)}` : a)), ["output", "tables", "db-app-token"], ["remote", "schema-only", "data-only", "json", "list-backups"]);
  if (flags.help) {
    process.stdout.write(DUMP_HELP);
    return 0;
  }
  const project = await loadProject(flags);
  if (flags["list-backups"]) return listBackups(project, !!flags.json);
  const target = await dataTarget(project, flags, true);
  const toStdout = typeof flags.output !== "string";
  const file = toStdout ? join(tmpdir(), `astro-db-dump-${process.pid}-${Date.now()}.sql`) : (flags.output as string);
  try {
    const report = await dumpTo(target, file, {
      tables: tables(flags),
      schemaOnly: !!flags["schema-only"],
      dataOnly: !!flags["data-only"],
      progress: showProgress(flags) && !toStdout,
    });
    if (toStdout) await pipeTo(file, process.stdout);
    const summary = `Dumped ${report.tables.length} table(s), ${report.rows} row(s) from ${target.shown}${toStdout ? "" : ` to ${file}`}.`;
    if (flags.json) (toStdout ? process.stderr : process.stdout).write(JSON.stringify({ file: toStdout ? null : file, ...report }) + "\n");
    else process.stderr.write(summary + "\n");
    for (const s of report.skipped) process.stderr.write(`Skipped virtual table ${s} (its module may be missing where the dump is loaded).\n`);
    return 0;
  } finally {
    if (toStdout && existsSync(file)) unlinkSync(file);
  }
}

function pipeTo(file: string, out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createReadStream(file);
    s.on("error", reject);
    s.on("end", resolve);
    s.pipe(out, { end: false });
  });
}

export async function runLoad(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, ["db-app-token"], ["remote", "replace", "json"]);
  if (flags.help) {
    process.stdout.write(LOAD_HELP);
    return 0;
  }
  const [file] = positionals;
  if (!file) throw new UsageError(`Missing the file to load.\n\n${LOAD_HELP}`);
  if (!existsSync(file)) throw new UsageError(`${file} does not exist.`);
  const project = await loadProject(flags);
  const target = await dataTarget(project, flags, false);
  const report: LoadReport = await settle(target, target.native.load(file, { replace: !!flags.replace, progress: showProgress(flags) }));
  if (flags.json) process.stdout.write(JSON.stringify(report) + "\n");
  else {
    if (report.replaced.length) process.stdout.write(`Replaced tables ${report.replaced.join(", ")}.\n`);
    process.stdout.write(`Loaded ${file} into ${target.shown}: ${report.statements} statement(s) in one transaction.\n`);
  }
  return 0;
}

export async function runPull(argv: string[]): Promise<number> {
  const { flags, lists } = parseArgs(argv, ["tables", "limit", "db-app-token"], ["json"], ["where"]);
  if (flags.help) {
    process.stdout.write(PULL_HELP);
    return 0;
  }
  let limit: number | undefined;
  if (typeof flags.limit === "string") {
    if (!/^\d+$/.test(flags.limit)) throw new UsageError(`--limit ${flags.limit}: expected a whole number of rows.`);
    limit = Number(flags.limit);
  }
  const project = await loadProject(flags);
  const target = await pushTarget(project.root, flags);
  const file = fileURLToPath(new URL("db/seed.sql", project.root));
  const report = await dumpTo(target, file, { tables: tables(flags), dataOnly: true, filters: lists.where, limit, progress: showProgress(flags) });
  if (flags.json) process.stdout.write(JSON.stringify({ file, ...report }) + "\n");
  else process.stdout.write(`Pulled ${report.rows} row(s) of ${report.tables.length} table(s) from ${target.shown} into ${relative(process.cwd(), file) || file}.\n`);
  return 0;
}

/**
 * Before a push that loses data by consent: the whole database as it is. Throws (and the push
 * does not run) when the backup cannot be written.
 */
export async function backupBeforeLoss(root: URL, target: PushTarget): Promise<string> {
  let name = "local";
  if (target.remote) {
    try {
      name = new URL(target.shown).hostname || "remote";
    } catch {
      name = "remote";
    }
  }
  try {
    return await writeBackup(root, target.native, name);
  } catch (e) {
    throw new UsageError(`Could not write a backup of ${target.shown} before losing data: ${hide((e as Error).message, target.secrets)}\nNothing was changed.`);
  }
}

function listBackups(project: Project, json: boolean): number {
  const dir = backupDir(project.root);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sql")).sort() : [];
  const rows = files.map((f) => ({ file: join(dir, f), bytes: statSync(join(dir, f)).size }));
  if (json) process.stdout.write(JSON.stringify(rows) + "\n");
  else if (!rows.length) process.stdout.write(`No backups in ${dir}.\n`);
  else for (const r of rows) process.stdout.write(`${r.file}  ${r.bytes} bytes\n`);
  return 0;
}
