// `astro db <command>` on Astro 6: Astro resolves the project's config and calls `cli()`
// with its parsed flags; the commands are the same as the `astro-db` bin's.
import { main } from "./index.js";
import { setAstroConfig } from "./target.js";

export interface AstroCliArgs {
  flags: { _: Array<string | number>; [flag: string]: unknown };
  config?: unknown;
}

/** The words after `db` in `astro db <command> …`, as typed. */
function commandLine(flags: AstroCliArgs["flags"]): string[] {
  const words = flags._.map(String);
  const at = words.indexOf("db");
  const command = at >= 0 ? words[at + 1] : words[2];
  if (command === undefined) return [];
  // Re-read the raw arguments so that every flag reaches the command as typed.
  const raw = process.argv.slice(2);
  const start = raw.indexOf(command);
  return start >= 0 ? raw.slice(start) : [command];
}

export async function cli({ flags, config }: AstroCliArgs): Promise<void> {
  setAstroConfig(config);
  const code = await main(commandLine(flags));
  if (code !== 0) process.exitCode = code;
}
