// `astro-db studio`: the database browser on the dev database or, with --remote, the remote one.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SchemaTarget } from "../../index.js";
import { loadDbSchema } from "../integration/load-config.js";
import type { StudioContext } from "../studio/api.js";
import { startStudio } from "../studio/server.js";
import { chooseTarget, loadProject, parseArgs, pushTarget, UsageError } from "./target.js";

export const STUDIO_HELP = `Usage: astro-db studio [--remote [--write]] [--port 4983] [--open] [--db-app-token <token>]

Serves a database browser on http://127.0.0.1:<port>: tables and their rows, filters, edits,
a SQL console, the schema and exports. It opens the local dev database (.astro/content.db, or
ASTRO_DATABASE_FILE) or, with --remote, the database at ASTRO_DB_REMOTE_URL, read-only unless
--write is given. The URL it prints holds a session token: only that URL opens it.

Options:
  --remote           browse ASTRO_DB_REMOTE_URL (token: ASTRO_DB_APP_TOKEN or --db-app-token)
  --write            allow edits and writing statements on the remote database
  --port <n>         port on 127.0.0.1 (default 4983; 0 picks a free one)
  --open             open the URL in the default browser
`;

function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  const child = spawn(cmd, args as string[], { stdio: "ignore", detached: true });
  child.on("error", () => process.stderr.write("Could not open a browser: open the URL above yourself.\n"));
  child.unref();
}

export async function runStudio(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, ["port", "db-app-token"], ["remote", "write", "open"]);
  if (flags.help) {
    process.stdout.write(STUDIO_HELP);
    return 0;
  }
  const portText = typeof flags.port === "string" ? flags.port : "4983";
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not ${JSON.stringify(portText)}.`);
  if (flags.write && !flags.remote) process.stderr.write("--write only matters with --remote: the local database is always writable.\n");
  const project = await loadProject(flags);
  const schema = await loadDbSchema(project.root, project.integrations);
  for (const w of schema.warnings) process.stderr.write(`Warning: ${w}\n`);
  const target = await chooseTarget(project, flags, true);
  const compare = async () => {
    const native = target.remote ? (await pushTarget(project.root, flags)).native : SchemaTarget.local(target.path!);
    // The dev database has no stored snapshot (it is recreated, not pushed to): take its
    // tables as they are and compare them with the config, as `astro dev` itself does.
    return native.push(schema.snapshot, { apply: false, adoptExisting: !target.remote });
  };
  const ctx: StudioContext = {
    client: target.client,
    shown: target.shown,
    remote: target.remote,
    writable: !target.remote || !!flags.write,
    snapshot: schema.configFile || Object.keys(schema.tables).length ? schema.snapshot : undefined,
    compare,
  };
  const historyFile = fileURLToPath(new URL(".astro/studio-history.json", project.root));
  let studio;
  try {
    studio = await startStudio(ctx, { port: Number(portText), historyFile });
  } catch (e) {
    target.client.close();
    const code = (e as { code?: string }).code;
    if (code === "EADDRINUSE") throw new UsageError(`Port ${portText} is in use: pass --port <n> (0 picks a free one).`);
    throw e;
  }
  process.stdout.write(`Astro DB studio for ${target.shown} (${ctx.writable ? "read-write" : "read-only: --write allows edits"})\n  ${studio.url}\n`);
  if (flags.open) openInBrowser(studio.url);
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      studio.close().finally(() => {
        target.client.close();
        resolve(0);
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
