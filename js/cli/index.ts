// `astro-db <command>`: the package's own CLI (Astro 7 removed `astro db`).
import { pathToFileURL } from "node:url";
import { scaffoldDbDirectory } from "../integration/scaffold.js";
import { runServe } from "./serve.js";
import { runToken } from "./token.js";

const HELP = `Usage: astro-db <command> [options]

Commands:
  init      create db/config.ts and db/seed.ts in the current project
  serve     serve a database file as a local libSQL server (see: astro-db serve --help)
  token     print an auth token for such a server (see: astro-db token --help)
  help      this help
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
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
