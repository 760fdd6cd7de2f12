// `ASTRO_*` variables as Astro sees them: the project's `.env` files, then the environment.
// Read here rather than through the project's Vite, which is not ours to import (Astro does
// not hand it to integrations outside a build, and strict installs hide it from the root).
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";

/** The files Vite reads for `mode`, later ones winning. */
function envFiles(mode: string): string[] {
  const files = [".env", ".env.local"];
  if (mode) files.push(`.env.${mode}`, `.env.${mode}.local`);
  return files;
}

function readEnvFile(path: URL): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return {};
  }
  return parseEnv(text) as Record<string, string>;
}

/** `$NAME`, `${NAME}` and `${NAME:-default}` refer to other variables (as dotenv-expand does); `\$` is a dollar. */
function expand(value: string, lookup: (name: string) => string | undefined, depth = 0): string {
  if (depth > 8) return value;
  return value.replace(/(\\)?\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (all, escaped, braced, fallback, bare) => {
    if (escaped) return all.slice(1);
    const found = lookup(braced ?? bare);
    return found !== undefined && found !== "" ? expand(found, lookup, depth + 1) : (fallback ?? "");
  });
}

/** `ASTRO_*` variables from the environment and the project's `.env` files (the environment wins). */
export async function astroEnv(root: URL, mode = ""): Promise<Record<string, string>> {
  const parsed: Record<string, string> = {};
  for (const file of envFiles(mode)) Object.assign(parsed, readEnvFile(new URL(file, root)));
  const lookup = (name: string) => process.env[name] ?? parsed[name];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (k.startsWith("ASTRO_")) out[k] = expand(v, lookup);
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith("ASTRO_") && v !== undefined) out[k] = v;
  return out;
}
