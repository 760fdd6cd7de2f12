// `astro db <command>` on Astro 6: Astro resolves the project's config and calls `cli()`
// with its parsed flags; the commands are the same as the `astro-db` bin's.
import { main } from "./index.js";
import { setAstroConfig } from "./target.js";

export interface AstroCliArgs {
  /** Astro's parsed command line: `_` holds the positionals (`['', 'astro', 'db', <command>, …]`). */
  flags: { _?: Array<string | number>; [flag: string]: unknown };
  config?: unknown;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The command line `flags` stands for, rebuilt from the object itself (never from
 * `process.argv`), so programmatic callers get exactly what `astro db …` typed would.
 * yargs gives each dashed flag twice (`db-app-token` and `dbAppToken`): one is kept.
 */
export function commandLine(flags: AstroCliArgs["flags"]): string[] {
  const words = (flags._ ?? []).map(String);
  const at = words.indexOf("db");
  const rest = at >= 0 ? words.slice(at + 1) : words.slice(2);
  if (rest.length === 0) return [];
  const options: string[] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(flags)) {
    if (key === "_" || key === "$0" || key === "--" || value === undefined || value === false) continue;
    const name = kebab(key);
    if (seen.has(name)) continue;
    seen.add(name);
    const dashes = name.length === 1 ? "-" : "--";
    for (const v of Array.isArray(value) ? value : [value]) {
      options.push(v === true ? `${dashes}${name}` : `${dashes}${name}=${String(v)}`);
    }
  }
  return [rest[0], ...rest.slice(1), ...options];
}

/**
 * Runs the command. A failing command ends the process with its exit code, as upstream's
 * `cli` does: Astro's bin exits 0 once this promise resolves, which would turn a failed push
 * into a green CI step.
 */
export async function cli({ flags, config }: AstroCliArgs): Promise<void> {
  setAstroConfig(config);
  const code = await main(commandLine(flags));
  if (code !== 0) process.exit(code);
}
