// Commands of the retired Astro Studio, and the ones libSQL made unnecessary: say what
// replaced them. `login` and `link` exit 1 (what they were asked to do did not happen and a
// script relying on it should stop); `logout`, `gen` and `sync` exit 0 (nothing to undo or do).
const MOVE = `Astro Studio is retired. Point the project at any libSQL database instead:
  ASTRO_DB_REMOTE_URL=libsql://…   (or http(s)://, ws(s)://, file:…)
  ASTRO_DB_APP_TOKEN=…             (or --db-app-token)
in the environment or .env, then run \`astro-db push\`. (\`astro-db serve\` serves a local file.)`;

const MESSAGES: Record<string, [string, number]> = {
  login: [`\`login\` is no longer needed. ${MOVE}`, 1],
  logout: [`\`logout\` is no longer needed: there is no Studio session. ${MOVE}`, 0],
  link: [`\`link\` is no longer needed: the database is the one at ASTRO_DB_REMOTE_URL. ${MOVE}`, 1],
  gen: ["`gen` is no longer needed: `astro-db push` compares db/config.ts with the schema stored in the database itself; there are no migration files to generate.", 0],
  sync: ["`sync` is no longer needed: `astro-db push` compares db/config.ts with the schema stored in the database itself; there is nothing to sync.", 0],
};

export function retiredCommand(name: string) {
  return async (argv: string[]): Promise<number> => {
    const [message, code] = MESSAGES[name];
    if (argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write(`Usage: astro-db ${name}\n\n${message}\n`);
      return 0;
    }
    (code === 0 ? process.stdout : process.stderr).write(message + "\n");
    return code;
  };
}
