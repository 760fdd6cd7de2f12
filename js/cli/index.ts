// `astro-db <command>`: the package's own CLI (Astro 7 removed `astro db`).
import { pathToFileURL } from "node:url";
import { scaffoldDbDirectory } from "../integration/scaffold.js";
import { runServe } from "./serve.js";
import { runToken } from "./token.js";
import { runPush } from "./push.js";
import { runVerify } from "./verify.js";
import { runShell } from "./shell.js";
import { runExecute } from "./execute.js";
import { runTypes } from "./types.js";
import { runEject } from "./eject.js";
import { runDump, runLoad, runPull } from "./data.js";
import { withHint } from "../errors.js";
import { retiredCommand } from "./retired.js";
import { runStudio } from "./studio.js";

const HELP = `Usage: astro-db <command> [options]

Commands:
  init      create db/config.ts and db/seed.ts in the current project
  serve     serve a database file as a local libSQL server (see: astro-db serve --help)
  token     print an auth token for such a server (see: astro-db token --help)
  push      apply db/config.ts to the database at ASTRO_DB_REMOTE_URL [--dry-run] [--json]
            [--rename <from>=<to>] [--backfill <Table.column>=<SQL>] [--accept-data-loss <Table[.column]>]
            [--force-reset [--yes]]
  verify    compare that database with db/config.ts: MATCH, NO_MATCH, DATA_LOSS or DRIFT [--json] [--strict]
  shell     run one statement and print the rows: --query <sql> [--remote] [--json]
  execute   run a file whose default export uses astro:db: <file> [--remote]
  dump      write the database as SQL: [--remote] [--tables A,B] [--schema-only|--data-only] [-o file.sql] [--list-backups]
  load      run a dump as one transaction: <file.sql> [--remote] [--replace]
  pull      copy the remote's rows into db/seed.sql: [--tables A,B] [--where 'Table: expr'] [--limit N]
  types     write the astro:db TypeScript declarations (.astro/) without a server, e.g. before tsc in CI
  eject     write a Drizzle ORM schema, drizzle.config.ts and first migration (see: astro-db eject --help)
  studio    browse and edit the database in a web page [--remote [--write]] [--port 4983] [--open]
  help      this help

Every command takes --help; the database commands also take --root <dir> (the project, default
the current directory) and --config <astro.config file>. Remote commands read ASTRO_DB_REMOTE_URL and ASTRO_DB_APP_TOKEN
(or --db-app-token) from the environment and .env files.
login, logout, link (Astro Studio, retired), gen and sync are no longer needed: they say what replaced them.
`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  init: async (argv) => {
    if (argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write("Usage: astro-db init\n\nCreates db/config.ts and db/seed.ts when the project has no db/ directory.\n");
      return 0;
    }
    const made = await scaffoldDbDirectory(pathToFileURL(process.cwd() + "/"));
    process.stdout.write(made.length ? `Created ${made.join(" and ")}.\n` : "db/ already exists: nothing to do.\n");
    return 0;
  },
  serve: runServe,
  token: runToken,
  push: runPush,
  verify: runVerify,
  shell: runShell,
  execute: runExecute,
  dump: runDump,
  load: runLoad,
  pull: runPull,
  types: runTypes,
  eject: runEject,
  studio: runStudio,
  login: retiredCommand("login"),
  logout: retiredCommand("logout"),
  link: retiredCommand("link"),
  gen: retiredCommand("gen"),
  sync: retiredCommand("sync"),
  help: async () => {
    process.stdout.write(HELP);
    return 0;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") return commands.help(rest);
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command ${JSON.stringify(name)}.\n\n${HELP}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    process.stderr.write(`${withHint(e)}\n`);
    return 1;
  }
}
